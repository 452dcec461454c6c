"""The tables of second factors (migration 0007)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from idp.extensions import UTCDateTime
from idp.extensions import db
from idp.extensions import new_id
from idp.extensions import utcnow


class MethodKind:
    TOTP = "totp"  # an authenticator app (RFC 6238)
    SMS = "sms"  # a 6-digit code by SMS to the verified phone
    EMAIL = "email"  # a 6-digit code by email to the verified address

    ALL = (TOTP, SMS, EMAIL)


class MfaMethod(db.Model):
    """A second factor of a user, active once ``confirmed_at`` is set (one of each kind).

    ``secret_encrypted`` holds the TOTP secret, AES-256-GCM under a data key whose id prefixes
    the value (``idp keys rotate-data-key`` re-encrypts). ``last_used_step`` is the TOTP time
    step of the last accepted code: a code of that step or an earlier one is refused (replay).
    """

    __tablename__ = "mfa_methods"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind", name="uq_mfa_methods_user_kind"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(8))
    secret_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    last_used_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[object | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[object | None] = mapped_column(UTCDateTime)


class OneTimeCode(db.Model):
    """A 6-digit code sent by SMS or email for a login's second step or to enrol the channel.

    Only the keyed digest of ``<id>:<code>`` is kept. Single use, expiring, a few attempts.
    ``send_number`` counts sends per user, channel and purpose: the unique constraint lets one
    of two concurrent sends through (EC-UI-003).
    """

    __tablename__ = "mfa_codes"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "channel", "purpose", "send_number",
                            name="uq_mfa_codes_user_channel_purpose_send"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(sa.String(8))
    purpose: Mapped[str] = mapped_column(sa.String(16))
    send_number: Mapped[int] = mapped_column(sa.Integer)
    code_digest: Mapped[str] = mapped_column(sa.String(64))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[object] = mapped_column(UTCDateTime)
    used_at: Mapped[object | None] = mapped_column(UTCDateTime)


class RecoveryCode(db.Model):
    """One single-use recovery code, stored as its keyed digest; shown to the user once."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[object | None] = mapped_column(UTCDateTime)


class TrustedDevice(db.Model):
    """"Trust this device": logins of ``user_id`` from the device whose key is
    ``device_key`` (``idp.sessions.devices.device_key``) skip the second factor until
    ``expires_at`` (FR-UI-002-02)."""

    __tablename__ = "mfa_trusted_devices"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "device_key", name="uq_mfa_trusted_devices_user_device"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"))
    device_key: Mapped[str] = mapped_column(sa.String(64))
    label: Mapped[str | None] = mapped_column(sa.String(128))
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[object] = mapped_column(UTCDateTime)
    last_used_at: Mapped[object | None] = mapped_column(UTCDateTime)


class PendingLogin(db.Model):
    """A login between the right password and the second factor. It is no session: the
    browser holds only a random token (in the signed form cookie) whose keyed digest finds it.

    ``purpose`` is ``login`` (after the password), or ``step_up`` (a client asked acr_values
    for a second factor on a password-only session ``session_id``). ``enrol`` is set when the
    user has no factor yet and must enrol one first.
    """

    __tablename__ = "mfa_pending_logins"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(16))
    enrol: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    next_url: Mapped[str | None] = mapped_column(sa.String(2048))
    remember: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    session_id: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[object] = mapped_column(UTCDateTime)
    completed_at: Mapped[object | None] = mapped_column(UTCDateTime)
