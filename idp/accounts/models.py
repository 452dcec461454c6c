from __future__ import annotations

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from idp.extensions import UTCDateTime
from idp.extensions import db
from idp.extensions import new_id
from idp.extensions import utcnow


class UserStatus:
    PENDING = "pending"  # waiting for email/phone verification or office approval (BR-UI-003)
    ACTIVE = "active"
    DISABLED = "disabled"

    ALL = (PENDING, ACTIVE, DISABLED)


class User(UserMixin, db.Model):
    """An account. ``id`` is the opaque subject identifier (``sub``) of every token."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    # Stored lower-cased so uniqueness is case-insensitive (BR-UI-001).
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    # The E.164 number is encrypted at rest; its keyed digest is the unique lookup (BR-UI-002).
    phone_digest: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    phone_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[str] = mapped_column(sa.String(16), default=UserStatus.PENDING, index=True)
    email_verified_at: Mapped[object | None] = mapped_column(UTCDateTime)
    phone_verified_at: Mapped[object | None] = mapped_column(UTCDateTime)
    office_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    #: The terms and conditions the customer accepted at signup, and when (FR-UI-001-05).
    terms_version: Mapped[str | None] = mapped_column(sa.String(32))
    terms_accepted_at: Mapped[object | None] = mapped_column(UTCDateTime)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    profile: Mapped[Profile] = relationship(back_populates="user", uselist=False, lazy="joined")

    def get_user_id(self) -> str:
        return self.id

    @property
    def is_active(self) -> bool:
        return self.status == UserStatus.ACTIVE


class Profile(db.Model):
    __tablename__ = "profiles"

    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    avatar_path: Mapped[str | None] = mapped_column(sa.String(255), index=True, unique=True)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="profile")
