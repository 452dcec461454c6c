"""The password policy (FR-UI-003-01, BR-UI-005): each rule, the message naming it, the shipped
breached-password list."""


import pytest
from babel.messages.pofile import read_po

from idp.accounts import errors
from idp.security.password_policy import check_password_policy
from idp.security.password_policy import common_passwords
from idp.security.password_policy import is_common_password
from tests.conftest import ROOT

GOOD = "Seat-booking-42!"
AMINA = {"email": "amina.saleh@example.com", "phone": "+967771234567", "name": "Amina Saleh"}


def rule_of(password, **personal) -> str | None:
    try:
        check_password_policy(password, **personal)
    except errors.PasswordRejected as exc:
        return exc.rule
    return None


def test_fr_ui_003_01_a_long_password_with_digit_and_symbol_is_accepted(ctx):
    assert check_password_policy(GOOD, **AMINA) is None


@pytest.mark.parametrize(("password", "rule"), [
    ("Bus-42!", "too_short"),  # 7 characters
    ("Bus-42!x", None),  # 8
    ("", "too_short"),
])
def test_fr_ui_003_01_at_least_eight_characters(ctx, password, rule):
    assert rule_of(password) == rule


def test_fr_ui_003_01_at_most_128_characters(ctx):
    assert rule_of("x7!" + "y" * 125) is None
    assert rule_of("x7!" + "y" * 126) == "too_long"


@pytest.mark.parametrize(("password", "rule"), [
    ("Seat-booking!", "needs_digit"),
    ("Seat booking 42", "needs_symbol"),  # a space is not a symbol
    ("Seatbooking42", "needs_symbol"),
    ("حجز-المقعد-٤٢", None),  # Arabic letters, Arabic-Indic digits
    ("حجزالمقعد٤٢؟", None),  # the Arabic question mark is punctuation
    ("Seat booking 42 €", None),
])
def test_fr_ui_003_01_needs_a_digit_and_a_symbol(ctx, password, rule):
    assert rule_of(password) == rule


@pytest.mark.parametrize("password", [
    "p@ssw0rd",  # in the list as it is
    "P@SSW0RD",  # case does not matter
    "Password1!",  # "password1" with a symbol stuck on
    "!!monkey2024",  # "monkey" with digits and symbols around it
    "qwerty123#",
    "iloveyou-1",
])
def test_br_ui_005_commonly_breached_passwords_are_rejected(ctx, password):
    assert rule_of(password) == "breached"


@pytest.mark.parametrize(("password", "rule"), [
    ("Amina#2024", "personal_data"),  # first name, any case
    ("my-SALEH-77", "personal_data"),  # family name
    ("x!amina.saleh1", "personal_data"),  # email local part
    ("Pass-771234567", "personal_data"),  # national number
    ("Pass-0771234567", "personal_data"),  # as written at home
    ("Pass-77 123 4567", "personal_data"),  # with the usual spaces
    ("Pass-77-123-4567", "personal_data"),
    ("Seat-booking-42!", None),
    ("Sam-Al-8421!", None),  # "Al" and "Sam" are not Amina's
])
def test_fr_ui_003_01_personal_data_is_rejected(ctx, password, rule):
    assert rule_of(password, **AMINA) == rule


def test_fr_ui_003_01_arabic_name_parts_of_three_letters_or_more(ctx):
    personal = {"name": "أمينة بن صالح"}
    assert rule_of("كلمة-أمينة-42", **personal) == "personal_data"
    assert rule_of("صالح_2024!x", **personal) == "personal_data"
    assert rule_of("ابن-المدينة-42", **personal) is None  # "بن" has two letters


def test_fr_ui_003_01_without_personal_data_only_the_other_rules_apply(ctx):
    assert rule_of("Amina#2024x") is None


@pytest.mark.parametrize(("error", "args"), [
    (errors.PasswordTooShort, (8,)), (errors.PasswordTooLong, (128,)),
    (errors.PasswordNeedsDigit, ()), (errors.PasswordNeedsSymbol, ()),
    (errors.PasswordBreached, ()), (errors.PasswordContainsPersonalData, ()),
    (errors.PasswordReused, (5,)),
])
def test_fr_ui_003_01_each_rule_has_its_own_error_and_message(error, args):
    assert issubclass(error, errors.PasswordRejected)
    assert error.rule != errors.PasswordRejected.rule
    assert error(*args).status == 400


def _arabic_catalogue() -> dict:
    """msgid → Arabic, from the catalogue."""
    with (ROOT / "idp/translations/ar/LC_MESSAGES/messages.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id and m.string}


def test_br_ui_005_every_rule_message_has_an_arabic_translation():
    catalogue = _arabic_catalogue()
    for error in (errors.PasswordTooShort, errors.PasswordTooLong, errors.PasswordReused):
        msgid = error(5).description._args[0]
        assert catalogue.get(msgid), msgid
    for error in (errors.PasswordNeedsDigit, errors.PasswordNeedsSymbol, errors.PasswordBreached,
                  errors.PasswordContainsPersonalData, errors.WrongCurrentPassword,
                  errors.ResetLinkInvalid, errors.ResetCodeInvalid,
                  errors.ResetCodeAttemptsExhausted):
        msgid = error.description._args[0]
        assert catalogue.get(msgid), msgid


def test_br_ui_005_breached_list_is_shipped_and_loaded_once():
    words = common_passwords()
    assert len(words) == 30_000
    assert common_passwords() is words
    assert "password" in words and "123456" in words
    assert not is_common_password("Seat-booking-42!")
