"""Admin API and audit (issue 5): passwords that must be changed before anything else (the
break-glass account), and an activity log the database itself keeps append-only.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# PostgreSQL refuses to change or remove a row of the activity log, whoever asks: the
# application has no such path, and a bug or an injected statement must not make one
# (BR-UI-010, issue 5 §5). TRUNCATE is a separate privilege, for the operator's retention job.
_REFUSE = """
CREATE OR REPLACE FUNCTION activity_log_append_only() RETURNS trigger AS $$
BEGIN
    -- No "%" placeholder: the DBAPI's paramstyle would have it doubled.
    RAISE EXCEPTION USING MESSAGE = 'activity_log is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
_TRIGGER = """
CREATE TRIGGER activity_log_append_only BEFORE UPDATE OR DELETE ON activity_log
FOR EACH ROW EXECUTE FUNCTION activity_log_append_only()
"""


def upgrade():
    op.create_table(
        "password_change_required",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("password_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_password_change_required_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_password_change_required")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_REFUSE)
        op.execute(_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS activity_log_append_only ON activity_log")
        op.execute("DROP FUNCTION IF EXISTS activity_log_append_only()")
    op.drop_table("password_change_required")
