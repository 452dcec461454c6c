from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Length


class LoginForm(FlaskForm):
    identifier = StringField(
        _l("Email or phone number"),
        validators=[InputRequired(_l("Enter your email or phone number.")),
                    Length(max=254, message=_l("This is too long."))],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false",
                   "dir": "ltr", "inputmode": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password.")),
                    Length(max=1024, message=_l("This is too long."))],
        render_kw={"autocomplete": "current-password", "dir": "ltr"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class LogoutForm(FlaskForm):
    pass
