"""Forms of the security pages: asking for an unlock link, confirming a link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Length


class UnlockRequestForm(FlaskForm):
    identifier = StringField(
        _l("Email or phone number"),
        validators=[InputRequired(_l("Enter your email or phone number.")),
                    Length(max=254, message=_l("This is too long."))],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false",
                   "dir": "ltr", "inputmode": "email"},
    )


class LinkConfirmForm(FlaskForm):
    """A button that spends an emailed link: opening it (a mail scanner may) spends nothing."""

    token = HiddenField(validators=[InputRequired(_l("This link is not complete."))])
