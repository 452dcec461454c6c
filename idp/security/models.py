"""Tables of the brute-force defence (migration 0008): lockout state when Redis is not
configured, the devices and networks a user signed in from, and emailed one-time links."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from idp.extensions import UTCDateTime
from idp.extensions import db
from idp.extensions import new_id
from idp.extensions import utcnow


class LockoutState(db.Model):
    """Failure counts and lock of one bucket of a user's login attempts (BR-UI-006).

    Buckets: ``unknown`` (every device that never signed in to the account), ``d:<device
    key>`` (one device that did: its own count, so strangers cannot lock its owner out) and
    ``admin`` (a lock set by an administrator, which applies to every device). Counters are
    changed only by conditional UPDATEs, so concurrent attempts are counted exactly.
    """

    __tablename__ = "lockout_states"

    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    bucket: Mapped[str] = mapped_column(sa.String(72), primary_key=True)
    password_failures: Mapped[int] = mapped_column(sa.Integer, default=0)
    code_failures: Mapped[int] = mapped_column(sa.Integer, default=0)
    locked_until: Mapped[object | None] = mapped_column(UTCDateTime)
    #: Locks so far (within IDP_LOCKOUT_RESET_SECONDS): the next lasts 2**lock_level times long.
    lock_level: Mapped[int] = mapped_column(sa.Integer, default=0)
    locked_at: Mapped[object | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class KnownDevice(db.Model):
    """A device (``sessions.devices.device_key``) that signed in to the account."""

    __tablename__ = "known_devices"

    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    device_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    first_seen_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class KnownNetwork(db.Model):
    """A network (IPv4 /24, IPv6 /48 by default) the user signed in from, as a keyed digest."""

    __tablename__ = "known_networks"

    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    network_digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    first_seen_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class LinkPurpose:
    UNLOCK = "unlock"  # EC-UI-004: lift a lock
    NOT_ME = "not_me"  # BR-UI-007: "this wasn't me" in a new-sign-in email


class SecurityLink(db.Model):
    """An emailed single-use link: the keyed digest of its 256-bit token, expiring."""

    __tablename__ = "security_links"
    __table_args__ = (sa.Index("ix_security_links_user_purpose", "user_id", "purpose"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(sa.String(16))
    secret_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[object] = mapped_column(UTCDateTime)
    used_at: Mapped[object | None] = mapped_column(UTCDateTime)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
