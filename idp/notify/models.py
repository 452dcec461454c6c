"""The outbox: every email and SMS is a row here before any provider sees it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from idp.extensions import UTCDateTime
from idp.extensions import db
from idp.extensions import new_id
from idp.extensions import utcnow


class Channel:
    EMAIL = "email"
    SMS = "sms"
    #: A form POST to a URL (OpenID back-channel logout): the recipient is the URL, the body
    #: the JSON payload a registered builder turns into the form (``worker.register_http_body``).
    HTTP = "http"

    #: The channels that reach a person (``notify_user``).
    ALL = (EMAIL, SMS)


class OutboxStatus:
    """queued → sent, or queued → (retries) → failed. Nothing leaves ``sent`` or ``failed``."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """One rendered message. Recipient, subject and body are AES-256-GCM encrypted (context
    ``outbox``): they carry one-time codes, reset links and phone numbers (NFR-UI-002-02)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_status_next_attempt_at", "status",
                               "next_attempt_at"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(sa.String(8))
    template: Mapped[str] = mapped_column(sa.String(64))
    locale: Mapped[str] = mapped_column(sa.String(8))
    #: The account the message is about, when ``notify_user`` queued it (for the audit trail).
    user_id: Mapped[str | None] = mapped_column(sa.String(32))
    recipient_encrypted: Mapped[str] = mapped_column(sa.Text)
    subject_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    body_encrypted: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(8), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    #: A worker sending the message holds it until then; NULL or past means free to claim.
    claimed_until: Mapped[object | None] = mapped_column(UTCDateTime)
    provider: Mapped[str | None] = mapped_column(sa.String(64))
    #: What went wrong last, without recipient, body or credentials.
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[object | None] = mapped_column(UTCDateTime)


class OutboxAttempt(db.Model):
    """One provider tried for one message: the outcome of every try is kept."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(sa.Integer)
    provider: Mapped[str] = mapped_column(sa.String(64))
    ok: Mapped[bool] = mapped_column(sa.Boolean)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
