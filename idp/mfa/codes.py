"""One-time codes by SMS or email as a second factor (FR-UI-002-03, EC-UI-003).

6 digits, valid IDP_MFA_CODE_SECONDS (5 minutes), IDP_MFA_CODE_ATTEMPTS entries, single use.
Only the keyed digest of ``<row id>:<code>`` is stored. A new code ends the earlier ones of the
same channel and purpose; sends are paced 30 s, 60 s, 120 s… apart within an hour. Messages go
through the notification outbox, so a code is sent only if the caller's unit of work commits.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from idp import audit
from idp import notify
from idp.accounts.verification import normalise_code
from idp.audit import AuditEvent
from idp.extensions import db
from idp.extensions import new_id
from idp.extensions import utcnow
from idp.mfa.errors import CodeAttemptsExceeded
from idp.mfa.errors import CodeExpired
from idp.mfa.errors import MethodUnavailable
from idp.mfa.errors import ResendTooSoon
from idp.mfa.errors import SecondFactorFailed
from idp.mfa.models import MethodKind
from idp.mfa.models import OneTimeCode
from idp.security import crypto

CODE_DIGITS = 6
CHANNELS = (MethodKind.SMS, MethodKind.EMAIL)
#: Sends older than this no longer lengthen the wait before the next one.
_PACING_WINDOW = timedelta(hours=1)


def _latest(user_id: str, channel: str, purpose: str) -> OneTimeCode | None:
    return db.session.scalar(
        db.select(OneTimeCode)
        .where(OneTimeCode.user_id == user_id, OneTimeCode.channel == channel,
               OneTimeCode.purpose == purpose)
        .order_by(OneTimeCode.send_number.desc()).limit(1)
        .execution_options(populate_existing=True))


def resend_wait_seconds(user, channel: str, purpose: str) -> int:
    """Seconds before another code may be sent to the user on ``channel``: 0 means now."""
    latest = _latest(user.id, channel, purpose)
    if latest is None:
        return 0
    config = current_app.config
    now = utcnow()
    recent = db.session.scalar(
        db.select(db.func.count(OneTimeCode.id))
        .where(OneTimeCode.user_id == user.id, OneTimeCode.channel == channel,
               OneTimeCode.purpose == purpose, OneTimeCode.created_at > now - _PACING_WINDOW))
    wait = min(config["IDP_MFA_RESEND_SECONDS"] * 2 ** max(recent - 1, 0),
               config["IDP_MFA_RESEND_MAX_SECONDS"])
    left = (latest.created_at + timedelta(seconds=wait) - now).total_seconds()
    return max(0, int(left + 0.999))


def send_code(user, channel: str, *, purpose: str = "login") -> None:
    """Send the user a new code by ``channel`` (``sms`` to the phone, ``email`` to the address).

    Raises ResendTooSoon while the pacing says wait (also the loser of two concurrent sends),
    MethodUnavailable when the user has no address on that channel. Earlier codes of the same
    channel and purpose stop working. Records ``mfa:challenge:sent``; the caller commits.
    """
    from idp.accounts.services import phone_number

    if channel not in CHANNELS:
        raise MethodUnavailable()
    to = phone_number(user) if channel == MethodKind.SMS else user.email
    if not to:
        raise MethodUnavailable()
    wait = resend_wait_seconds(user, channel, purpose)
    if wait:
        raise ResendTooSoon(wait)
    latest = _latest(user.id, channel, purpose)
    now = utcnow()
    db.session.execute(
        db.update(OneTimeCode)
        .where(OneTimeCode.user_id == user.id, OneTimeCode.channel == channel,
               OneTimeCode.purpose == purpose, OneTimeCode.used_at.is_(None),
               OneTimeCode.expires_at > now)
        .values(expires_at=now).execution_options(synchronize_session=False))
    seconds = current_app.config["IDP_MFA_CODE_SECONDS"]
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    row = OneTimeCode(id=new_id(), user_id=user.id, channel=channel, purpose=purpose,
                      send_number=(latest.send_number + 1) if latest else 1, attempts=0,
                      created_at=now, expires_at=now + timedelta(seconds=seconds))
    row.code_digest = crypto.keyed_digest(f"{row.id}:{code}")
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise ResendTooSoon(current_app.config["IDP_MFA_RESEND_SECONDS"]) from None
    notify.notify_user(user, "one_time_code", {"code": code, "minutes": max(1, seconds // 60)},
                       channels=(channel,))
    audit.record(AuditEvent.Mfa.ChallengeSent, user_id=user.id, channel=channel,
                 purpose=purpose, send_number=row.send_number)


def check_code(user, channel: str, code: str | None, *, purpose: str = "login") -> None:
    """Spend the latest code sent on ``channel`` if ``code`` is it.

    Each call spends one of IDP_MFA_CODE_ATTEMPTS entries before comparing, with one
    conditional UPDATE (concurrent guesses cannot exceed them). Raises SecondFactorFailed
    (wrong, none sent, used), CodeExpired or CodeAttemptsExceeded; records nothing (the
    caller records the outcome with the method). The caller commits after a refusal too.
    """
    row = _latest(user.id, channel, purpose)
    if row is None or row.used_at is not None:
        raise SecondFactorFailed(reason="no_code")
    limit = current_app.config["IDP_MFA_CODE_ATTEMPTS"]
    now = utcnow()
    if row.attempts >= limit:
        raise CodeAttemptsExceeded(reason="attempts_exceeded")
    if row.expires_at <= now:
        raise CodeExpired(reason="code_expired")
    spent = db.session.execute(
        db.update(OneTimeCode)
        .where(OneTimeCode.id == row.id, OneTimeCode.attempts < limit,
               OneTimeCode.used_at.is_(None), OneTimeCode.expires_at > now)
        .values(attempts=OneTimeCode.attempts + 1)
        .execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise SecondFactorFailed(reason="code_unavailable")
    if not crypto.digest_matches(f"{row.id}:{normalise_code(code)}", row.code_digest):
        attempts = row.attempts + 1
        if attempts >= limit:
            raise CodeAttemptsExceeded(reason="wrong_code")
        raise SecondFactorFailed(reason="wrong_code")
    used = db.session.execute(
        db.update(OneTimeCode)
        .where(OneTimeCode.id == row.id, OneTimeCode.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    if used.rowcount != 1:
        raise SecondFactorFailed(reason="code_used")
