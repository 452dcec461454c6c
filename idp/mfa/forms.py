"""The forms of the second step, enrolment and the security page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import RadioField
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Length

#: The method names the second step shows.
METHOD_LABELS = {
    "totp": _l("Authenticator app"),
    "sms": _l("Code by SMS"),
    "email": _l("Code by email"),
    "recovery": _l("Recovery code"),
}

#: One field for every kind of code, so that browsers and phones offer to fill it in.
_CODE_KW = {"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr",
            "autocapitalize": "none", "spellcheck": "false", "maxlength": "32"}


def _code_field(label):
    return StringField(label, validators=[
        InputRequired(_l("Enter the code.")), Length(max=32, message=_l("This is too long."))],
        render_kw=dict(_CODE_KW))


class SecondStepForm(FlaskForm):
    """The login's second step: ONE field ``code`` whatever the method."""

    code = _code_field(_l("Code"))
    method = RadioField(_l("How do you want to confirm it is you?"),
                        validators=[InputRequired(_l("Choose how to confirm."))])
    trust = BooleanField(_l("Trust this device for 30 days"))

    def __init__(self, *args, methods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_methods(methods)
        if not self.method.data and methods:
            self.method.data = methods[0]

    def set_methods(self, methods) -> None:
        self.method.choices = [(m, METHOD_LABELS[m]) for m in methods]


class SendCodeForm(FlaskForm):
    method = HiddenField()


class ConfirmCodeForm(FlaskForm):
    """A first code from the authenticator app, or the code sent to switch SMS/email on."""

    code = _code_field(_l("Code"))
    channel = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes something (remove a factor, new recovery codes, untrust)."""

    kind = HiddenField()
