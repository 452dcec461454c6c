"""Forms of the password pages: change, forgot, reset by link, reset by SMS code.

The policy itself is checked by the services (``idp.accounts.passwords``); the views put its
errors on the new-password field. Password fields never render the value typed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import EqualTo
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import ValidationError

from idp.accounts.passwords import CODE_DIGITS
from idp.accounts.passwords import normalise_code

#: Longer than any acceptable password (the policy says how long at most), short enough
#: that nobody posts megabytes to be hashed.
MAX_TYPED = 1024

_IDENTIFIER_ATTRS = {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false",
                     "dir": "ltr"}


class NewPasswordMixin:
    """The new password and its confirmation, shared by the change and reset forms."""

    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Enter a new password.")),
                    Length(max=MAX_TYPED, message=_l("This is too long."))],
        render_kw={"autocomplete": "new-password", "dir": "ltr",
                   "aria-describedby": "new-password-help"},
    )
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[InputRequired(_l("Enter the new password again.")),
                    Length(max=MAX_TYPED, message=_l("This is too long.")),
                    EqualTo("new_password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password", "dir": "ltr"},
    )


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password.")),
                    Length(max=MAX_TYPED, message=_l("This is too long."))],
        render_kw={"autocomplete": "current-password", "dir": "ltr"},
    )


class ForgotPasswordForm(FlaskForm):
    identifier = StringField(
        _l("Email or phone number"),
        validators=[InputRequired(_l("Enter your email or phone number.")),
                    Length(max=254, message=_l("This is too long."))],
        render_kw={**_IDENTIFIER_ATTRS, "inputmode": "email"},
    )


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    token = HiddenField()


class ResetCodeForm(NewPasswordMixin, FlaskForm):
    phone = StringField(
        _l("Phone number"),
        validators=[InputRequired(_l("Enter your phone number.")),
                    Length(max=32, message=_l("This is too long."))],
        render_kw={**_IDENTIFIER_ATTRS, "inputmode": "tel"},
    )
    code = StringField(
        _l("Code from the SMS"),
        validators=[InputRequired(_l("Enter the code we sent you.")),
                    Length(max=32, message=_l("This is too long."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr",
                   "maxlength": 32, "spellcheck": "false"},
    )

    def validate_code(self, field) -> None:
        if len(normalise_code(field.data)) != CODE_DIGITS:
            raise ValidationError(_l("The code has %(count)d digits.", count=CODE_DIGITS))
