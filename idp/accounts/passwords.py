"""The password lifecycle: setting a password under the policy, changing it, recovering it.

FR-UI-003-01..05, BR-UI-005, EC-UI-002. Every change ends the user's other sessions, revokes
their refresh tokens, notifies them by email and SMS and is audited. Recovery never tells
whether an account exists; its link tokens and codes are stored as keyed digests, expire after
IDP_PASSWORD_RESET_SECONDS and are claimed once with an atomic UPDATE.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import timedelta
from urllib.parse import urlencode

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from idp import audit
from idp import notify
from idp.accounts.errors import IdentifierTaken
from idp.accounts.errors import NotSupportAdmin
from idp.accounts.errors import PasswordRejected
from idp.accounts.errors import PasswordReused
from idp.accounts.errors import ResetCodeAttemptsExhausted
from idp.accounts.errors import ResetCodeInvalid
from idp.accounts.errors import ResetLinkInvalid
from idp.accounts.errors import WrongCurrentPassword
from idp.accounts.identifiers import normalise_email
from idp.accounts.identifiers import parse_identifier
from idp.accounts.models import User
from idp.accounts.models import UserStatus
from idp.accounts.password_models import PasswordHistory
from idp.accounts.password_models import PasswordReset
from idp.accounts.password_models import ResetChannel
from idp.accounts.services import find_user
from idp.accounts.services import get_user
from idp.accounts.services import phone_number
from idp.accounts.services import set_phone
from idp.audit import AuditEvent
from idp.errors import InvalidInput
from idp.errors import NotFound
from idp.extensions import db
from idp.extensions import new_id
from idp.extensions import utcnow
from idp.security import crypto
from idp.security.password_policy import check_password_policy
from idp.security.passwords import hash_password
from idp.security.passwords import verify_password

CODE_DIGITS = 6
#: Roles whose holders may run support-assisted recovery (EC-UI-002; appendix A: support).
SUPPORT_ROLES = frozenset({"support_admin", "super_admin"})


# --- setting a password -------------------------------------------------------------------


def _personal_data(user: User) -> dict:
    return {"email": user.email, "phone": phone_number(user),
            "name": user.profile.name if user.profile else None}


def _recent_hashes(user: User) -> list[str]:
    """The current hash, then the history's, newest first, without repeats. The history holds
    the current password too, except for an account whose password was set at creation."""
    count = current_app.config["IDP_PASSWORD_HISTORY_COUNT"]
    stored = db.session.scalars(
        db.select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.id.desc()).limit(count))
    hashes = [user.password_hash] if user.password_hash else []
    # The current hash may differ from its history row after a rehash at login: checking it
    # besides ``count`` history rows still covers the last ``count`` passwords.
    return list(dict.fromkeys(hashes + list(stored)))


def vet_password(user: User, password: str) -> str:
    """Check ``password`` as the user's next one and return its argon2id hash.

    Raises the ``PasswordRejected`` subclass of the policy rule it breaks, or PasswordReused
    when it verifies against one of the last IDP_PASSWORD_HISTORY_COUNT passwords. Changes
    nothing.
    """
    check_password_policy(password, **_personal_data(user))
    for stored in _recent_hashes(user):
        if verify_password(stored, password).ok:
            raise PasswordReused(current_app.config["IDP_PASSWORD_HISTORY_COUNT"])
    return hash_password(password)


def _store_password_hash(user: User, hashed: str) -> None:
    count = current_app.config["IDP_PASSWORD_HISTORY_COUNT"]
    if user.id is None:  # a user built by signup and not flushed yet
        db.session.add(user)
        db.session.flush()
    history = db.select(PasswordHistory.id).where(PasswordHistory.user_id == user.id)
    if user.password_hash and db.session.scalar(history.limit(1)) is None:
        # Set at account creation, before any history: it is the oldest of the last five.
        db.session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash,
                                       created_at=utcnow()))
    user.password_hash = hashed
    db.session.add(PasswordHistory(user_id=user.id, password_hash=hashed, created_at=utcnow()))
    db.session.flush()
    keep = history.order_by(PasswordHistory.id.desc()).limit(count).scalar_subquery()
    db.session.execute(db.delete(PasswordHistory).where(
        PasswordHistory.user_id == user.id, PasswordHistory.id.not_in(keep)))


def set_password(user: User, password: str) -> None:
    """Make ``password`` the user's password: policy and history checked (``vet_password``
    raises), argon2id hash stored, history kept, ``account:password:set`` recorded. Ends no
    session and sends no message: signup calls it; a change goes through ``change_password``.
    """
    _store_password_hash(user, vet_password(user, password))
    audit.record(AuditEvent.Password.Set, user_id=user.id)


def _after_password_change(user: User, *, how: str, keep_session_id: str | None = None) -> int:
    """End the other sessions, revoke every refresh token, notify (FR-UI-003-04)."""
    from idp.oauth.services import revoke_user_tokens
    from idp.sessions.services import end_user_sessions

    ended = end_user_sessions(user.id, reason=f"password_{how}", keep_session_id=keep_session_id)
    revoke_user_tokens(user.id, f"password_{how}")
    notify.notify_user(user, "password_changed", {
        "reset_url": current_app.config["IDP_ISSUER"] + "/password/forgot"})
    return ended


def change_password(user: User, current_password: str, new_password: str, *,
                    keep_session_id: str | None = None) -> int:
    """Replace the password after checking the current one (FR-UI-003-02).

    Raises WrongCurrentPassword (recording ``account:password:change_failed``) or a
    ``PasswordRejected``. On success every session but ``keep_session_id`` ends, every refresh
    token of the user is revoked, the user is told by email and SMS, and
    ``account:password:changed`` is recorded. Returns how many sessions were ended.
    """
    if not verify_password(user.password_hash, current_password or "").ok:
        audit.record(AuditEvent.Password.ChangeFailed, user_id=user.id, session_id=keep_session_id,
                     result="failure", reason="wrong_password")
        raise WrongCurrentPassword()
    _store_password_hash(user, vet_password(user, new_password))
    ended = _after_password_change(user, how="changed", keep_session_id=keep_session_id)
    audit.record(AuditEvent.Password.Changed, user_id=user.id, session_id=keep_session_id,
                 sessions_ended=ended)
    return ended


# --- recovery ---------------------------------------------------------------------------


def _locale_for(user: User, locale: str | None) -> str | None:
    return (user.profile.locale if user.profile else None) or locale


def reset_link(token: str, locale: str | None = None) -> str:
    query = {"token": token, **({"lang": locale} if locale else {})}
    return f"{current_app.config['IDP_ISSUER']}/password/reset?{urlencode(query)}"


def _issue_reset(user: User, channel: str, *, to: str, locale: str | None) -> None:
    """Store a new reset of ``channel`` (expiring the user's pending ones of that channel) and
    queue its link or code to ``to``."""
    now = utcnow()
    seconds = current_app.config["IDP_PASSWORD_RESET_SECONDS"]
    db.session.execute(
        db.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.channel == channel,
               PasswordReset.used_at.is_(None), PasswordReset.expires_at > now)
        .values(expires_at=now).execution_options(synchronize_session=False))
    reset = PasswordReset(id=new_id(), user_id=user.id, channel=channel, attempts=0,
                          created_at=now, expires_at=now + timedelta(seconds=seconds))
    locale = _locale_for(user, locale)
    context = {"name": user.profile.name if user.profile else "", "minutes": seconds // 60}
    if channel == ResetChannel.EMAIL:
        token = crypto.new_secret()
        reset.secret_digest = crypto.keyed_digest(token)
        notify.queue_email(to, "password_reset", {**context, "link": reset_link(token, locale)},
                           locale=locale)
    else:
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        reset.secret_digest = crypto.keyed_digest(f"{reset.id}:{code}")
        notify.queue_sms(to, "password_reset_code", {**context, "code": code}, locale=locale)
    db.session.add(reset)
    db.session.flush()
    audit.record(AuditEvent.Password.ResetRequested, user_id=user.id, channel=channel)


def request_password_reset(identifier: str, *, locale: str | None = None) -> str:
    """Send a reset link (email) or a 6-digit code (SMS) if ``identifier`` belongs to an
    account that is not disabled (FR-UI-003-03).

    Returns the channel the identifier's kind calls for, ``"email"`` or ``"sms"``, whether or
    not the account exists, so the caller's reply reveals nothing. Raises InvalidIdentifier for
    something that is neither an email address nor a phone number. ``locale`` is the language
    of the message when the user has not chosen one.
    """
    kind, value = parse_identifier(identifier)
    channel = ResetChannel.EMAIL if kind == "email" else ResetChannel.SMS
    user = find_user(value)
    if user is None or user.status == UserStatus.DISABLED:
        audit.record(AuditEvent.Password.ResetRequested, result="unknown_account", channel=channel)
        return channel
    _issue_reset(user, channel, to=value, locale=locale)
    return channel


def _live_reset(query) -> PasswordReset | None:
    return db.session.scalar(query.where(PasswordReset.used_at.is_(None),
                                         PasswordReset.expires_at > utcnow()))


def _link_query(token: str | None):
    digest = crypto.keyed_digest(token) if token and len(token) <= 256 else ""
    return db.select(PasswordReset).where(PasswordReset.secret_digest == digest,
                                          PasswordReset.channel == ResetChannel.EMAIL)


def _reset_for_token(token: str | None) -> PasswordReset | None:
    return _live_reset(_link_query(token))


def reset_link_user(token: str | None) -> User | None:
    """The user a live (unused, unexpired) reset link belongs to, or None."""
    reset = _reset_for_token(token)
    return get_user(reset.user_id) if reset else None


def _claim(reset: PasswordReset) -> bool:
    """Mark the reset used; of two concurrent claims exactly one gets True."""
    now = utcnow()
    claimed = db.session.execute(
        db.update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None),
               PasswordReset.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    return claimed.rowcount == 1


def _finish_reset(user: User, hashed: str, reset: PasswordReset) -> None:
    _store_password_hash(user, hashed)
    # Every other pending link or code of the user stops working.
    now = utcnow()
    db.session.execute(
        db.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None),
               PasswordReset.expires_at > now)
        .values(expires_at=now).execution_options(synchronize_session=False))
    ended = _after_password_change(user, how="reset")
    audit.record(AuditEvent.Password.Reset, user_id=user.id, channel=reset.channel,
                 sessions_ended=ended)


def _refuse_reset(reason: str, error: Exception, user_id: str | None = None) -> None:
    audit.record(AuditEvent.Password.ResetFailed, user_id=user_id, result="failure", reason=reason)
    raise error


def reset_with_token(token: str, new_password: str) -> User:
    """Set a new password with an emailed reset link's token (FR-UI-003-03).

    Raises ResetLinkInvalid (unknown, expired or used; also the loser of two concurrent
    submissions) or a ``PasswordRejected`` (the link stays usable). On success the link is
    spent, every session ends, every refresh token is revoked, the user is notified and
    ``account:password:reset`` recorded. The caller commits, also after ResetLinkInvalid
    (its audit record).
    """
    reset = _reset_for_token(token)
    if reset is None:
        spent = db.session.scalar(_link_query(token))
        reason = "unknown_link" if spent is None else (
            "link_used" if spent.used_at else "link_expired")
        _refuse_reset(reason, ResetLinkInvalid(), spent and spent.user_id)
    user = get_user(reset.user_id)
    hashed = vet_password(user, new_password)  # before the claim: a weak password keeps the link
    if not _claim(reset):
        _refuse_reset("link_used", ResetLinkInvalid(), user.id)
    _finish_reset(user, hashed, reset)
    return user


def normalise_code(code: str | None) -> str:
    """The digits of ``code`` in ASCII: Arabic-Indic digits (٠١٢…) count, spaces do not."""
    return "".join(str(unicodedata.digit(ch)) for ch in (code or "") if ch.isdigit())


def reset_with_code(phone: str, code: str, new_password: str) -> User:
    """Set a new password with the SMS code sent to ``phone`` (FR-UI-003-03).

    Each submission spends one of IDP_PASSWORD_RESET_CODE_ATTEMPTS tries before the code is
    compared (concurrent guesses cannot exceed them); a right code with a password the policy
    rejects gives its try back. Raises ResetCodeInvalid (wrong, expired, used, unknown number),
    ResetCodeAttemptsExhausted, or a ``PasswordRejected``. On success as ``reset_with_token``.
    The caller commits after a refusal too: the spent try must stay spent.
    """
    user = find_user(phone or "")
    reset = user and _live_reset(
        db.select(PasswordReset).where(PasswordReset.user_id == user.id,
                                       PasswordReset.channel == ResetChannel.SMS)
        .order_by(PasswordReset.created_at.desc()).limit(1))
    if reset is None:
        _refuse_reset("invalid_code", ResetCodeInvalid(), user and user.id)
    limit = current_app.config["IDP_PASSWORD_RESET_CODE_ATTEMPTS"]
    attempt = db.update(PasswordReset).where(PasswordReset.id == reset.id)
    spent = db.session.execute(
        attempt.where(PasswordReset.attempts < limit, PasswordReset.used_at.is_(None),
                      PasswordReset.expires_at > utcnow())
        .values(attempts=PasswordReset.attempts + 1).execution_options(synchronize_session=False))
    attempts = db.session.scalar(db.select(PasswordReset.attempts)
                                 .where(PasswordReset.id == reset.id))
    if spent.rowcount != 1:  # no try left, or spent or expired since it was read
        if attempts >= limit:
            _refuse_reset("code_attempts_exhausted", ResetCodeAttemptsExhausted(), user.id)
        _refuse_reset("code_used", ResetCodeInvalid(), user.id)
    if not crypto.digest_matches(f"{reset.id}:{normalise_code(code)}", reset.secret_digest):
        error = ResetCodeAttemptsExhausted() if attempts >= limit else ResetCodeInvalid()
        _refuse_reset("wrong_code", error, user.id)
    try:
        hashed = vet_password(user, new_password)
    except PasswordRejected:
        db.session.execute(attempt.values(attempts=PasswordReset.attempts - 1)
                           .execution_options(synchronize_session=False))
        raise
    if not _claim(reset):
        _refuse_reset("code_used", ResetCodeInvalid(), user.id)
    _finish_reset(user, hashed, reset)
    return user


# --- support-assisted recovery (EC-UI-002) ----------------------------------------------


def start_support_recovery(user_id: str, *, support_admin_id: str, checks: str,
                           new_email: str | None = None, new_phone: str | None = None) -> str:
    """Give a user who lost both password and email a new verified contact and send a reset
    link (email) or code (SMS) to it; return the channel.

    The support admin must be an active account holding support_admin or super_admin, and not
    the user. ``checks`` (the identity checks performed) is recorded with the admin's id in
    ``account:recovery:support``. The user's sessions end and their refresh tokens are revoked
    at once. Raises InvalidInput (neither or both contacts, no checks), NotSupportAdmin,
    NotFound, InvalidIdentifier or IdentifierTaken.
    """
    from idp.oauth.services import revoke_user_tokens
    from idp.rbac.services import role_names
    from idp.sessions.services import end_user_sessions

    if bool(new_email) == bool(new_phone):
        raise InvalidInput(_l("Give exactly one new contact: an email address or a phone number."))
    checks = (checks or "").strip()
    if not checks:
        raise InvalidInput(_l("Describe the identity checks that were performed."))
    admin = get_user(support_admin_id)
    if admin is None or not admin.is_active or not SUPPORT_ROLES & set(role_names(admin.id)):
        raise NotSupportAdmin()
    user = get_user(user_id)
    if user is None:
        raise NotFound(_l("There is no such user."))
    if user.id == admin.id:
        raise NotSupportAdmin(_l("A support admin cannot recover their own account."))
    now = utcnow()
    if new_email:
        channel, user.email, user.email_verified_at = ResetChannel.EMAIL, normalise_email(
            new_email), now
    else:
        channel, user.phone_verified_at = ResetChannel.SMS, now
        set_phone(user, new_phone)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise IdentifierTaken() from None
    audit.record(AuditEvent.Password.SupportRecovery, user_id=user.id, support_admin_id=admin.id,
                 checks=checks[:1000], channel=channel)
    end_user_sessions(user.id, reason="support_recovery")
    revoke_user_tokens(user.id, "support_recovery")
    _issue_reset(user, channel, to=user.email if new_email else phone_number(user), locale=None)
    return channel
