"""Starting, finding, touching, rotating and ending login sessions.

The store is the ``sessions`` table alone: a request finds its session by the keyed digest of
the cookie secret (one unique-index read, about 0.1 ms), so ending a session takes effect on
every worker at the next request, with no cache to invalidate. Activity is written at most once
per IDP_SESSION_TOUCH_SECONDS, and `idp sessions sweep` ends idle and expired sessions in
batches (a session found expired on a request is also ended then).
"""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from blinker import Namespace
from flask import current_app
from flask import g
from flask import request

from idp import audit
from idp.audit import AuditEvent
from idp.extensions import db
from idp.extensions import utcnow
from idp.security import crypto
from idp.sessions import user_agents
from idp.sessions.devices import device_key
from idp.sessions.models import LoginSession

_signals = Namespace()
#: Sent with ``session_id`` when a session ends, so other packages (oauth) revoke what hangs
#: off it without this package importing them.
session_ended = _signals.signal("session-ended")
#: Sent with ``user`` and ``session`` when a login is complete (every factor passed), so the
#: security package notes the device and network only then (BR-UI-007), never after a
#: password alone.
session_started = _signals.signal("session-started")

#: Authentication context classes (OIDC Core §2 ``acr``): a password alone, or with a second
#: factor. Discovery advertises them.
ACR_PASSWORD = "urn:bus-booking:acr:password"
ACR_MFA = "urn:bus-booking:acr:mfa"
ACR_VALUES = (ACR_PASSWORD, ACR_MFA)

#: Why a session ended (``end_reason``; the audit trail and the sessions API show it).
REASON_LOGOUT = "logout"
REASON_EXPIRED = "expired"
REASON_SAME_DEVICE = "same_device"
REASON_ENDED_BY_USER = "ended_by_user"
REASON_USER_AGENT = "user_agent_changed"

_ROTATED = "_idp_session_rotated"  # g: (login, secret) whose cookie the response must set


def touch_interval() -> timedelta:
    return timedelta(seconds=current_app.config["IDP_SESSION_TOUCH_SECONDS"])


def cookie_name() -> str:
    # The __Host- prefix pins the cookie to our origin, Secure and path=/ (RFC 6265bis §4.1.3.2).
    return "idp_session" if current_app.config["IDP_ENV"] != "production" else "__Host-idp_session"


def start_session(user, *, amr: list[str], acr: str | None = None,
                  remember: bool = False) -> tuple[LoginSession, str]:
    """Open a session for ``user`` just authenticated; return it and the cookie secret.

    The secret is new at every login (session fixation). One session per device
    (FR-UI-005-03, BR-UI-009): any live session of this browser's device id, whoever's it is,
    ends first (reason ``same_device``). Records ``session:started``.
    """
    config = current_app.config
    device = device_key()
    now = utcnow()
    # One UPDATE … RETURNING ends them (no SELECT first); loaded copies are kept in step.
    for previous_id, previous_user in db.session.execute(
            _END_DEVICE_SESSIONS, {"device": device, "now": now}).all():
        _ended(previous_id, previous_user, REASON_SAME_DEVICE)
    secret = crypto.new_secret()
    lifetime = config["IDP_SESSION_REMEMBER_SECONDS"] if remember else config[
        "IDP_SESSION_ABSOLUTE_SECONDS"]
    agent = (request.user_agent.string or "")[:512] or None
    login = LoginSession(
        secret_digest=crypto.keyed_digest(secret), user_id=user.id, remember=remember,
        auth_time=now, created_at=now, last_seen_at=now, amr=amr, acr=acr,
        expires_at=now + timedelta(seconds=lifetime), ip=request.remote_addr,
        user_agent=agent, ua_family=user_agents.family(agent), device_id=device,
    )
    db.session.add(login)
    db.session.flush()
    audit.record(AuditEvent.Session.Started, user_id=user.id, session_id=login.id)
    session_started.send(current_app._get_current_object(), user=user, session=login)
    return login, secret


#: Built once (every login runs it).
_END_DEVICE_SESSIONS = (
    db.update(LoginSession)
    .where(LoginSession.device_id == sa.bindparam("device"), LoginSession.ended_at.is_(None))
    .values(ended_at=sa.bindparam("now"), end_reason=REASON_SAME_DEVICE)
    .returning(LoginSession.id, LoginSession.user_id)
    .execution_options(synchronize_session="fetch"))


def is_live(login: LoginSession, now: datetime | None = None) -> bool:
    now = now or utcnow()
    idle = timedelta(seconds=current_app.config["IDP_SESSION_IDLE_SECONDS"])
    return login.ended_at is None and login.expires_at > now and login.last_seen_at + idle > now


def session_for_secret(secret: str | None) -> LoginSession | None:
    """The live session this cookie secret opens, or None; ends a session found expired."""
    if not secret or len(secret) > 128:
        return None
    login = db.session.scalar(
        db.select(LoginSession).where(LoginSession.secret_digest == crypto.keyed_digest(secret))
    )
    if login is None or login.ended_at is not None:
        return None
    if not is_live(login):
        end_session(login, reason=REASON_EXPIRED)
        db.session.commit()
        return None
    return login


def touch(login: LoginSession) -> None:
    """Note activity on the session, writing at most once per IDP_SESSION_TOUCH_SECONDS.

    One conditional UPDATE: of several workers seeing the same stale time, one writes.
    """
    now = utcnow()
    if now - login.last_seen_at < touch_interval():
        return
    db.session.execute(
        db.update(LoginSession)
        .where(LoginSession.id == login.id, LoginSession.last_seen_at < now - touch_interval())
        .values(last_seen_at=now, ip=request.remote_addr)
        .execution_options(synchronize_session=False))
    db.session.commit()
    login.last_seen_at = now
    login.ip = request.remote_addr


