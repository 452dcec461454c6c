"""The table of email links and SMS codes that prove an address (migration 0005)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from idp.extensions import UTCDateTime
from idp.extensions import db
from idp.extensions import new_id
from idp.extensions import utcnow


class VerificationChannel:
    EMAIL = "email"  # a link carrying a 256-bit token
    SMS = "sms"  # a 6-digit code, IDP_PHONE_CODE_ATTEMPTS tries


class Verification(db.Model):
    """One link or code sent to prove ``target`` for ``purpose`` ("signup", "change_email"…).

    Only the keyed digest of the secret is kept (of the token, or of the code bound to this
    row's id so that equal codes of two rows differ). Single use (``used_at``), expiring.
    ``send_number`` counts the sends of one user, purpose and channel; the unique constraint
    on it lets only one of two concurrent resends through (EC-UI-003).
    """

    __tablename__ = "verifications"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "purpose", "channel", "send_number",
                            name="uq_verifications_user_purpose_channel_send"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(sa.String(32))
    channel: Mapped[str] = mapped_column(sa.String(8))
    send_number: Mapped[int] = mapped_column(sa.Integer)
    #: Keyed digest of the normalised address (lower-case email, E.164 number).
    target_digest: Mapped[str] = mapped_column(sa.String(64))
    #: The address itself, AES-256-GCM encrypted: a phone number is personal data.
    target_encrypted: Mapped[str] = mapped_column(sa.Text)
    secret_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[object] = mapped_column(UTCDateTime)
    used_at: Mapped[object | None] = mapped_column(UTCDateTime)
