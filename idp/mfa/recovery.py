"""Recovery codes: IDP_MFA_RECOVERY_CODES single-use codes, shown once, kept as digests.

A code is 10 characters from a 32-letter alphabet without look-alikes (50 bits), shown as
``xxxxx-xxxxx``. The stored keyed digest binds it to its user. Making a new set deletes the old.
"""

from __future__ import annotations

import secrets

from flask import current_app

from idp import audit
from idp.audit import AuditEvent
from idp.extensions import db
from idp.extensions import utcnow
from idp.mfa.models import RecoveryCode
from idp.security import crypto

#: Crockford's base32 alphabet, lower case: no i, l, o, u to misread.
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
LENGTH = 10


def _normalise(code: str) -> str:
    cleaned = "".join(ch for ch in (code or "")[:64].lower() if ch.isalnum())
    return cleaned.translate(str.maketrans({"i": "1", "l": "1", "o": "0"}))


def _digest(user_id: str, code: str) -> str:
    return crypto.keyed_digest(f"recovery:{user_id}:{_normalise(code)}")


def looks_like_recovery_code(code: str) -> bool:
    return len(_normalise(code)) == LENGTH


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with a new set; return it (the only time the codes
    are readable). Records ``mfa:recovery_codes:regenerated``; the caller commits."""
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(current_app.config["IDP_MFA_RECOVERY_CODES"]):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_digest=_digest(user.id, raw)))
    db.session.flush()
    audit.record(AuditEvent.Mfa.RecoveryCodesRegenerated, user_id=user.id, count=len(codes))
    return codes


def use_recovery_code(user, code: str | None) -> bool:
    """Spend ``code`` if it is one of the user's unused recovery codes; True if it was.

    One conditional UPDATE: of two requests with the same code, one wins. Records
    ``mfa:recovery_code:used`` with how many remain; the caller commits."""
    if not code or not looks_like_recovery_code(code):
        return False
    result = db.session.execute(
        db.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id,
               RecoveryCode.code_digest == _digest(user.id, code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    audit.record(AuditEvent.Mfa.RecoveryCodeUsed, user_id=user.id,
                 remaining=remaining_recovery_codes(user))
    return True


def remaining_recovery_codes(user) -> int:
    return db.session.scalar(
        db.select(db.func.count(RecoveryCode.id))
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def delete_recovery_codes(user) -> None:
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
