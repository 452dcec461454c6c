"""Second factors: who needs one, which ones a user has, enrolment, and checking one.

FR-UI-002-03. The policy: a member of a role in IDP_MFA_REQUIRED_ROLES (every admin role and
office representatives by default) must pass a second factor at each login, and enrols one
right after the password if they have none; any other user passes one if they enrolled one; a
client asking ``acr_values=urn:bus-booking:acr:mfa`` gets one in any case (step-up). A device
the user trusts skips the second factor, except for a step-up.

What the login records (RFC 8176 names): ``amr`` ["pwd"] with acr ``…:password`` for a
password alone; ["pwd", "otp", "mfa"] after a TOTP, email or recovery code, ["pwd", "sms",
"mfa"] after an SMS code, each with acr ``…:mfa`` (``AMR`` below).
"""

from __future__ import annotations

from collections.abc import Set
from datetime import timedelta
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask import g
from flask import has_request_context
from sqlalchemy.orm.attributes import set_committed_value

from idp import audit
from idp.audit import AuditEvent
from idp.extensions import db
from idp.extensions import utcnow
from idp.mfa import codes
from idp.mfa import recovery
from idp.mfa import totp
from idp.mfa import trusted_devices
from idp.mfa.errors import MethodUnavailable
from idp.mfa.errors import SecondFactorFailed
from idp.mfa.models import MethodKind
from idp.mfa.models import MfaMethod
from idp.mfa.models import PendingLogin
from idp.rbac.services import role_names
from idp.rbac.services import role_names_select
from idp.security import crypto
from idp.security import lockout
from idp.sessions.services import ACR_MFA

RECOVERY = "recovery"
#: The methods a second step offers, in the order they are offered.
METHODS = (MethodKind.TOTP, MethodKind.SMS, MethodKind.EMAIL, RECOVERY)
#: RFC 8176 has no value for an email code or a recovery code: both are one-time passwords.
AMR = {
    MethodKind.TOTP: ["pwd", "otp", "mfa"],
    MethodKind.SMS: ["pwd", "sms", "mfa"],
    MethodKind.EMAIL: ["pwd", "otp", "mfa"],
    RECOVERY: ["pwd", "otp", "mfa"],
}


class LoginNeeds:
    """What a right password leads to."""

    SESSION = "session"  # no second factor: the session starts now
    TRUSTED = "trusted"  # a trusted device skips it: the session starts now
    VERIFY = "verify"  # the second step
    ENROL = "enrol"  # a second factor is required and the user has none: enrol first


# --- policy -----------------------------------------------------------------------------------


def required_by_role(user) -> bool:
    """True when one of the user's roles is in IDP_MFA_REQUIRED_ROLES."""
    return _roles_require_mfa(role_names(user.id))


def _roles_require_mfa(roles) -> bool:
    return bool(set(current_app.config["IDP_MFA_REQUIRED_ROLES"]) & set(roles))


def asks_mfa(next_url: str | None) -> bool:
    """True when ``next_url`` is an authorization request whose acr_values asks for
    ``urn:bus-booking:acr:mfa`` (OIDC Core §3.1.2.1)."""
    if not next_url:
        return False
    values = parse_qs(urlsplit(next_url).query).get("acr_values", [""])[0].split()
    return ACR_MFA in values


def _in_order(kinds) -> list[str]:
    return [kind for kind in MethodKind.ALL if kind in kinds]


def confirmed_methods(user) -> list[str]:
    """The kinds of the user's active second factors, in ``METHODS`` order."""
    return _in_order(set(db.session.scalars(db.select(MfaMethod.kind).where(
        MfaMethod.user_id == user.id, MfaMethod.confirmed_at.is_not(None)))))


def confirmed_method_rows(user) -> dict[str, MfaMethod]:
    """The user's active second factors by kind, whole rows (what checking a code reads)."""
    return {row.kind: row for row in db.session.scalars(_CONFIRMED_ROWS, {"user_id": user.id})}


_CONFIRMED_ROWS = db.select(MfaMethod).where(MfaMethod.user_id == sa.bindparam("user_id"),
                                             MfaMethod.confirmed_at.is_not(None))


