"""Forms of the customer signup pages (UC-UI-001).

Each field is checked through the signup services, so the page shows every problem beside
what was typed; the services check again when the account is made. Password fields never
render the value typed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import ValidationError

from idp.accounts.errors import AccountExists
from idp.accounts.errors import NameRejected
from idp.accounts.errors import NotMobileNumber
from idp.accounts.errors import PasswordRejected
from idp.accounts.identifiers import InvalidIdentifier
from idp.accounts.identifiers import normalise_email
from idp.accounts.signup import NAME_MAX_LENGTH
from idp.accounts.signup import SignupRequest
from idp.accounts.signup import clean_name
from idp.accounts.signup import existing_account_field
from idp.accounts.signup import mobile_number
from idp.accounts.verification import CODE_DIGITS
from idp.accounts.verification import normalise_code
from idp.security.password_policy import check_password_policy

TOO_LONG = _l("This is too long.")
#: Longer than any acceptable password (the policy says how long at most), short enough that
#: nobody posts megabytes to be hashed.
MAX_TYPED = 1024


class SignupForm(FlaskForm):
    """After ``validate()``, ``account_exists`` names the field ("email" or "phone") whose
    account exists already (EC-UI-001), if any."""

    name = StringField(
        _l("Full name"),
        validators=[InputRequired(_l("Enter your name.")),
                    Length(max=NAME_MAX_LENGTH, message=TOO_LONG)],
        render_kw={"autocomplete": "name", "maxlength": NAME_MAX_LENGTH})
    email = StringField(
        _l("Email"),
        validators=[InputRequired(_l("Enter your email address.")),
                    Length(max=254, message=TOO_LONG)],
        render_kw={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false",
                   "dir": "ltr", "inputmode": "email", "type": "email"})
    phone = StringField(
        _l("Mobile phone number"),
        validators=[InputRequired(_l("Enter your mobile phone number.")),
                    Length(max=32, message=TOO_LONG)],
        render_kw={"autocomplete": "tel", "dir": "ltr", "inputmode": "tel"})
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Choose a password.")),
                    Length(max=MAX_TYPED, message=TOO_LONG)],
        render_kw={"autocomplete": "new-password", "dir": "ltr"})
    terms = BooleanField(
        _l("I accept the terms and conditions"),
        validators=[DataRequired(_l("Accept the terms and conditions to create an account."))])
    next = HiddenField()

    account_exists: str | None = None

    def validate_name(self, field) -> None:
        try:
            clean_name(field.data)
        except NameRejected as exc:
            raise ValidationError(str(exc.description)) from None

    def validate_email(self, field) -> None:
        try:
            email = normalise_email(field.data)
        except InvalidIdentifier as exc:
            raise ValidationError(str(exc.description)) from None
        self._refuse_existing(email=email)

    def validate_phone(self, field) -> None:
        try:
            phone = mobile_number(field.data)
        except (InvalidIdentifier, NotMobileNumber) as exc:
            raise ValidationError(str(exc.description)) from None
        self._refuse_existing(phone=phone)

    def _refuse_existing(self, **identifier) -> None:
        taken = existing_account_field(**identifier)
        if taken:
            self.account_exists = self.account_exists or taken
            raise ValidationError(str(AccountExists(taken).description))

    def validate_password(self, field) -> None:
        # Personal data is checked once it is valid: a typo elsewhere must not hide this rule.
        personal = {"email": None if self.email.errors else self.email.data,
                    "phone": None if self.phone.errors else self.phone.data,
                    "name": None if self.name.errors else self.name.data}
        try:
            check_password_policy(field.data, **personal)
        except PasswordRejected as exc:
            raise ValidationError(str(exc.description)) from None

    def signup_request(self, locale: str | None) -> SignupRequest:
        return SignupRequest(name=self.name.data, email=self.email.data, phone=self.phone.data,
                             password=self.password.data, terms_accepted=bool(self.terms.data),
                             locale=locale)


class VerifyCodeForm(FlaskForm):
    code = StringField(
        _l("Code from the SMS"),
        validators=[InputRequired(_l("Enter the code we sent you.")),
                    Length(max=32, message=TOO_LONG)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr",
                   "maxlength": 32, "spellcheck": "false"})

    def validate_code(self, field) -> None:
        if len(normalise_code(field.data)) != CODE_DIGITS:
            raise ValidationError(_l("The code has %(count)d digits.", count=CODE_DIGITS))


class ConfirmLinkForm(FlaskForm):
    token = HiddenField()


class SignupActionForm(FlaskForm):
    """A button with nothing to type (resend, start again): only the CSRF token."""
