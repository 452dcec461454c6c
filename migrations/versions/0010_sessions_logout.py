"""Sessions and logout (issue 6): session devices, client logout URIs.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22

The outbox needs no change: back-channel logout POSTs are messages of a new channel ("http")
in the same table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ua_family", sa.String(length=128), nullable=True))
        # The idle-expiry sweep: live sessions (ended_at NULL) by last activity.
        batch_op.create_index("ix_sessions_ended_at_last_seen_at", ["ended_at", "last_seen_at"],
                              unique=False)
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("post_logout_redirect_uris", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("backchannel_logout_uri", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("frontchannel_logout_uri", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("frontchannel_logout_uri")
        batch_op.drop_column("backchannel_logout_uri")
        batch_op.drop_column("post_logout_redirect_uris")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_sessions_ended_at_last_seen_at")
        batch_op.drop_column("ua_family")
