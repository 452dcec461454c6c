"""Forms of the profile pages (FR-UI-006). The rules (name, addresses, pictures) are checked
by the services; the views put their errors on the fields."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import RadioField
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Length

from idp.accounts.profile import NAME_MAX_LENGTH

#: How each language names itself, whatever the page's language.
LANGUAGE_NAMES = {"ar": "العربية", "en": "English"}
_TOO_LONG = _l("This is too long.")


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[InputRequired(_l("Enter your name.")),
                    # Room for what clean_name removes; the service checks the cleaned length.
                    Length(max=NAME_MAX_LENGTH * 2, message=_TOO_LONG)],
        # dir=auto: an Arabic name on an English page (and the reverse) reads the right way.
        render_kw={"autocomplete": "name", "maxlength": NAME_MAX_LENGTH, "dir": "auto"},
    )
    locale = RadioField(_l("Preferred language"),
                        validators=[InputRequired(_l("Choose one of the languages offered."))],
                        validate_choice=False)  # the service says which languages exist

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = [(code, LANGUAGE_NAMES.get(code, code))
                               for code in current_app.config["IDP_LOCALES"]]


class AvatarForm(FlaskForm):
    # No FileRequired/FileAllowed: the file is judged by its bytes (idp.accounts.avatars).
    avatar = FileField(_l("Profile picture"),
                       render_kw={"accept": "image/png,image/jpeg,image/webp"})


class RemoveAvatarForm(FlaskForm):
    pass


class CurrentPasswordMixin:
    current_password = PasswordField(
        _l("Current password"),
        validators=[Length(max=1024, message=_TOO_LONG)],
        render_kw={"autocomplete": "current-password", "dir": "ltr"},
    )


class EmailChangeForm(CurrentPasswordMixin, FlaskForm):
    email = StringField(
        _l("New email address"),
        validators=[InputRequired(_l("Enter your new email address.")),
                    Length(max=254, message=_TOO_LONG)],
        render_kw={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false",
                   "dir": "ltr", "inputmode": "email", "type": "email"},
    )


class PhoneChangeForm(CurrentPasswordMixin, FlaskForm):
    phone = StringField(
        _l("New phone number"),
        validators=[InputRequired(_l("Enter your new phone number.")),
                    Length(max=32, message=_TOO_LONG)],
        render_kw={"autocomplete": "tel", "dir": "ltr", "inputmode": "tel"},
    )


class PhoneCodeForm(FlaskForm):
    code = StringField(
        _l("Code from the SMS"),
        validators=[Length(max=32, message=_TOO_LONG)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr",
                   "maxlength": 32, "spellcheck": "false"},
    )


class ConfirmEmailForm(FlaskForm):
    token = HiddenField()
