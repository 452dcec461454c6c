"""Starting, finding, touching and ending login sessions."""

from __future__ import annotations

from datetime import timedelta

from blinker import Namespace
from flask import current_app
from flask import g
from flask import request

from idp import audit
from idp.audit import AuditEvent
from idp.extensions import db
from idp.extensions import utcnow
from idp.security import crypto
from idp.sessions.models import LoginSession

_signals = Namespace()
#: Sent with ``session_id`` when a session ends, so other packages (oauth) revoke what hangs
#: off it without this package importing them.
session_ended = _signals.signal("session-ended")

#: Authentication context classes (OIDC Core §2 ``acr``): a password alone, or with a second
#: factor. Discovery advertises them.
ACR_PASSWORD = "urn:bus-booking:acr:password"
ACR_MFA = "urn:bus-booking:acr:mfa"
ACR_VALUES = (ACR_PASSWORD, ACR_MFA)

#: A session's last-seen time is written at most this often, not on every request.
TOUCH_INTERVAL = timedelta(seconds=60)


def cookie_name() -> str:
    # The __Host- prefix pins the cookie to our origin, Secure and path=/ (RFC 6265bis §4.1.3.2).
    return "idp_session" if current_app.config["IDP_ENV"] != "production" else "__Host-idp_session"


def start_session(user, *, amr: list[str], acr: str | None = None,
                  remember: bool = False) -> tuple[LoginSession, str]:
    """Open a session for ``user`` just authenticated; return it and the cookie secret.

    The secret is new at every login (session fixation). Records ``session:started``.
    """
    config = current_app.config
    secret = crypto.new_secret()
    now = utcnow()
    lifetime = config["IDP_SESSION_REMEMBER_SECONDS"] if remember else config[
        "IDP_SESSION_ABSOLUTE_SECONDS"]
    login = LoginSession(
        secret_digest=crypto.keyed_digest(secret), user_id=user.id, remember=remember,
        auth_time=now, created_at=now, last_seen_at=now, amr=amr, acr=acr,
        expires_at=now + timedelta(seconds=lifetime), ip=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:512] or None,
    )
    db.session.add(login)
    db.session.flush()
    audit.record(AuditEvent.Session.Started, user_id=user.id, session_id=login.id)
    return login, secret


def is_live(login: LoginSession) -> bool:
    now = utcnow()
    idle = timedelta(seconds=current_app.config["IDP_SESSION_IDLE_SECONDS"])
    return login.ended_at is None and login.expires_at > now and login.last_seen_at + idle > now


def session_for_secret(secret: str | None) -> LoginSession | None:
    """The live session this cookie secret opens, or None; ends a session found expired."""
    if not secret:
        return None
    login = db.session.scalar(
        db.select(LoginSession).where(LoginSession.secret_digest == crypto.keyed_digest(secret))
    )
    if login is None or login.ended_at is not None:
        return None
    if not is_live(login):
        end_session(login, reason="expired")
        db.session.commit()
        return None
    return login


def touch(login: LoginSession) -> None:
    """Note activity on the session, writing at most once per TOUCH_INTERVAL."""
    now = utcnow()
    if now - login.last_seen_at >= TOUCH_INTERVAL:
        login.last_seen_at = now
        db.session.commit()


def current_session() -> LoginSession | None:
    """The session of the current request's cookie, looked up once per request."""
    if "idp_login_session" not in g:
        login = session_for_secret(request.cookies.get(cookie_name()))
        if login is not None:
            touch(login)
        g.idp_login_session = login
    return g.idp_login_session


def end_session(login: LoginSession, *, reason: str) -> None:
    """End ``login`` and send ``session_ended`` (refresh tokens issued under it are revoked).
    Records ``session:ended``."""
    if login.ended_at is not None:
        return
    login.ended_at = utcnow()
    login.end_reason = reason
    audit.record(AuditEvent.Session.Ended, user_id=login.user_id, session_id=login.id,
                 reason=reason)
    session_ended.send(current_app._get_current_object(), session_id=login.id)


def end_user_sessions(user_id: str, *, reason: str, keep_session_id: str | None = None) -> int:
    """End every live session of a user except ``keep_session_id`` (after a password change,
    FR-UI-003-02, or a reset); each sends ``session_ended``. Returns how many were ended."""
    query = db.select(LoginSession).where(LoginSession.user_id == user_id,
                                          LoginSession.ended_at.is_(None))
    if keep_session_id is not None:
        query = query.where(LoginSession.id != keep_session_id)
    ended = 0
    for login in db.session.scalars(query).all():
        end_session(login, reason=reason)
        ended += 1
    db.session.flush()
    return ended


def set_cookie(response, login: LoginSession, secret: str) -> None:
    max_age = None
    if login.remember:
        max_age = int((login.expires_at - utcnow()).total_seconds())
    response.set_cookie(
        cookie_name(), secret, max_age=max_age, path="/", httponly=True, samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def clear_cookie(response) -> None:
    response.delete_cookie(cookie_name(), path="/", httponly=True, samesite="Lax",
                           secure=current_app.config["SESSION_COOKIE_SECURE"])
