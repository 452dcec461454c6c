"""Normalising what people type as their email or phone number."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError
from email_validator import validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l

from idp.errors import InvalidInput


class InvalidIdentifier(InvalidInput):
    description = _l("Enter a valid email address or phone number.")


def normalise_email(value: str) -> str:
    """The address lower-cased, with its domain in canonical form; raises InvalidIdentifier."""
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidIdentifier(_l("Enter a valid email address."), detail=str(exc)) from None
    return result.normalized.lower()


def normalise_phone(value: str, region: str | None = None) -> str:
    """The number in E.164 (+967…); numbers without a country code are read in the default
    region (YE). Raises InvalidIdentifier."""
    region = region or current_app.config["IDP_DEFAULT_PHONE_REGION"]
    try:
        number = phonenumbers.parse(value.strip(), region)
    except phonenumbers.NumberParseException:
        raise InvalidIdentifier(_l("Enter a valid phone number.")) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentifier(_l("Enter a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_identifier(value: str) -> tuple[str, str]:
    """Return ("email", address) or ("phone", E.164) for a login identifier."""
    value = (value or "").strip()
    if not value or len(value) > 254:
        raise InvalidIdentifier()
    if "@" in value:
        return "email", normalise_email(value)
    return "phone", normalise_phone(value)
