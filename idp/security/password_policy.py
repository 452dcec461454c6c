"""The password policy: what a new password must be (FR-UI-003-01, BR-UI-005).

A password has IDP_PASSWORD_MIN_LENGTH..IDP_PASSWORD_MAX_LENGTH characters, at least one digit
and one symbol; it is not a commonly breached password (``data/common-passwords.txt``, 30,000
entries, see its README) and holds nothing of the user's own: the email's local part, the phone
number's digits, or a part of their name of three letters or more. Reuse of earlier passwords
(FR-UI-003-05) needs the user's history and is checked by ``idp.accounts.passwords``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import phonenumbers
from flask import current_app

from idp.accounts.errors import PasswordBreached
from idp.accounts.errors import PasswordContainsPersonalData
from idp.accounts.errors import PasswordNeedsDigit
from idp.accounts.errors import PasswordNeedsSymbol
from idp.accounts.errors import PasswordTooLong
from idp.accounts.errors import PasswordTooShort

COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt"

#: Name parts and email pieces shorter than this are too common to forbid ("Al", "Bo").
MIN_PERSONAL_PART = 3
#: Fewest phone digits worth looking for (a national number is 7 to 9 digits in Yemen).
MIN_PHONE_DIGITS = 6
#: A breached password with digits or symbols stuck on its ends is as weak as the password
#: ("Password1!", "!!monkey2024"): the core left after stripping them is checked too, if at
#: least this long.
MIN_BREACHED_CORE = 4

_EDGE_SYMBOLS = re.compile(r"^[\W_]+|[\W_]+$")
_EDGE_SYMBOLS_AND_DIGITS = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_PHONE_SEPARATORS = re.compile(r"[\s\-.()/]")
_LETTER_RUNS = re.compile(r"[^\W\d_]+")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The breached-password list, loaded once per process (about 3 MB in memory)."""
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as lines:
        return frozenset(line.rstrip("\n") for line in lines
                         if line.strip() and not line.startswith("#"))


def is_common_password(password: str) -> bool:
    """True if ``password``, case-folded, or its core without digits and symbols on its ends,
    is in the breached-password list. A few microseconds (bench/password_policy.py)."""
    common = common_passwords()
    lowered = password.lower()
    if lowered in common:
        return True
    for pattern in (_EDGE_SYMBOLS, _EDGE_SYMBOLS_AND_DIGITS):
        core = pattern.sub("", lowered)
        if len(core) >= MIN_BREACHED_CORE and core in common:
            return True
    return False


def _is_symbol(character: str) -> bool:
    # Unicode punctuation (P*) and symbols (S*): Arabic punctuation such as ، and ؟ counts.
    return unicodedata.category(character)[0] in "PS"


def _phone_digits(phone: str) -> str | None:
    """The national number of ``phone`` (E.164 or as typed), or None if it has too few digits."""
    try:
        number = phonenumbers.parse(phone, current_app.config["IDP_DEFAULT_PHONE_REGION"])
        digits = str(number.national_number)
    except phonenumbers.NumberParseException:
        digits = "".join(ch for ch in phone if ch.isdigit())
    return digits if len(digits) >= MIN_PHONE_DIGITS else None


def personal_parts(*, email: str | None = None, name: str | None = None) -> set[str]:
    """The case-folded pieces of the user's email and name a password must not contain."""
    parts = set()
    if email:
        local = email.rsplit("@", 1)[0].casefold()
        parts.add(local)
        parts.update(_LETTER_RUNS.findall(local))
    if name:
        parts.update(_LETTER_RUNS.findall(name.casefold()))
    return {part for part in parts if len(part) >= MIN_PERSONAL_PART}


def contains_personal_data(password: str, *, email: str | None = None, phone: str | None = None,
                           name: str | None = None) -> bool:
    folded = password.casefold()
    if any(part in folded for part in personal_parts(email=email, name=name)):
        return True
    digits = _phone_digits(phone) if phone else None
    return bool(digits) and digits in _PHONE_SEPARATORS.sub("", password)


def check_password_policy(password: str, *, email: str | None = None, phone: str | None = None,
                          name: str | None = None) -> None:
    """Raise the ``PasswordRejected`` subclass of the first rule ``password`` breaks.

    In order: PasswordTooShort, PasswordTooLong, PasswordNeedsDigit, PasswordNeedsSymbol,
    PasswordContainsPersonalData (``email``, ``phone`` and ``name`` are the user's, any may be
    None), PasswordBreached. Returns None when the password is acceptable. Needs an app context
    (the settings). Reuse of old passwords is not checked here: see
    ``idp.accounts.passwords.set_password``.
    """
    config = current_app.config
    password = password or ""
    if len(password) < config["IDP_PASSWORD_MIN_LENGTH"]:
        raise PasswordTooShort(config["IDP_PASSWORD_MIN_LENGTH"])
    if len(password) > config["IDP_PASSWORD_MAX_LENGTH"]:
        raise PasswordTooLong(config["IDP_PASSWORD_MAX_LENGTH"])
    if not any(ch.isdigit() for ch in password):
        raise PasswordNeedsDigit()
    if not any(_is_symbol(ch) for ch in password):
        raise PasswordNeedsSymbol()
    if contains_personal_data(password, email=email, phone=phone, name=name):
        raise PasswordContainsPersonalData()
    if is_common_password(password):
        raise PasswordBreached()
