"""Signup verification: email links and SMS codes (FR-UI-001-03/04), and the terms a
customer accepted (FR-UI-001-05).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "verifications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("send_number", sa.Integer(), nullable=False),
        sa.Column("target_digest", sa.String(length=64), nullable=False),
        sa.Column("target_encrypted", sa.Text(), nullable=False),
        sa.Column("secret_digest", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_verifications_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verifications")),
        sa.UniqueConstraint("secret_digest", name=op.f("uq_verifications_secret_digest")),
        # Also the index of "this user's latest code for this purpose".
        sa.UniqueConstraint("user_id", "purpose", "channel", "send_number",
                            name="uq_verifications_user_purpose_channel_send"),
    )
    # Nullable columns are added in place on every database (no batch copy of users).
    op.add_column("users", sa.Column("terms_version", sa.String(length=32), nullable=True))
    op.add_column("users", sa.Column("terms_accepted_at", sa.DateTime(timezone=True),
                                     nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # Not batch mode: it copies users to a new table and drops the old one, and with
        # foreign keys on that drop cascades to every profile, session and token. SQLite
        # 3.35+ drops a column in place.
        op.execute("ALTER TABLE users DROP COLUMN terms_accepted_at")
        op.execute("ALTER TABLE users DROP COLUMN terms_version")
    else:
        op.drop_column("users", "terms_accepted_at")
        op.drop_column("users", "terms_version")
    op.drop_table("verifications")
