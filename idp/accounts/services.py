"""Accounts: creating users, finding them by what they type, checking their password."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from idp import audit
from idp.accounts.errors import AccountNotActive
from idp.accounts.errors import IdentifierTaken
from idp.accounts.errors import LoginFailed
from idp.accounts.identifiers import InvalidIdentifier
from idp.accounts.identifiers import normalise_email
from idp.accounts.identifiers import normalise_phone
from idp.accounts.identifiers import parse_identifier
from idp.accounts.models import Profile
from idp.accounts.models import User
from idp.accounts.models import UserStatus
from idp.audit import AuditEvent
from idp.audit.services import record_login_attempt
from idp.extensions import db
from idp.extensions import utcnow
from idp.security import crypto
from idp.security.passwords import hash_password
from idp.security.passwords import verify_password

_PHONE_CONTEXT = "users.phone"


def create_user(
    *,
    email: str | None,
    phone: str | None,
    password: str | None,
    name: str = "",
    verified: bool = False,
    locale: str | None = None,
) -> User:
    """Create an account (and its profile) and flush it.

    Email and phone are normalised; a verified account starts active, any other pending.
    Raises InvalidIdentifier for a malformed email or phone and IdentifierTaken when either
    belongs to another account — then the unit of work has been rolled back (SQLite cannot
    always return to a savepoint), so call it before any other write of the request. Records
    ``account:created``.
    """
    if not email and not phone:
        raise InvalidIdentifier(_l("An account needs an email address or a phone number."))
    now = utcnow()
    user = User(
        email=normalise_email(email) if email else None,
        password_hash=hash_password(password) if password else None,
        status=UserStatus.ACTIVE if verified else UserStatus.PENDING,
        email_verified_at=now if verified and email else None,
        phone_verified_at=now if verified and phone else None,
    )
    if phone:
        set_phone(user, phone)
    user.profile = Profile(name=name.strip(), locale=locale)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        # The unique constraint decided a race between two signups (BR-UI-001/002).
        db.session.rollback()
        raise IdentifierTaken() from None
    audit.record(AuditEvent.Account.Created, user_id=user.id)
    return user


def set_phone(user: User, phone: str) -> None:
    e164 = normalise_phone(phone)
    user.phone_digest = crypto.keyed_digest(e164)
    user.phone_encrypted = crypto.encrypt(e164.encode(), context=_PHONE_CONTEXT)


def phone_number(user: User) -> str | None:
    if not user.phone_encrypted:
        return None
    return crypto.decrypt(user.phone_encrypted, context=_PHONE_CONTEXT).decode()


def get_user(user_id: str | None) -> User | None:
    """The user with this id, or None."""
    if not user_id:
        return None
    return db.session.get(User, user_id)


def find_user(identifier: str) -> User | None:
    """The user an email address or phone number belongs to, or None (also when malformed)."""
    try:
        kind, value = parse_identifier(identifier)
    except InvalidIdentifier:
        return None
    if kind == "email":
        return db.session.scalar(_USER_BY_EMAIL, {"value": value})
    return db.session.scalar(_USER_BY_PHONE, {"value": crypto.keyed_digest(value)})


# Built once: every login runs them, and building a statement (and its cache key) costs about
# as much as running it (bench/README.md, "statements built once").
_USER_BY_EMAIL = db.select(User).where(User.email == sa.bindparam("value"))
_USER_BY_PHONE = db.select(User).where(User.phone_digest == sa.bindparam("value"))


def authenticate(identifier: str, password: str) -> User:
    """Return the user whose identifier and password these are.

    In order (NFR-UI-002-03, BR-UI-006): the per-identifier rate limit (devices that signed in
    to the account before are exempt), then the lockout, which counts the attempt atomically
    before the hash is verified; then one argon2id verification whether or not the account
    exists (no enumeration by timing). A right password upgrades an outdated hash (bcrypt,
    weaker argon2id parameters) and clears the wrong-password count. The device and network
    are noted only once the login is complete (``security.suspicious``, on
    ``sessions.session_started``): a password without its second factor makes no device
    known. Every attempt is recorded with its IP and user agent.

    Raises TooManyAttempts (429), AccountLocked (the threshold reached, now or before),
    LoginFailed, or AccountNotActive when the password is right but the account cannot log
    in. The caller commits, also after a refusal (the attempt and its audit record).
    """
    from idp.security import lockout
    from idp.security import rate_limits
    from idp.security.errors import TooManyAttempts

    user = find_user(identifier)
    identifier_digest = crypto.keyed_digest((identifier or "").strip().lower())
    if user is None or lockout.bucket_of(user) == lockout.UNKNOWN:
        rate_limits.limit_identifier("login", identifier, "IDP_LOGIN_IDENTIFIER_RATE_LIMIT")
    try:
        lockout.check(user, factor="password")
    except lockout.AccountLocked:
        _refuse_login(identifier_digest, user, "locked")
        raise
    except TooManyAttempts:  # as many attempts as the threshold are being verified now
        _refuse_login(identifier_digest, user, "throttled")
        raise
    result = verify_password(user.password_hash if user else None, password)
    if not result.ok:
        _refuse_login(identifier_digest, user, "bad_credentials")
        locked_until = lockout.record_failure(user, factor="password")
        if locked_until is not None:
            raise lockout.AccountLocked(retry_after=lockout.seconds_until(locked_until))
        raise LoginFailed()
    lockout.record_success(user, factor="password")
    if user.status != UserStatus.ACTIVE:
        _refuse_login(identifier_digest, user, f"status_{user.status}")
        raise AccountNotActive()
    if result.needs_rehash:
        user.password_hash = hash_password(password)
    record_login_attempt(identifier_digest=identifier_digest, user_id=user.id, success=True)
    return user


def _refuse_login(identifier_digest: str, user: User | None, reason: str) -> None:
    record_login_attempt(identifier_digest=identifier_digest, user_id=user and user.id,
                         success=False, reason=reason)
    audit.record(AuditEvent.Account.LoginFailure, user_id=user and user.id, result="failure",
                 reason=reason)


def list_users() -> list[User]:
    return list(db.session.scalars(db.select(User).order_by(User.created_at)))
