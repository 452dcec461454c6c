from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from idp.extensions import UTCDateTime
from idp.extensions import db
from idp.extensions import new_id
from idp.extensions import utcnow


class LoginSession(db.Model):
    """One login on one device (FR-UI-005). ``id`` is the public ``sid`` claim; the cookie
    carries a separate secret of which only the keyed digest is stored."""

    __tablename__ = "sessions"
    #: The idle-expiry sweep's query: live sessions (ended_at NULL) by last activity.
    __table_args__ = (sa.Index("ix_sessions_ended_at_last_seen_at", "ended_at", "last_seen_at"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_id)
    secret_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(512))
    #: "browser family / OS family" of ``user_agent`` (NFR-UI-002-04: a session presented by
    #: another family is ended) and what the sessions page shows.
    ua_family: Mapped[str | None] = mapped_column(sa.String(128))
    remember: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    auth_time: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    acr: Mapped[str | None] = mapped_column(sa.String(64))
    amr: Mapped[list | None] = mapped_column(sa.JSON)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[object] = mapped_column(UTCDateTime)
    ended_at: Mapped[object | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(sa.String(32))