def _presented_by_another_family(login: LoginSession) -> bool:
    agent = (request.user_agent.string or "")[:512] or None
    if agent == login.user_agent or not current_app.config["IDP_SESSION_BIND_USER_AGENT"]:
        return False  # the common case costs a string comparison, no parsing
    return user_agents.family(agent) != (login.ua_family or user_agents.family(login.user_agent))


def _end_hijacked(login: LoginSession) -> None:
    """NFR-UI-002-04: the cookie came from another browser or OS family: end the session, keep
    the evidence and tell the user by email."""
    from idp.accounts.services import get_user
    from idp.notify import notify_user

    end_session(login, reason=REASON_USER_AGENT)
    audit.record(AuditEvent.Session.HijackSuspected, user_id=login.user_id, result="failure",
                 session_id=login.id, expected=login.ua_family,
                 presented=user_agents.family(request.user_agent.string))
    user = get_user(login.user_id)
    if user is not None:
        notify_user(user, "session_ended_suspicious", {
            "device": login.ua_family or "", "presented": user_agents.family(
                request.user_agent.string), "ip": request.remote_addr or ""},
            channels=("email",))
    db.session.commit()


def current_session() -> LoginSession | None:
    """The session of the current request's cookie, looked up once per request."""
    if "idp_login_session" not in g:
        login = session_for_secret(request.cookies.get(cookie_name()))
        if login is not None and _presented_by_another_family(login):
            _end_hijacked(login)
            login = None
        if login is not None:
            touch(login)
        g.idp_login_session = login
    return g.idp_login_session


def end_session(login: LoginSession, *, reason: str) -> None:
    """End ``login`` and send ``session_ended`` (refresh tokens issued under it are revoked,
    clients with a back-channel logout URI are told). Records ``session:ended``."""
    if login.ended_at is not None:
        return
    login.ended_at = utcnow()
    login.end_reason = reason
    _ended(login.id, login.user_id, reason)


def _ended(session_id: str, user_id: str, reason: str) -> None:
    audit.record(AuditEvent.Session.Ended, user_id=user_id, session_id=session_id,
                 reason=reason)
    session_ended.send(current_app._get_current_object(), session_id=session_id)


def end_user_sessions(user_id: str, *, reason: str, keep_session_id: str | None = None) -> int:
    """End every live session of a user except ``keep_session_id`` (after a password change,
    FR-UI-003-02, or a reset; "end all sessions", FR-UI-005-05); each sends ``session_ended``.
    Returns how many were ended."""
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


def user_sessions(user_id: str) -> list[LoginSession]:
    """The user's live sessions (not ended, not idle, not expired), most recently seen first."""
    now = utcnow()
    rows = db.session.scalars(db.select(LoginSession).where(
        LoginSession.user_id == user_id, LoginSession.ended_at.is_(None),
        LoginSession.expires_at > now).order_by(LoginSession.last_seen_at.desc()))
    return [row for row in rows if is_live(row, now)]


def get_user_session(user_id: str, session_id: str) -> LoginSession | None:
    """The user's live session with this id, or None (another user's is None too)."""
    login = db.session.get(LoginSession, session_id) if session_id else None
    if login is None or login.user_id != user_id or not is_live(login):
        return None
    return login


def rotate(login: LoginSession) -> str:
    """Give ``login`` a new cookie secret at a privilege change (a step-up to a second factor,
    a new role): a secret that leaked before the change opens nothing after it. The session's
    id (``sid``, known to clients) stays. The response of the current request gets the new
    cookie by itself. Flushes; records ``session:rotated``; returns the new secret."""
    secret = crypto.new_secret()
    login.secret_digest = crypto.keyed_digest(secret)
    db.session.flush()
    audit.record(AuditEvent.Session.Rotated, user_id=login.user_id, session_id=login.id)
    setattr(g, _ROTATED, (login, secret))
    return secret


def sweep(*, batch: int | None = None, now: datetime | None = None) -> int:
    """End every idle or expired session that is still marked live (BR-UI-008), ``batch`` per
    transaction (IDP_SESSION_SWEEP_BATCH); commits; returns how many were ended."""
    batch = batch or current_app.config["IDP_SESSION_SWEEP_BATCH"]
    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["IDP_SESSION_IDLE_SECONDS"])
    stale = (LoginSession.ended_at.is_(None),
             db.or_(LoginSession.last_seen_at < cutoff, LoginSession.expires_at <= now))
    total = 0
    while True:
        rows = list(db.session.scalars(db.select(LoginSession).where(*stale)
                                       .order_by(LoginSession.last_seen_at).limit(batch)))
        for login in rows:
            end_session(login, reason=REASON_EXPIRED)
        db.session.commit()
        total += len(rows)
        if len(rows) < batch:
            return total


def live_session_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(LoginSession).where(
        LoginSession.ended_at.is_(None)))


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


def _set_rotated_cookie(response):
    rotated = g.pop(_ROTATED, None)
    if rotated is not None and rotated[0].ended_at is None:
        set_cookie(response, *rotated)
    return response


def init_app(app) -> None:
    app.after_request(_set_rotated_cookie)
    if app.config["IDP_ENV"] == "production":
        # The Flask session cookie (CSRF token, saved forms) gets the same origin pinning.
        app.config["SESSION_COOKIE_NAME"] = "__Host-idp_form"
