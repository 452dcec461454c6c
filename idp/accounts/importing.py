"""Moving a platform's existing accounts in (issue 4, item 10): ``idp users import FILE.jsonl``.

One JSON object per line::

    {"email": "amina@example.com", "phone": "+967771234567", "name": "Amina Saleh",
     "roles": ["customer"], "email_verified": true, "phone_verified": true,
     "password_hash": "$2b$12$…", "totp_secret": "JBSWY3DPEHPK3PXP"}

Every field but one of email/phone is optional. ``password_hash`` is a bcrypt (``$2a$``,
``$2b$``, ``$2y$``) or argon2 (``$argon2id$``, ``$argon2i$``) hash: the user keeps their
password, and the hash is upgraded to our argon2id at their next login (NFR-UI-002-01). A line
matching an account by email or phone updates it; otherwise it creates one. An account is active
when every contact it has is verified (BR-UI-003). Each line is its own transaction: a bad one
is reported by number and the others still import.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field

import argon2
from argon2.exceptions import InvalidHashError

from idp import audit
from idp.accounts.identifiers import InvalidIdentifier
from idp.accounts.identifiers import normalise_email
from idp.accounts.models import UserStatus
from idp.accounts.services import create_user
from idp.accounts.services import find_user
from idp.accounts.services import set_phone
from idp.audit import AuditEvent
from idp.errors import IdpError
from idp.extensions import db
from idp.extensions import utcnow

FIELDS = {"email", "phone", "name", "roles", "email_verified", "phone_verified",
          "password_hash", "totp_secret"}
_BCRYPT = re.compile(r"^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$")


class BadLine(ValueError):
    """A line that cannot be imported; the message says why (in English, for the operator)."""


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    #: (line number, reason) of every line not imported.
    failed: list[tuple[int, str]] = field(default_factory=list)


def check_password_hash(value: str) -> str:
    """``value`` if it is a bcrypt or argon2 hash we can verify; raises BadLine otherwise."""
    if _BCRYPT.match(value):
        return value
    if value.startswith(("$argon2id$", "$argon2i$", "$argon2d$")):
        try:
            argon2.extract_parameters(value)
        except InvalidHashError:
            raise BadLine("password_hash is not a valid argon2 hash") from None
        return value
    raise BadLine("password_hash must be a bcrypt ($2a$, $2b$, $2y$) or argon2 hash")


def check_totp_secret(value: str) -> str:
    """The base32 secret without spaces, upper-case; raises BadLine if it is not base32 or
    shorter than 80 bits (RFC 4226 §4 asks for at least 128, recommends 160)."""
    secret = re.sub(r"[\s-]", "", value).upper().rstrip("=")
    try:
        raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
    except (binascii.Error, ValueError):
        raise BadLine("totp_secret is not base32") from None
    if len(raw) < 10:
        raise BadLine("totp_secret is shorter than 80 bits")
    return secret


def _flag(record: dict, name: str) -> bool | None:
    value = record.get(name)
    if value is not None and not isinstance(value, bool):
        raise BadLine(f"{name} must be true or false")
    return value


def _text(record: dict, name: str) -> str | None:
    value = record.get(name)
    if value is not None and not isinstance(value, str):
        raise BadLine(f"{name} must be a string")
    return value.strip() if value is not None else None


def _parse(raw: str) -> dict:
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadLine(f"not JSON: {exc.msg}") from None
    if not isinstance(record, dict):
        raise BadLine("not a JSON object")
    unknown = sorted(set(record) - FIELDS)
    if unknown:
        raise BadLine("unknown field " + ", ".join(unknown))
    roles = record.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise BadLine("roles must be a list of role names")
    return record


def _import_one(record: dict) -> bool:
    """Create or update the account of one parsed line; return True if it was created."""
    from idp.rbac.services import assign_role
    from idp.rbac.services import get_role

    email, phone, name = _text(record, "email"), _text(record, "phone"), _text(record, "name")
    if not email and not phone:
        raise BadLine("an account needs an email or a phone")
    email_verified = _flag(record, "email_verified")
    phone_verified = _flag(record, "phone_verified")
    password_hash = _text(record, "password_hash")
    if password_hash:
        check_password_hash(password_hash)
    totp_secret = _text(record, "totp_secret")
    if totp_secret:
        totp_secret = check_totp_secret(totp_secret)
    roles = record.get("roles") or []
    for role in roles:
        if get_role(role) is None:
            raise BadLine(f"unknown role {role}")

    try:
        by_email = find_user(normalise_email(email)) if email else None
    except InvalidIdentifier:
        raise BadLine("email is not a valid email address") from None
    by_phone = find_user(phone) if phone else None
    if by_email and by_phone and by_email.id != by_phone.id:
        raise BadLine("email and phone belong to two different accounts")
    user = by_email or by_phone
    created = user is None
    try:
        if created:
            user = create_user(email=email, phone=phone, password=None, name=name or "")
        else:
            if email and user.email != normalise_email(email):
                user.email = normalise_email(email)
            if phone and not by_phone:
                set_phone(user, phone)
            if name is not None:
                user.profile.name = name
    except InvalidIdentifier as exc:
        raise BadLine(f"{exc.description}") from None
    now = utcnow()
    if email_verified is not None and user.email:
        user.email_verified_at = (user.email_verified_at or now) if email_verified else None
    if phone_verified is not None and user.phone_digest:
        user.phone_verified_at = (user.phone_verified_at or now) if phone_verified else None
    if password_hash:
        user.password_hash = password_hash
    if user.status != UserStatus.DISABLED:
        complete = ((not user.email or user.email_verified_at)
                    and (not user.phone_digest or user.phone_verified_at))
        user.status = UserStatus.ACTIVE if complete else UserStatus.PENDING
    for role in roles:
        assign_role(user, role)  # roles held already stay; none is taken away
    if totp_secret:
        _import_totp(user, totp_secret)
    db.session.flush()
    audit.record(AuditEvent.Security.Imported, user_id=user.id,
                 action="created" if created else "updated", roles=roles,
                 password="imported" if password_hash else None, totp=bool(totp_secret))
    return created


def _import_totp(user, secret: str) -> None:
    try:
        from idp.mfa.services import import_totp_secret
    except ImportError:
        raise BadLine("totp_secret: TOTP import is not available yet (idp.mfa.services."
                      "import_totp_secret)") from None
    import_totp_secret(user, secret)


def import_users(lines: Iterable[str]) -> ImportSummary:
    """Import every line (numbered from 1; blank ones skipped), each in its own transaction:
    commits each good line and rolls back each bad one, whose number and reason go to
    ``failed``."""
    summary = ImportSummary()
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            created = _import_one(_parse(raw))
            db.session.commit()
        except (BadLine, IdpError) as exc:
            db.session.rollback()
            summary.failed.append((number, str(getattr(exc, "description", None) or exc)))
            continue
        except Exception as exc:  # a database refusal (a race on the same address): report it
            db.session.rollback()
            summary.failed.append((number, f"not imported: {type(exc).__name__}"))
            continue
        if created:
            summary.created += 1
        else:
            summary.updated += 1
    return summary
