"""Tables of the password lifecycle: earlier passwords and pending resets (migration 0003)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from idp.extensions import UTCDateTime
from idp.extensions import db
from idp.extensions import new_id
from idp.extensions import utcnow


class PasswordHistory(db.Model):
    """A password the user has set, as its argon2id hash (FR-UI-003-05). Only the latest
    IDP_PASSWORD_HISTORY_COUNT rows per user are kept."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class ResetChannel:
    EMAIL = "email"  # a link with a 256-bit token
    SMS = "sms"  # a 6-digit code, IDP_PASSWORD_RESET_CODE_ATTEMPTS tries


class PasswordReset(db.Model):
    """One recovery request (FR-UI-003-03): the keyed digest of the link token or of the code
    (bound to this row's id, so equal codes of two requests differ), single use (``used_at``),
    expiring. A newer request of the same channel expires the older ones."""

    __tablename__ = "password_resets"
    __table_args__ = (sa.Index("ix_password_resets_user_channel", "user_id", "channel"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(sa.String(8))
    secret_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[object] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    used_at: Mapped[object | None] = mapped_column(UTCDateTime)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
