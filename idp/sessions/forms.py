from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField


class EndSessionForm(FlaskForm):
    """A button that ends one session, the others or all (the CSRF token is the whole form)."""


class LogoutConfirmForm(FlaskForm):
    """RP-Initiated Logout §2: the confirmation, carrying the request's parameters back."""

    client_id = HiddenField()
    post_logout_redirect_uri = HiddenField()
    state = HiddenField()
    ui_locales = HiddenField()