def kinds_read_by_login_needs(user) -> frozenset[str] | None:
    """The factor kinds ``login_needs`` read for ``user`` in this request (None: it did not),
    so that the second step it leads to does not read them again."""
    held = g.get("idp_mfa_kinds") if has_request_context() else None
    return held[1] if held and held[0] == user.id else None


def offered_methods(user, rows: dict[str, MfaMethod] | Set[str] | None = None, *,
                    count_recovery: bool = True) -> list[str]:
    """What the second step offers: the active factors (``rows``, or their kinds, when the
    caller has them), then recovery codes if any are left. ``count_recovery=False`` skips
    counting them (one query less) and leaves recovery out: for a code posted by another
    method."""
    methods = _in_order(rows) if rows is not None else confirmed_methods(user)
    if methods and count_recovery and recovery.remaining_recovery_codes(user):
        methods.append(RECOVERY)
    return methods


#: Built once: every login runs it.
_FACTORS_AND_ROLES = sa.union_all(
    db.select(sa.literal("factor").label("tag"), MfaMethod.kind.label("name")).where(
        MfaMethod.user_id == sa.bindparam("user_id"), MfaMethod.confirmed_at.is_not(None)),
    role_names_select(sa.bindparam("user_id"), tag="role"))


def login_needs(user, *, step_up: bool = False) -> str:
    """What follows the right password of ``user`` on this device (a ``LoginNeeds`` value);
    ``step_up``: a client asked for a second factor. Records the skip of a trusted device.

    One query reads both the active factors and the roles (which may require a factor)."""
    kinds, roles = set(), set()
    for tag, name in db.session.execute(_FACTORS_AND_ROLES, {"user_id": user.id}):
        (kinds if tag == "factor" else roles).add(name)
    if has_request_context():
        g.idp_mfa_kinds = (user.id, frozenset(kinds))
    if kinds:
        if not step_up and trusted_devices.is_trusted_device(user):
            audit.record(AuditEvent.Mfa.SkippedTrustedDevice, user_id=user.id)
            return LoginNeeds.TRUSTED
        return LoginNeeds.VERIFY
    if step_up or _roles_require_mfa(roles):
        return LoginNeeds.ENROL
    return LoginNeeds.SESSION


# --- the half-done login ----------------------------------------------------------------------


def begin_pending_login(user, *, purpose: str, enrol: bool, next_url: str | None,
                        remember: bool, session_id: str | None = None) -> str:
    """Keep a login waiting for its second factor for IDP_MFA_PENDING_SECONDS; return the
    token the browser holds (only its digest is stored). The caller commits."""
    token = crypto.new_secret()
    now = utcnow()
    db.session.add(PendingLogin(
        token_digest=crypto.keyed_digest("pending:" + token), user_id=user.id, purpose=purpose,
        enrol=enrol, next_url=next_url, remember=remember, session_id=session_id,
        created_at=now,
        expires_at=now + timedelta(seconds=current_app.config["IDP_MFA_PENDING_SECONDS"])))
    db.session.flush()
    return token


def pending_login(token: str | None) -> PendingLogin | None:
    """The live half-done login of this token, or None (unknown, finished or expired)."""
    if not token or len(token) > 128:
        return None
    row = db.session.scalar(_PENDING_BY_DIGEST,
                            {"digest": crypto.keyed_digest("pending:" + token)})
    if row is None or row.completed_at is not None or row.expires_at <= utcnow():
        return None
    return row


def finish_pending_login(row: PendingLogin) -> bool:
    """Mark the half-done login finished; of two concurrent finishes one gets True."""
    result = db.session.execute(_FINISH_PENDING, {"row_id": row.id, "now": utcnow()})
    return result.rowcount == 1


# Built once: a second step runs each of them.
_PENDING_BY_DIGEST = db.select(PendingLogin).where(
    PendingLogin.token_digest == sa.bindparam("digest"))
_FINISH_PENDING = (
    db.update(PendingLogin)
    .where(PendingLogin.id == sa.bindparam("row_id"), PendingLogin.completed_at.is_(None))
    .values(completed_at=sa.bindparam("now")).execution_options(synchronize_session=False))


# --- checking a second factor -----------------------------------------------------------------


