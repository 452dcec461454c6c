"""Offices: transport-office applications and their documents (FR-UI-001-02, UC-UI-003).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "offices",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("commercial_registration_number", sa.String(length=32), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("contact_person", sa.String(length=200), nullable=False),
        sa.Column("representative_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("terms_accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["representative_id"], ["users.id"],
                                name=op.f("fk_offices_representative_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"],
                                name=op.f("fk_offices_decided_by_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offices")),
        sa.UniqueConstraint("commercial_registration_number",
                            name=op.f("uq_offices_commercial_registration_number")),
    )
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offices_representative_id"), ["representative_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_offices_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_offices_created_at"), ["created_at"], unique=False)

    op.create_table(
        "office_documents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("office_id", sa.String(length=32), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_path", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"],
                                name=op.f("fk_office_documents_office_id_offices"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_documents")),
        sa.UniqueConstraint("storage_path", name=op.f("uq_office_documents_storage_path")),
    )
    with op.batch_alter_table("office_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_office_documents_office_id"), ["office_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("office_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_office_documents_office_id"))
    op.drop_table("office_documents")
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offices_created_at"))
        batch_op.drop_index(batch_op.f("ix_offices_status"))
        batch_op.drop_index(batch_op.f("ix_offices_representative_id"))
    op.drop_table("offices")
