"""The user's own profile (FR-UI-006): name and language, and changing the email address or
phone number, which takes effect only once the new one is verified (FR-UI-006-03).

Until then the old address stays; once the new one is verified, the old one is told. The
verification itself (signed links, SMS codes) is ``idp.accounts.verification``'s, under the
purposes ``change_email`` and ``change_phone``. A contact change asks for the current
password: a stolen session must not be enough to take the account's recovery channels.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from idp import audit
from idp import notify
from idp.accounts import verification
from idp.accounts.errors import WrongCurrentPassword
from idp.accounts.identifiers import normalise_email
from idp.accounts.identifiers import normalise_phone
from idp.accounts.models import User
from idp.accounts.services import phone_number
from idp.accounts.services import set_phone
from idp.audit import AuditEvent
from idp.errors import IdpError
from idp.errors import InvalidInput
from idp.extensions import db
from idp.extensions import utcnow
from idp.security import crypto
from idp.security.passwords import verify_password

EMAIL, PHONE = "email", "phone"
#: Purposes of ``idp.accounts.verification`` for the new address.
PURPOSES = {EMAIL: "change_email", PHONE: "change_phone"}
NAME_MAX_LENGTH = 200
# Control characters and the bidirectional embeddings, overrides and isolates: a name is
# shown beside other text, which they would reorder ("Trojan Source", CVE-2021-42574).
_INVISIBLE = re.compile("[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class NameInvalid(InvalidInput):
    code = "name_invalid"
    field = "name"
    description = _l("Enter your name.")


class LocaleInvalid(InvalidInput):
    code = "locale_invalid"
    field = "locale"
    description = _l("Choose one of the languages offered.")


class ContactInUse(IdpError):
    """The new email address or phone number belongs to another account (BR-UI-001/002)."""

    code = "contact_in_use"
    status = 409

    def __init__(self, channel: str):
        super().__init__(_l("This email address is used by another account. Use another "
                            "address.") if channel == EMAIL else
                         _l("This phone number is used by another account. Use another "
                            "number."))
        self.channel = channel


class ContactUnchanged(InvalidInput):
    code = "contact_unchanged"

    def __init__(self, channel: str):
        super().__init__(_l("This is already your email address.") if channel == EMAIL
                         else _l("This is already your phone number."))
        self.channel = channel


# --- name and language ----------------------------------------------------------------------


def clean_name(value: str | None) -> str:
    """The name as shown: NFC, without invisible reordering or control characters, its
    whitespace collapsed. Raises NameInvalid when nothing is left or it is too long."""
    name = unicodedata.normalize("NFC", value or "")
    name = " ".join(_INVISIBLE.sub("", name).split())
    if not name:
        raise NameInvalid()
    if len(name) > NAME_MAX_LENGTH:
        raise NameInvalid(_l("Use at most %(count)d characters.", count=NAME_MAX_LENGTH))
    return name


def update_profile(user: User, *, name: str, locale: str) -> list[str]:
    """Set the user's name and preferred language (one of IDP_LOCALES); return the names of
    the fields that changed. Raises NameInvalid or LocaleInvalid. Records
    ``account:profile:updated`` when something changed; flushes."""
    name = clean_name(name)
    if locale not in current_app.config["IDP_LOCALES"]:
        raise LocaleInvalid()
    profile = user.profile
    changed = [field for field, value in (("name", name), ("locale", locale))
               if getattr(profile, field) != value]
    if changed:
        profile.name, profile.locale = name, locale
        db.session.flush()
        audit.record(AuditEvent.Profile.Updated, user_id=user.id, fields=changed)
    return changed


# --- showing contact addresses --------------------------------------------------------------


def mask_email(address: str | None, mask: str = "•") -> str | None:
    """``amina@example.com`` → ``a•••a@example.com``: enough to recognise it, not to learn it."""
    if not address:
        return None
    local, _, domain = address.rpartition("@")
    shown = local[0] + mask * 3 + (local[-1] if len(local) > 2 else "")
    return f"{shown}@{domain}"


def mask_phone(e164: str | None, mask: str = "•") -> str | None:
    """``+967771234567`` → ``+967 •••••4567``: the country code and the last digits. (An SMS
    uses ``mask="*"``: "•" is outside GSM 03.38 and would halve the length of a segment.)"""
    if not e164:
        return None
    try:
        country = str(phonenumbers.parse(e164).country_code)
    except phonenumbers.NumberParseException:
        country = ""
    national = e164[1 + len(country):]
    return f"+{country} " + mask * max(len(national) - 4, 0) + national[-4:]


def masked_phone(user: User) -> str | None:
    return mask_phone(phone_number(user))


# --- changing the email address or phone number ---------------------------------------------


def _in_use(channel: str, value: str, user: User) -> bool:
    column, stored = ((User.email, value) if channel == EMAIL
                      else (User.phone_digest, crypto.keyed_digest(value)))
    return db.session.scalar(sa.select(User.id).where(column == stored, User.id != user.id)
                             .limit(1)) is not None


def email_in_use(email: str, user: User) -> bool:
    """Whether another account than ``user``'s has this (normalised) address."""
    return _in_use(EMAIL, email, user)


def phone_in_use(e164: str, user: User) -> bool:
    """Whether another account than ``user``'s has this E.164 number."""
    return _in_use(PHONE, e164, user)


def _refuse(user: User, channel: str, reason: str, error: Exception) -> None:
    audit.record(AuditEvent.Profile.ContactChangeRefused, user_id=user.id, result="failure",
                 channel=channel, reason=reason)
    raise error


