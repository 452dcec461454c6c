"""Proving an email address (a link) or a phone number (a 6-digit SMS code).

FR-UI-001-03/04, EC-UI-003. Signup (``idp.accounts.signup``) and the profile's change of email
or phone call these with their own ``purpose``. Secrets are stored only as keyed digests
(HMAC-SHA256 under IDP_DIGEST_KEY): the link's 256-bit token cannot be forged or read back
from the database, which is what a signed link gives, without a second signature scheme. Each
link or code works once, claimed by an atomic UPDATE, and expires. Sending a new one expires
the user's earlier ones of the same purpose and channel. The caller commits, also after a
refusal: a spent try and the audit record of the refusal must stay.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import timedelta
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy.exc import IntegrityError

from idp import audit
from idp import notify
from idp.accounts.errors import ResendTooSoon
from idp.accounts.errors import VerificationAttemptsExceeded
from idp.accounts.errors import VerificationExpired
from idp.accounts.errors import VerificationInvalid
from idp.accounts.identifiers import InvalidIdentifier
from idp.accounts.identifiers import normalise_email
from idp.accounts.identifiers import normalise_phone
from idp.accounts.models import User
from idp.accounts.services import get_user
from idp.accounts.verification_models import Verification
from idp.accounts.verification_models import VerificationChannel
from idp.audit import AuditEvent
from idp.extensions import db
from idp.extensions import new_id
from idp.extensions import utcnow
from idp.security import crypto

CODE_DIGITS = 6
#: The page an email link opens, for each purpose: it shows the link's address and a button
#: that confirms it (a POST, so that mail scanners fetching the link do not spend it).
LINK_PATHS = {"signup": "/signup/verify-email", "change_email": "/account/email/verify"}
_TARGET_CONTEXT = "verifications.target"
#: Longest token accepted: ours are 43 characters; a longer one is not worth a digest.
_MAX_TOKEN = 256


# --- sending -------------------------------------------------------------------------------


def _locale(user: User) -> str | None:
    return user.profile.locale if user.profile else None


def _name(user: User) -> str:
    return user.profile.name if user.profile else ""


def _latest(user_id: str, purpose: str, channel: str) -> Verification | None:
    return db.session.scalar(
        db.select(Verification)
        .where(Verification.user_id == user_id, Verification.purpose == purpose,
               Verification.channel == channel)
        .order_by(Verification.send_number.desc()).limit(1)
        .execution_options(populate_existing=True))


def _sends_since(user_id: str, purpose: str, channel: str, since) -> int:
    return db.session.scalar(
        db.select(db.func.count(Verification.id))
        .where(Verification.user_id == user_id, Verification.purpose == purpose,
               Verification.channel == channel, Verification.created_at > since))


def resend_wait_seconds(user: User, *, purpose: str, channel: str = VerificationChannel.SMS) -> int:
    """Seconds before another code (or link) of ``purpose`` may be sent to the user: 0 now.

    EC-UI-003: after the first send, wait IDP_VERIFICATION_RESEND_SECONDS (30 s), after the
    second twice that (60 s), then 120 s…, never more than IDP_VERIFICATION_RESEND_MAX_SECONDS.
    Sends older than a day no longer count.
    """
    latest = _latest(user.id, purpose, channel)
    if latest is None:
        return 0
    config = current_app.config
    now = utcnow()
    recent = _sends_since(user.id, purpose, channel, now - timedelta(days=1))
    wait = min(config["IDP_VERIFICATION_RESEND_SECONDS"] * 2 ** max(recent - 1, 0),
               config["IDP_VERIFICATION_RESEND_MAX_SECONDS"])
    left = (latest.created_at + timedelta(seconds=wait) - now).total_seconds()
    return max(0, int(left + 0.999))  # rounded up: "wait 1 second", never "wait 0 seconds"


def _store(user: User, *, purpose: str, channel: str, target: str, secret_of, seconds: int,
           enforce_wait: bool) -> Verification:
    """Expire the user's live ones of this purpose and channel and add a new one; flush.

    ``secret_of(row)`` gives the string whose digest is stored. With ``enforce_wait``, raises
    ResendTooSoon when asked before ``resend_wait_seconds`` allows it, and also for the loser
    of two concurrent sends (both would take the same ``send_number``).
    """
    if enforce_wait:
        wait = resend_wait_seconds(user, purpose=purpose, channel=channel)
        if wait:
            raise ResendTooSoon(wait)
    latest = _latest(user.id, purpose, channel)
    now = utcnow()
    db.session.execute(
        db.update(Verification)
        .where(Verification.user_id == user.id, Verification.purpose == purpose,
               Verification.channel == channel, Verification.used_at.is_(None),
               Verification.expires_at > now)
        .values(expires_at=now).execution_options(synchronize_session=False))
    row = Verification(id=new_id(), user_id=user.id, purpose=purpose, channel=channel,
                       send_number=(latest.send_number + 1) if latest else 1,
                       target_digest=crypto.keyed_digest(target),
                       target_encrypted=crypto.encrypt(target.encode(), context=_TARGET_CONTEXT),
                       attempts=0, created_at=now, expires_at=now + timedelta(seconds=seconds))
    row.secret_digest = crypto.keyed_digest(secret_of(row))
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # another request sent one this instant; the caller rolls back
        raise ResendTooSoon(current_app.config["IDP_VERIFICATION_RESEND_SECONDS"]) from None
    audit.record(AuditEvent.Verification.Sent, user_id=user.id, purpose=purpose,
                 channel=channel, send_number=row.send_number)
    return row


def email_link(token: str, purpose: str, locale: str | None = None) -> str:
    """The absolute URL of the page that confirms ``token``: ``LINK_PATHS[purpose]`` with
    ``token`` (and ``lang``) in the query. Raises ValueError for a purpose without a page."""
    if purpose not in LINK_PATHS:
        raise ValueError(f"no page confirms email links of purpose {purpose!r}; add it to "
                         "idp.accounts.verification.LINK_PATHS")
    query = {"token": token, **({"lang": locale} if locale else {})}
    return f"{current_app.config['IDP_ISSUER']}{LINK_PATHS[purpose]}?{urlencode(query)}"


def send_email_link(user: User, email: str, *, purpose: str) -> None:
    """Send ``email`` a single-use link proving it, valid IDP_EMAIL_LINK_SECONDS (FR-UI-001-03).

    The user's earlier links of ``purpose`` stop working. Queues the ``verify_email`` email in
    the user's language and records ``account:verification:sent``. Raises InvalidIdentifier
    for a malformed address, and ResendTooSoon only to the loser of two simultaneous sends
    for one user and purpose (callers that want EC-UI-003's wait for links too check
    ``resend_wait_seconds(…, channel="email")`` first). The caller commits.
    """
    address = normalise_email(email)
    token = crypto.new_secret()
    seconds = current_app.config["IDP_EMAIL_LINK_SECONDS"]
    locale = _locale(user)
    link = email_link(token, purpose, locale)
    _store(user, purpose=purpose, channel=VerificationChannel.EMAIL, target=address,
           secret_of=lambda row: token, seconds=seconds, enforce_wait=False)
    notify.queue_email(address, "verify_email", {
        "name": _name(user), "link": link, "hours": max(1, seconds // 3600),
        "purpose": purpose}, locale=locale)


def send_phone_code(user: User, phone: str, *, purpose: str) -> None:
    """Send ``phone`` a 6-digit code, valid IDP_PHONE_CODE_SECONDS (FR-UI-001-04).

    Raises ResendTooSoon(retry_after_seconds) while ``resend_wait_seconds`` says to wait
    (EC-UI-003: 30 s after the first code, then 60 s, 120 s…), and InvalidIdentifier for a
    malformed number. The user's earlier codes of ``purpose`` stop working. Queues the
    ``verify_phone`` SMS and records ``account:verification:sent``. The caller commits.
    """
    number = normalise_phone(phone)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    seconds = current_app.config["IDP_PHONE_CODE_SECONDS"]
    _store(user, purpose=purpose, channel=VerificationChannel.SMS, target=number,
           secret_of=lambda row: f"{row.id}:{code}", seconds=seconds, enforce_wait=True)
    notify.queue_sms(number, "verify_phone", {"code": code, "minutes": max(1, seconds // 60)},
                     locale=_locale(user))


# --- confirming ----------------------------------------------------------------------------


def _refuse(error: Exception, *, reason: str, purpose: str, channel: str,
            user_id: str | None = None, **detail):
    audit.record(AuditEvent.Verification.Failed, user_id=user_id, result="failure",
                 reason=reason, purpose=purpose, channel=channel, **detail)
    raise error


def _link_row(token: str | None, purpose: str) -> Verification | None:
    if not token or len(token) > _MAX_TOKEN:
        return None
    return db.session.scalar(
        db.select(Verification)
        .where(Verification.secret_digest == crypto.keyed_digest(token),
               Verification.purpose == purpose,
               Verification.channel == VerificationChannel.EMAIL)
        .execution_options(populate_existing=True))


def _target(row: Verification) -> str:
    return crypto.decrypt(row.target_encrypted, context=_TARGET_CONTEXT).decode()


def check_email_link(token: str | None, *, purpose: str) -> tuple[User, str]:
    """The user and address a live link is for, without spending it (to show the page a
    link opens). Raises VerificationInvalid or VerificationExpired."""
    row = _link_row(token, purpose)
    if row is None or row.used_at is not None:
        raise VerificationInvalid(channel=VerificationChannel.EMAIL)
    if row.expires_at <= utcnow():
        raise VerificationExpired(channel=VerificationChannel.EMAIL)
    return get_user(row.user_id), _target(row)


def confirm_email_link(token: str | None, *, purpose: str) -> tuple[User, str]:
    """Spend a link sent by ``send_email_link``; return its user and the address it proves.

    Raises VerificationExpired, or VerificationInvalid for an unknown or used link, and also
    for the loser of two concurrent submissions (an atomic UPDATE … WHERE used_at IS NULL
    claims it). Records ``account:verification:confirmed`` (or ``…:failed``). Changes nothing
    on the user: the caller sets what the address proves.
    """
    channel = VerificationChannel.EMAIL
    row = _link_row(token, purpose)
    if row is None:
        _refuse(VerificationInvalid(channel=channel), reason="unknown_link", purpose=purpose,
                channel=channel)
    if row.used_at is not None:
        _refuse(VerificationInvalid(channel=channel), reason="link_used", purpose=purpose,
                channel=channel, user_id=row.user_id)
    if row.expires_at <= utcnow():
        _refuse(VerificationExpired(channel=channel), reason="link_expired", purpose=purpose,
                channel=channel, user_id=row.user_id)
    if not _claim(row):
        _refuse(VerificationInvalid(channel=channel), reason="link_used", purpose=purpose,
                channel=channel, user_id=row.user_id)
    audit.record(AuditEvent.Verification.Confirmed, user_id=row.user_id, purpose=purpose,
                 channel=channel)
    return get_user(row.user_id), _target(row)


def _claim(row: Verification) -> bool:
    """Mark ``row`` used; of two concurrent claims exactly one gets True."""
    now = utcnow()
    claimed = db.session.execute(
        db.update(Verification)
        .where(Verification.id == row.id, Verification.used_at.is_(None),
               Verification.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    return claimed.rowcount == 1


def normalise_code(code: str | None) -> str:
    """The digits of ``code`` in ASCII: Arabic-Indic digits (٠١٢…) count, spaces do not."""
    return "".join(str(unicodedata.digit(ch)) for ch in (code or "")[:64] if ch.isdigit())


def confirm_phone_code(user: User, phone: str, code: str | None, *, purpose: str) -> None:
    """Spend the latest code sent to ``phone`` for ``purpose`` if ``code`` is it.

    Each call spends one of IDP_PHONE_CODE_ATTEMPTS tries before comparing (concurrent
    guesses cannot exceed them). Raises VerificationInvalid (wrong: ``attempts_left`` says how
    many tries remain; also no code, a used code or another number), VerificationExpired,
    or VerificationAttemptsExceeded (the code is dead: the last try failed, or none is left).
    Records ``account:verification:confirmed`` or ``…:failed``. Changes nothing on the user.
    The caller commits after a refusal too: the spent try must stay spent.
    """
    channel = VerificationChannel.SMS
    refuse = dict(purpose=purpose, channel=channel, user_id=user.id)
    try:
        digest = crypto.keyed_digest(normalise_phone(phone))
    except InvalidIdentifier:  # no code was ever sent to it
        digest = None
    row = _latest(user.id, purpose, channel)
    if row is None or row.target_digest != digest or row.used_at is not None:
        _refuse(VerificationInvalid(channel=channel), reason="no_code", **refuse)
    limit = current_app.config["IDP_PHONE_CODE_ATTEMPTS"]
    if row.attempts >= limit:
        _refuse(VerificationAttemptsExceeded(), reason="attempts_exceeded", **refuse)
    if row.expires_at <= utcnow():
        _refuse(VerificationExpired(channel=channel), reason="code_expired", **refuse)
    spent = db.session.execute(
        db.update(Verification)
        .where(Verification.id == row.id, Verification.attempts < limit,
               Verification.used_at.is_(None), Verification.expires_at > utcnow())
        .values(attempts=Verification.attempts + 1)
        .execution_options(synchronize_session=False))
    attempts = db.session.scalar(db.select(Verification.attempts)
                                 .where(Verification.id == row.id))
    if spent.rowcount != 1:  # another request spent the last try, or used the code
        _refuse(VerificationAttemptsExceeded() if attempts >= limit
                else VerificationInvalid(channel=channel), reason="code_unavailable", **refuse)
    if not crypto.digest_matches(f"{row.id}:{normalise_code(code)}", row.secret_digest):
        error = (VerificationAttemptsExceeded() if attempts >= limit
                 else VerificationInvalid(channel=channel, attempts_left=limit - attempts))
        _refuse(error, reason="wrong_code", attempts=attempts, **refuse)
    if not _claim(row):
        _refuse(VerificationInvalid(channel=channel), reason="code_used", **refuse)
    audit.record(AuditEvent.Verification.Confirmed, user_id=user.id, purpose=purpose,
                 channel=channel)


def forget_verifications(user: User, *, purpose: str) -> None:
    """Expire every live link and code of ``purpose`` (when what they prove is moot)."""
    now = utcnow()
    db.session.execute(
        db.update(Verification)
        .where(Verification.user_id == user.id, Verification.purpose == purpose,
               Verification.used_at.is_(None), Verification.expires_at > now)
        .values(expires_at=now).execution_options(synchronize_session=False))


def has_verifications(user: User, *, purpose: str) -> bool:
    """True if a link or code of ``purpose`` was ever sent to the user."""
    return db.session.scalar(
        db.select(Verification.id)
        .where(Verification.user_id == user.id, Verification.purpose == purpose)
        .limit(1)) is not None