def _method(user, kind: str, *, confirmed: bool = True,
            rows: dict[str, MfaMethod] | None = None) -> MfaMethod | None:
    if rows is not None and confirmed:
        return rows.get(kind)
    query = db.select(MfaMethod).where(MfaMethod.user_id == user.id, MfaMethod.kind == kind)
    if confirmed:
        query = query.where(MfaMethod.confirmed_at.is_not(None))
    return db.session.scalar(query)


def _accept_totp(method: MfaMethod, code: str) -> None:
    """Accept ``code`` for ``method`` once: the step moves forward atomically (no replay)."""
    step = totp.matching_step(totp.unseal(method.secret_encrypted), code)
    if step is None:
        raise SecondFactorFailed(reason="wrong_code")
    accepted = db.session.execute(_MOVE_STEP, {"method_id": method.id, "step": step,
                                               "now": utcnow()})
    if accepted.rowcount != 1:
        raise SecondFactorFailed(reason="replayed")
    # The row holds it already: keep the object in step without a second UPDATE at flush.
    set_committed_value(method, "last_used_step", step)


_MOVE_STEP = (
    db.update(MfaMethod)
    .where(MfaMethod.id == sa.bindparam("method_id"),
           db.or_(MfaMethod.last_used_step.is_(None),
                  MfaMethod.last_used_step < sa.bindparam("step")))
    .values(last_used_step=sa.bindparam("step"), last_used_at=sa.bindparam("now"))
    .execution_options(synchronize_session=False))


def _digits(code: str | None) -> str:
    from idp.accounts.verification import normalise_code

    return normalise_code(code)


def verify_second_factor(user, method: str, code: str | None, *,
                         offered: list[str] | None = None,
                         rows: dict[str, MfaMethod] | None = None) -> list[str]:
    """Check ``code`` by ``method`` (``totp``, ``sms``, ``email`` or ``recovery``) for
    ``user``; return the session's ``amr``.

    Goes through the lockout first (``lockout.check(user, factor="code")``: raises
    AccountLocked) and reports the outcome to it. Raises MethodUnavailable or
    SecondFactorFailed (its subclasses CodeExpired, CodeAttemptsExceeded). Records
    ``mfa:challenge:success`` or ``…:failure``; the caller commits after a refusal too.
    ``offered``: ``offered_methods(user)`` and ``rows``: ``confirmed_method_rows(user)`` when
    the caller has them already (a query less each).
    """
    if method not in (offered if offered is not None else offered_methods(user)):
        raise MethodUnavailable()
    lockout.check(user, factor="code")
    try:
        if method == MethodKind.TOTP:
            _accept_totp(_method(user, MethodKind.TOTP, rows=rows), _digits(code))
        elif method in codes.CHANNELS:
            codes.check_code(user, method, code, purpose="login")
            _method(user, method, rows=rows).last_used_at = utcnow()
        elif not recovery.use_recovery_code(user, code):
            raise SecondFactorFailed(reason="wrong_code")
    except SecondFactorFailed as exc:
        lockout.record_failure(user, factor="code")
        audit.record(AuditEvent.Mfa.Failure, user_id=user.id, result="failure", method=method,
                     reason=exc.reason)
        raise
    lockout.record_success(user)
    audit.record(AuditEvent.Mfa.Success, user_id=user.id, method=method)
    return list(AMR[method])


def send_login_code(user, channel: str) -> None:
    """Send a login code by ``channel`` if the user enrolled it (see ``codes.send_code``)."""
    if channel not in confirmed_methods(user) or channel not in codes.CHANNELS:
        raise MethodUnavailable()
    codes.send_code(user, channel, purpose="login")


# --- enrolment --------------------------------------------------------------------------------


def totp_account_name(user) -> str:
    from idp.accounts.services import phone_number

    return user.email or phone_number(user) or user.id


def start_totp_enrolment(user) -> str:
    """The secret of the user's TOTP being enrolled, made now if none is waiting. Raises
    MethodUnavailable if a TOTP is already active (remove it first). The caller commits."""
    method = _method(user, MethodKind.TOTP, confirmed=False)
    if method is not None and method.confirmed_at is not None:
        raise MethodUnavailable()
    if method is None:
        method = MfaMethod(user_id=user.id, kind=MethodKind.TOTP,
                           secret_encrypted=totp.seal(totp.new_secret()))
        db.session.add(method)
        db.session.flush()
    return totp.unseal(method.secret_encrypted)