def _check_new(user: User, channel: str, value: str, password: str | None) -> None:
    # An account without a password (made by an operator) has nothing to ask for.
    if user.password_hash and not verify_password(user.password_hash, password or "").ok:
        _refuse(user, channel, "wrong_password", WrongCurrentPassword())
    current = user.email if channel == EMAIL else phone_number(user)
    if value == current:
        raise ContactUnchanged(channel)
    if _in_use(channel, value, user):
        _refuse(user, channel, "in_use", ContactInUse(channel))


def request_email_change(user: User, new_email: str, password: str | None) -> str:
    """Check the current password and the new address, then send the address a verification
    link (purpose ``change_email``); return the normalised address. The account's email does
    not change yet.

    Raises InvalidIdentifier, WrongCurrentPassword, ContactUnchanged or ContactInUse (the
    refusals are recorded, so the caller commits them). Records
    ``account:contact:change_requested``.
    """
    email = normalise_email(new_email)
    _check_new(user, EMAIL, email, password)
    verification.send_email_link(user, email, purpose=PURPOSES[EMAIL])
    audit.record(AuditEvent.Profile.ContactChangeRequested, user_id=user.id, channel=EMAIL,
                 new_digest=crypto.keyed_digest(email))
    return email


def request_phone_change(user: User, new_phone: str, password: str | None) -> str:
    """Like ``request_email_change`` for a phone number, sent an SMS code (purpose
    ``change_phone``); returns the E.164 number. Also raises ResendTooSoon when a code went to
    that number moments ago."""
    e164 = normalise_phone(new_phone)
    _check_new(user, PHONE, e164, password)
    verification.send_phone_code(user, e164, purpose=PURPOSES[PHONE])
    audit.record(AuditEvent.Profile.ContactChangeRequested, user_id=user.id, channel=PHONE,
                 new_digest=crypto.keyed_digest(e164))
    return e164


def resend_phone_code(user: User, e164: str) -> None:
    """Send another code to the number of a pending change; raises ResendTooSoon, or
    ContactInUse if the number has been taken meanwhile."""
    if phone_in_use(e164, user):
        _refuse(user, PHONE, "in_use", ContactInUse(PHONE))
    verification.send_phone_code(user, e164, purpose=PURPOSES[PHONE])


def email_change_target(token: str | None) -> str:
    """The address a live ``change_email`` link is for, without spending it (the page the
    link opens shows it). Raises VerificationInvalid or VerificationExpired."""
    return verification.check_email_link(token, purpose=PURPOSES[EMAIL])[1]


def confirm_email_change(token: str, *, locale: str | None = None) -> User:
    """Make the address a ``change_email`` link was sent to the account's email; return the
    user.

    Raises VerificationInvalid or VerificationExpired, or ContactInUse when another
    account took the address after the link was sent (checked again here, and by the unique
    constraint against a race). The old address is told, in the profile's language or else
    ``locale`` (the page's); ``account:contact:changed`` recorded.
    """
    user, email = verification.confirm_email_link(token, purpose=PURPOSES[EMAIL])
    email = normalise_email(email)
    if user.email == email:  # the same link opened twice
        return user
    old = user.email
    _replace(user, EMAIL, email)
    user.email_verified_at = utcnow()
    if old:
        notify.queue_email(old, "contact_changed", _told(user, EMAIL, mask_email(email)),
                           locale=user.profile.locale or locale)
    _record_change(user, EMAIL, old, email)
    return user


def confirm_phone_change(user: User, e164: str, code: str, *,
                         locale: str | None = None) -> None:
    """Make ``e164`` the user's phone number once ``code`` is the one sent to it.

    Raises VerificationInvalid, VerificationExpired or VerificationAttemptsExceeded, or
    ContactInUse (as ``confirm_email_change``). The old number is told by SMS;
    ``account:contact:changed`` recorded.
    """
    verification.confirm_phone_code(user, e164, code, purpose=PURPOSES[PHONE])
    old = phone_number(user)
    if old == e164:
        return
    _replace(user, PHONE, e164)
    user.phone_verified_at = utcnow()
    if old:
        notify.queue_sms(old, "contact_changed", _told(user, PHONE, mask_phone(e164, mask="*")),
                         locale=user.profile.locale or locale)
    _record_change(user, PHONE, old, e164)


def _replace(user: User, channel: str, value: str) -> None:
    if _in_use(channel, value, user):
        _refuse(user, channel, "in_use_at_confirmation", ContactInUse(channel))
    if channel == EMAIL:
        user.email = value
    else:
        set_phone(user, value)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # another account took it between the check and the write
        db.session.refresh(user)
        _refuse(user, channel, "in_use_at_confirmation", ContactInUse(channel))


def _told(user: User, channel: str, new_masked: str | None) -> dict:
    return {"name": user.profile.name, "channel": channel, "new_address": new_masked,
            "reset_url": current_app.config["IDP_ISSUER"] + "/password/forgot"}


def _record_change(user: User, channel: str, old: str | None, new: str) -> None:
    # Digests, not addresses: the log outlives the account's data and phone numbers are
    # encrypted at rest; a digest still answers "was this number involved?".
    audit.record(AuditEvent.Profile.ContactChanged, user_id=user.id, channel=channel,
                 old_digest=old and crypto.keyed_digest(old), new_digest=crypto.keyed_digest(new))
