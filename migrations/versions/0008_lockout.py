"""Brute-force defence (issue 4): lockout counters, known devices and networks, unlock and
"this wasn't me" links.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _user_fk(table: str):
    return sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                   name=op.f(f"fk_{table}_user_id_users"))


def upgrade():
    op.create_table(
        "lockout_states",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("bucket", sa.String(length=72), nullable=False),
        sa.Column("password_failures", sa.Integer(), nullable=False),
        sa.Column("code_failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lock_level", sa.Integer(), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _user_fk("lockout_states"),
        sa.PrimaryKeyConstraint("user_id", "bucket", name=op.f("pk_lockout_states")),
    )
    for table, key in (("known_devices", "device_key"), ("known_networks", "network_digest")):
        op.create_table(
            table,
            sa.Column("user_id", sa.String(length=32), nullable=False),
            sa.Column(key, sa.String(length=64), nullable=False),
            sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
            _user_fk(table),
            sa.PrimaryKeyConstraint("user_id", key, name=op.f(f"pk_{table}")),
        )
    op.create_table(
        "security_links",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("secret_digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _user_fk("security_links"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_links")),
        sa.UniqueConstraint("secret_digest", name=op.f("uq_security_links_secret_digest")),
    )
    with op.batch_alter_table("security_links", schema=None) as batch_op:
        batch_op.create_index("ix_security_links_user_purpose", ["user_id", "purpose"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("security_links", schema=None) as batch_op:
        batch_op.drop_index("ix_security_links_user_purpose")
    op.drop_table("security_links")
    op.drop_table("known_networks")
    op.drop_table("known_devices")
    op.drop_table("lockout_states")
