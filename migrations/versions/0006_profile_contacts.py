"""Profile contacts and pictures (FR-UI-006): a picture is looked up by its public random id.

The address changes themselves need no table: the pending new address lives in the
verification row (0005) until it is confirmed. The index backs ``avatars.find_avatar`` (one
lookup per picture served) and makes a file name name at most one profile.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_profiles_avatar_path"), ["avatar_path"],
                              unique=True)


def downgrade():
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profiles_avatar_path"))
