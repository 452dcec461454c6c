"""The break-glass account (the risk "loss of access for everyone"): `idp admin emergency`
creates or re-enables a super admin with a one-time password, loudly audited and alerted.

The account must replace that password before it may do anything else (the gate below sends
it to the password change page) and, holding an admin role, must enrol a second factor at
login (the mfa package's policy).
"""

from __future__ import annotations

import getpass
import secrets
import socket
from dataclasses import dataclass

from flask import current_app
from flask import redirect
from flask import request
from flask import url_for
from sqlalchemy.exc import IntegrityError

from idp import audit
from idp.accounts.models import UserStatus
from idp.admin.models import PasswordChangeRequired
from idp.audit import AuditEvent
from idp.extensions import db
from idp.extensions import utcnow
from idp.security import crypto

EMERGENCY_ROLE = "super_admin"
_SYMBOLS = "!#$%&*+-=?@^~"

#: Paths a user who must change their password may still reach: the change itself, leaving,
#: second-factor enrolment (the mfa package's own gate), and what is not a hosted page.
_OPEN_PATHS = ("/account/password", "/logout", "/login", "/mfa", "/static/", "/api/", "/token",
               "/introspect", "/revoke", "/userinfo", "/jwks.json", "/.well-known/", "/health")


@dataclass(frozen=True)
class EmergencyAccount:
    user_id: str
    email: str
    created: bool
    one_time_password: str


def _one_time_password() -> str:
    """About 130 bits from the CSPRNG, with the digit and symbol the policy asks for."""
    return (secrets.token_urlsafe(16) + secrets.choice("23456789")
            + secrets.choice(_SYMBOLS) + secrets.token_urlsafe(4))


def _set_one_time_password(user) -> str:
    from idp.accounts.errors import PasswordRejected
    from idp.accounts.passwords import set_password

    for _ in range(5):
        password = _one_time_password()
        try:
            set_password(user, password)
        except PasswordRejected:  # a random string that happens to hold a part of the name
            continue
        return password
    raise RuntimeError("could not make a one-time password the policy accepts")


def emergency_account(email: str, *, phone: str | None = None,
                      name: str = "Emergency administrator") -> EmergencyAccount:
    """Create, or re-enable, the super admin with this email and give it a new one-time
    password, which the caller shows once.

    An existing account is made active with its email verified, unlocked, given the
    ``super_admin`` role, and its sessions and tokens are ended (whoever held them before
    loses them). The password must be changed at the next login. Records
    ``admin:emergency:account`` and alerts IDP_SECURITY_CONTACT and the account's address by
    email. Raises InvalidIdentifier or IdentifierTaken for a bad or taken email or phone.
    """
    from idp.accounts.errors import IdentifierTaken
    from idp.accounts.identifiers import normalise_email
    from idp.accounts.services import create_user
    from idp.accounts.services import find_user
    from idp.accounts.services import set_phone
    from idp.oauth.services import revoke_user_tokens
    from idp.rbac.services import assign_role
    from idp.security import lockout
    from idp.sessions.services import end_user_sessions

    email = normalise_email(email)
    user = find_user(email)
    created = user is None
    now = utcnow()
    if created:
        user = create_user(email=email, phone=phone, password=None, name=name, verified=True)
    else:
        if phone and not user.phone_digest:
            set_phone(user, phone)
            user.phone_verified_at = now
            try:
                with db.session.begin_nested():
                    db.session.flush()
            except IntegrityError:  # the number belongs to another account (BR-UI-002)
                raise IdentifierTaken() from None
        user.status = UserStatus.ACTIVE
        user.email_verified_at = user.email_verified_at or now
        end_user_sessions(user.id, reason="emergency_account")
        revoke_user_tokens(user.id, reason="emergency_account")
        lockout.unlock(user, actor_id="idp-cli")
    password = _set_one_time_password(user)
    require_password_change(user, reason="emergency")
    assign_role(user, EMERGENCY_ROLE)
    db.session.flush()
    operator = _operator()
    audit.record(AuditEvent.Admin.Emergency, user_id=user.id, created=created,
                 role=EMERGENCY_ROLE, **operator)
    current_app.logger.warning("BREAK-GLASS: super admin %s %s by %s on %s", user.id,
                               "created" if created else "re-enabled", operator["operator"],
                               operator["host"])
    _alert(user, created=created, when=now, **operator)
    return EmergencyAccount(user_id=user.id, email=user.email, created=created,
                            one_time_password=password)


def _operator() -> dict:
    try:
        operator = getpass.getuser()
    except Exception:  # no login name (a container with an arbitrary uid)
        operator = "unknown"
    return {"operator": operator, "host": socket.gethostname()}


def security_contact() -> str | None:
    """The security team's email address (IDP_SECURITY_CONTACT), or None if not set."""
    return (current_app.config.get("IDP_SECURITY_CONTACT") or "").strip() or None


def _alert(user, *, created: bool, when, operator: str, host: str) -> list[str]:
    from idp.notify import queue_email

    context = {"account_email": user.email, "account_id": user.id, "created": created,
               "when": when.strftime("%Y-%m-%d %H:%M UTC"), "operator": operator,
               "host": host}
    recipients = dict.fromkeys(r for r in (security_contact(), user.email) if r)
    return [queue_email(to, "emergency_account", context) for to in recipients]


# --- the password that must be changed first ----------------------------------------------


def _hash_digest(user) -> str:
    return crypto.keyed_digest(user.password_hash or "")


def require_password_change(user, *, reason: str) -> None:
    """From now until ``user``'s password hash changes, every hosted page sends the user to
    the password change page."""
    row = db.session.get(PasswordChangeRequired, user.id)
    if row is None:
        row = PasswordChangeRequired(user_id=user.id)
        db.session.add(row)
    row.reason = reason
    row.password_digest = _hash_digest(user)
    row.created_at = utcnow()
    row.completed_at = None
    db.session.flush()


def password_change_pending(user_id: str) -> bool:
    """True while the user still holds the password they were handed. Notices a change made
    since (and records ``admin:password_change:completed``)."""
    row = db.session.get(PasswordChangeRequired, user_id)
    if row is None or row.completed_at is not None:
        return False
    from idp.accounts.services import get_user

    user = get_user(user_id)
    if user is not None and _hash_digest(user) == row.password_digest:
        return True
    row.completed_at = utcnow()
    audit.record(AuditEvent.Admin.PasswordChangeCompleted, user_id=user_id, reason=row.reason)
    db.session.commit()
    return False


def password_change_gate():
    """``before_app_request``: a signed-in user who must change their password sees only the
    password change page (and logout, second-factor enrolment, the APIs)."""
    if request.path.startswith(_OPEN_PATHS):
        return None
    from idp.sessions.services import cookie_name
    from idp.sessions.services import current_session

    if not request.cookies.get(cookie_name()):
        return None
    login = current_session()
    if login is None or not password_change_pending(login.user_id):
        return None
    return redirect(url_for("accounts.change_password_page"))
