from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from idp.extensions import UTCDateTime
from idp.extensions import db
from idp.extensions import new_id
from idp.extensions import utcnow


class OfficeStatus:
    """An application's state (UC-UI-003)::

        stateDiagram-v2
            [*] --> pending: signup
            pending --> approved: idp offices approve
            pending --> rejected: idp offices reject (with a reason)
    """

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    ALL = (PENDING, APPROVED, REJECTED)


class Office(db.Model):
    """A transport office (a vendor) and its application (FR-UI-001-02)."""

    __tablename__ = "offices"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Normalised (ASCII digits, upper case, no spaces or dashes) so uniqueness holds however
    #: it was typed.
    commercial_registration_number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    city: Mapped[str] = mapped_column(sa.String(100))
    contact_person: Mapped[str] = mapped_column(sa.String(200))
    #: The account that applied; it becomes the office's ``office_rep`` on approval.
    representative_id: Mapped[str | None] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=OfficeStatus.PENDING, index=True)
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    terms_accepted_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)
    decided_at: Mapped[object | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="SET NULL"))

    documents: Mapped[list[OfficeDocument]] = relationship(
        back_populates="office", order_by="(OfficeDocument.created_at, OfficeDocument.id)",
        lazy="selectin",
        cascade="all, delete-orphan")


class OfficeDocument(db.Model):
    """A document an office uploaded. The file lies under IDP_OFFICE_DOCUMENTS_DIR at
    ``storage_path``, named by a random id; the user's file name is only a label."""

    __tablename__ = "office_documents"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    office_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("offices.id", ondelete="CASCADE"), index=True)
    original_filename: Mapped[str] = mapped_column(sa.String(255))
    #: Detected from the bytes, never taken from the upload's name or Content-Type.
    content_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(sa.Integer)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_path: Mapped[str] = mapped_column(sa.String(255), unique=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    office: Mapped[Office] = relationship(back_populates="documents")