def confirm_totp_enrolment(user, code: str | None) -> None:
    """Activate the waiting TOTP with a first code from the app. Raises SecondFactorFailed
    or MethodUnavailable. Records ``mfa:method:enrolled``; the caller commits."""
    method = _method(user, MethodKind.TOTP, confirmed=False)
    if method is None or method.confirmed_at is not None:
        raise MethodUnavailable()
    try:
        _accept_totp(method, _digits(code))
    except SecondFactorFailed as exc:
        audit.record(AuditEvent.Mfa.Failure, user_id=user.id, result="failure", method="totp",
                     reason=exc.reason, purpose="enrol")
        raise
    method.confirmed_at = utcnow()
    audit.record(AuditEvent.Mfa.Enrolled, user_id=user.id, method=MethodKind.TOTP)


def import_totp_secret(user, secret: str) -> None:
    """Make ``secret`` (base32) the user's active TOTP, replacing any (``idp users import``).
    Raises ValueError for a malformed secret. Records ``mfa:method:enrolled``."""
    secret = totp.normalise_secret(secret)
    method = _method(user, MethodKind.TOTP, confirmed=False)
    if method is None:
        method = MfaMethod(user_id=user.id, kind=MethodKind.TOTP)
        db.session.add(method)
    method.secret_encrypted = totp.seal(secret)
    method.confirmed_at = utcnow()
    method.last_used_step = None
    db.session.flush()
    audit.record(AuditEvent.Mfa.Enrolled, user_id=user.id, method=MethodKind.TOTP,
                 how="import")


def channel_address_verified(user, channel: str) -> bool:
    if channel == MethodKind.SMS:
        return bool(user.phone_encrypted and user.phone_verified_at)
    if channel == MethodKind.EMAIL:
        return bool(user.email and user.email_verified_at)
    return False


def start_channel_enrolment(user, channel: str) -> None:
    """Send a code to the user's verified phone (``sms``) or email to switch that channel on.
    Raises MethodUnavailable (no verified address) or ResendTooSoon. The caller commits."""
    if channel not in codes.CHANNELS or not channel_address_verified(user, channel):
        raise MethodUnavailable()
    codes.send_code(user, channel, purpose="enrol")


def confirm_channel_enrolment(user, channel: str, code: str | None) -> None:
    """Switch the channel on with the code sent by ``start_channel_enrolment``. Raises
    SecondFactorFailed (and subclasses) or MethodUnavailable. Records
    ``mfa:method:enrolled``; the caller commits after a refusal too."""
    if channel not in codes.CHANNELS or not channel_address_verified(user, channel):
        raise MethodUnavailable()
    try:
        codes.check_code(user, channel, code, purpose="enrol")
    except SecondFactorFailed as exc:
        audit.record(AuditEvent.Mfa.Failure, user_id=user.id, result="failure", method=channel,
                     reason=exc.reason, purpose="enrol")
        raise
    method = _method(user, channel, confirmed=False)
    if method is None:
        method = MfaMethod(user_id=user.id, kind=channel)
        db.session.add(method)
    method.confirmed_at = utcnow()
    db.session.flush()
    audit.record(AuditEvent.Mfa.Enrolled, user_id=user.id, method=channel)


class LastFactorRequired(MethodUnavailable):
    code = "mfa_required"

    def __init__(self):
        from flask_babel import lazy_gettext as _l

        super().__init__(_l("Your role requires a second factor: add another one before "
                            "removing this one."))


def disable_method(user, kind: str) -> None:
    """Remove one of the user's second factors. The last one of a user whose role requires
    one cannot go (LastFactorRequired); with the last one go the recovery codes and trusted
    devices. Records ``mfa:method:disabled``; the caller commits."""
    methods = confirmed_methods(user)
    if kind in methods and len(methods) == 1 and required_by_role(user):
        raise LastFactorRequired()
    result = db.session.execute(db.delete(MfaMethod).where(
        MfaMethod.user_id == user.id, MfaMethod.kind == kind))
    if not result.rowcount:
        raise MethodUnavailable()
    if not confirmed_methods(user):
        recovery.delete_recovery_codes(user)
        trusted_devices.untrust_all_devices(user)
    audit.record(AuditEvent.Mfa.Disabled, user_id=user.id, method=kind)
