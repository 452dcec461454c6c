"""Single-use emailed links of the security package: unlock (EC-UI-004) and "this wasn't me"
(BR-UI-007). The token is 256 random bits; only its keyed digest is stored; it expires and is
claimed once, by one conditional UPDATE (two concurrent clicks: one wins)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from idp.extensions import db
from idp.extensions import new_id
from idp.extensions import utcnow
from idp.security import crypto
from idp.security.models import SecurityLink


def issue_link(user_id: str, purpose: str, seconds: int, *, replace: bool) -> str:
    """Store a new link of ``purpose`` for the user and return its token (for the email only).
    ``replace`` expires the user's pending links of that purpose first."""
    now = utcnow()
    if replace:
        db.session.execute(
            sa.update(SecurityLink)
            .where(SecurityLink.user_id == user_id, SecurityLink.purpose == purpose,
                   SecurityLink.used_at.is_(None), SecurityLink.expires_at > now)
            .values(expires_at=now).execution_options(synchronize_session=False))
    token = crypto.new_secret()
    db.session.add(SecurityLink(id=new_id(), user_id=user_id, purpose=purpose,
                                secret_digest=crypto.keyed_digest(token), created_at=now,
                                expires_at=now + timedelta(seconds=seconds)))
    db.session.flush()
    return token


def _query(token: str | None, purpose: str):
    return sa.select(SecurityLink).where(
        SecurityLink.secret_digest == crypto.keyed_digest(token or ""),
        SecurityLink.purpose == purpose)


def live_link(token: str | None, purpose: str) -> SecurityLink | None:
    """The unused, unexpired link of ``purpose`` this token opens, or None (nothing spent)."""
    if not token:
        return None
    return db.session.scalar(_query(token, purpose).where(
        SecurityLink.used_at.is_(None), SecurityLink.expires_at > utcnow()))


def refusal_reason(token: str | None, purpose: str) -> tuple[str, str | None]:
    """Why a token does not open a live link: (reason, user id or None)."""
    link = db.session.scalar(_query(token, purpose)) if token else None
    if link is None:
        return "unknown_link", None
    return ("link_used" if link.used_at else "link_expired"), link.user_id


def claim_link(token: str | None, purpose: str) -> str | None:
    """Spend the link; return its user id, or None if it was not live (or another request
    spent it first)."""
    link = live_link(token, purpose)
    if link is None:
        return None
    result = db.session.execute(
        sa.update(SecurityLink)
        .where(SecurityLink.id == link.id, SecurityLink.used_at.is_(None),
               SecurityLink.expires_at > utcnow())
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return link.user_id if result.rowcount == 1 else None
