"""The transport-office signup pages (FR-UI-001-02, UC-UI-003)."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import get_locale

from idp.errors import IdpError
from idp.extensions import db
from idp.extensions import limiter
from idp.offices.errors import RepresentativeExists
from idp.offices.errors import megabytes
from idp.offices.forms import OfficeSignupForm
from idp.offices.services import apply_for_office

bp = Blueprint("offices", __name__, url_prefix="/offices")

#: Room for the text fields and multipart framing on top of the documents themselves.
FORM_FIELDS_BYTES = 256 * 1024
#: The flask session key of the application just sent, for the under-review page.
_SENT = "office_application"


def signup_request_limit() -> int:
    """The largest signup request: every document at its largest, plus the form fields."""
    config = current_app.config
    return (config["IDP_OFFICE_DOCUMENTS_MAX_COUNT"] * config["IDP_OFFICE_DOCUMENT_MAX_BYTES"]
            + FORM_FIELDS_BYTES)


@bp.url_value_preprocessor
def limit_request_size(_endpoint, _values) -> None:
    # URL value preprocessors run before every before_request function, so this limit is in
    # place before CSRFProtect reads the body; past it, Werkzeug answers 413 without reading.
    request.max_content_length = signup_request_limit()


@bp.errorhandler(413)
def too_large(_error):
    config = current_app.config
    return render_template(
        "offices/too_large.html",
        file_size=megabytes(config["IDP_OFFICE_DOCUMENT_MAX_BYTES"]),
        total_size=megabytes(signup_request_limit()),
        count=config["IDP_OFFICE_DOCUMENTS_MAX_COUNT"]), 413


def _recovery_url(identifier: str | None) -> str | None:
    if "accounts.forgot_password" not in current_app.view_functions:
        return None
    return url_for("accounts.forgot_password", identifier=identifier or None)


def _signup_rate_limit() -> str:
    return current_app.config["IDP_OFFICE_SIGNUP_RATE_LIMIT"]


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_signup_rate_limit, methods=["POST"])
def signup():
    form = OfficeSignupForm()
    error = None
    if form.validate_on_submit():
        try:
            office = apply_for_office(form.application(str(get_locale())),
                                      form.checked_documents)
            db.session.commit()
        except IdpError as exc:
            db.session.rollback()  # nothing of the application is kept, files included
            if exc.status >= 500:
                raise
            if isinstance(exc, RepresentativeExists):
                form.account_exists = exc.field
            field = getattr(form, getattr(exc, "field", None) or "", None)
            if field is not None:
                field.errors = [*field.errors, str(exc.description)]
            else:
                error = str(exc.description)
        else:
            session[_SENT] = {"office": office.name, "email": form.email.data.strip()}
            return redirect(url_for("offices.under_review"))
    form.password.data = ""
    existing = None
    if form.account_exists:
        identifier = getattr(form, form.account_exists).data
        existing = {"login_url": url_for("accounts.login", login_hint=identifier),
                    "recovery_url": _recovery_url(identifier)}
    return render_template(
        "offices/signup.html", form=form, error=error, existing=existing,
        max_size=megabytes(current_app.config["IDP_OFFICE_DOCUMENT_MAX_BYTES"]),
        max_count=current_app.config["IDP_OFFICE_DOCUMENTS_MAX_COUNT"],
        password_min=current_app.config["IDP_PASSWORD_MIN_LENGTH"])


@bp.route("/signup/under-review")
def under_review():
    return render_template("offices/under_review.html", sent=session.get(_SENT))
