"""Second factors (issue 4): TOTP secrets, one-time codes, recovery codes, trusted devices,
and the half-done logins waiting for their second factor.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _user_fk(table: str):
    return sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                   name=op.f(f"fk_{table}_user_id_users"))


def upgrade():
    op.create_table(
        "mfa_methods",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=True),
        sa.Column("last_used_step", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        _user_fk("mfa_methods"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_methods")),
        # Also the index of "this user's methods".
        sa.UniqueConstraint("user_id", "kind", name="uq_mfa_methods_user_kind"),
    )
    op.create_table(
        "mfa_codes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("send_number", sa.Integer(), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _user_fk("mfa_codes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_codes")),
        # Also the index of "this user's latest code for this channel and purpose".
        sa.UniqueConstraint("user_id", "channel", "purpose", "send_number",
                            name="uq_mfa_codes_user_channel_purpose_send"),
    )
    op.create_table(
        "mfa_recovery_codes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _user_fk("mfa_recovery_codes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_recovery_codes")),
        sa.UniqueConstraint("code_digest", name=op.f("uq_mfa_recovery_codes_code_digest")),
    )
    op.create_index(op.f("ix_mfa_recovery_codes_user_id"), "mfa_recovery_codes", ["user_id"])
    op.create_table(
        "mfa_trusted_devices",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("device_key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        _user_fk("mfa_trusted_devices"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_trusted_devices")),
        sa.UniqueConstraint("user_id", "device_key", name="uq_mfa_trusted_devices_user_device"),
    )
    op.create_table(
        "mfa_pending_logins",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("enrol", sa.Boolean(), nullable=False),
        sa.Column("next_url", sa.String(length=2048), nullable=True),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        _user_fk("mfa_pending_logins"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_pending_logins")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_mfa_pending_logins_token_digest")),
    )
    op.create_index(op.f("ix_mfa_pending_logins_user_id"), "mfa_pending_logins", ["user_id"])


def downgrade():
    op.drop_index(op.f("ix_mfa_pending_logins_user_id"), table_name="mfa_pending_logins")
    op.drop_table("mfa_pending_logins")
    op.drop_table("mfa_trusted_devices")
    op.drop_index(op.f("ix_mfa_recovery_codes_user_id"), table_name="mfa_recovery_codes")
    op.drop_table("mfa_recovery_codes")
    op.drop_table("mfa_codes")
    op.drop_table("mfa_methods")
