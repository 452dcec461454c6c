"""The password pages (FR-UI-003-02/03): change with the current password, forgot, reset by
emailed link, reset by SMS code. Registered on the accounts blueprint."""

from __future__ import annotations

from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import get_locale

from idp.accounts.errors import PasswordRejected
from idp.accounts.errors import ResetCodeInvalid
from idp.accounts.errors import ResetLinkInvalid
from idp.accounts.errors import WrongCurrentPassword
from idp.accounts.identifiers import InvalidIdentifier
from idp.accounts.identifiers import parse_identifier
from idp.accounts.password_forms import ChangePasswordForm
from idp.accounts.password_forms import ForgotPasswordForm
from idp.accounts.password_forms import ResetCodeForm
from idp.accounts.password_forms import ResetPasswordForm
from idp.accounts.passwords import change_password
from idp.accounts.passwords import request_password_reset
from idp.accounts.passwords import reset_link_user
from idp.accounts.passwords import reset_with_code
from idp.accounts.passwords import reset_with_token
from idp.accounts.services import get_user
from idp.accounts.views import bp
from idp.extensions import db
from idp.extensions import limiter
from idp.rbac import require_page
from idp.security import crypto
from idp.sessions.services import clear_cookie
from idp.sessions.services import current_session
from idp.sessions.services import rotate as rotate_session

#: Where the code page finds the number typed on the forgot page (the signed form cookie).
_RESET_PHONE = "password_reset_phone"


def _setting(name: str):
    return lambda: current_app.config[name]


def _identifier_key() -> str:
    """The rate-limit key of the account asked about: a digest, never the address itself."""
    raw = request.form.get("identifier", "")
    try:
        value = parse_identifier(raw)[1]
    except InvalidIdentifier:
        value = raw.strip().lower()
    return "password-forgot:" + crypto.keyed_digest(value)


def _user_key() -> str:
    login = current_session()
    return f"user:{login.user_id}" if login else f"ip:{request.remote_addr}"


def _login_redirect():
    next_url = request.full_path if request.query_string else request.path
    return redirect(url_for("accounts.login", next=next_url))


def _policy_error(form, error: PasswordRejected) -> None:
    form.new_password.errors.append(error.description)


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(_setting("IDP_PASSWORD_CHANGE_RATE_LIMIT"), methods=["POST"], key_func=_user_key)
@require_page("account:update")  # BR-UI-012
def change_password_page():
    login = current_session()
    user = get_user(login.user_id) if login else None
    if user is None:
        return _login_redirect()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(user, form.current_password.data, form.new_password.data,
                            keep_session_id=login.id)
        except WrongCurrentPassword as exc:
            db.session.commit()  # keep the audit record of the failure
            form.current_password.errors.append(exc.description)
        except PasswordRejected as exc:
            db.session.rollback()
            _policy_error(form, exc)
        else:
            # A privilege change: the kept session gets a new cookie secret (issue 6 item 1).
            rotate_session(login)
            db.session.commit()
            return redirect(url_for("accounts.password_changed"))
    return render_template("accounts/password_change.html", form=form, user=user)


@bp.route("/account/password/changed")
def password_changed():
    login = current_session()
    if login is None:
        return _login_redirect()
    return render_template("accounts/password_changed.html")


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_setting("IDP_PASSWORD_FORGOT_IP_RATE_LIMIT"), methods=["POST"])
@limiter.limit(_setting("IDP_PASSWORD_FORGOT_IDENTIFIER_RATE_LIMIT"), methods=["POST"],
               key_func=_identifier_key)
def forgot_password():
    form = ForgotPasswordForm()
    if request.method == "GET":
        form.identifier.data = request.args.get("identifier", "")
    if form.validate_on_submit():
        try:
            channel = request_password_reset(form.identifier.data, locale=str(get_locale()))
        except InvalidIdentifier as exc:
            form.identifier.errors.append(exc.description)
        else:
            db.session.commit()
            if channel == "sms":
                session[_RESET_PHONE] = form.identifier.data.strip()
                return redirect(url_for("accounts.reset_password_code", sent=1))
            return redirect(url_for("accounts.password_reset_sent"))
    return render_template("accounts/password_forgot.html", form=form)


@bp.route("/password/forgot/sent")
def password_reset_sent():
    return render_template("accounts/password_reset_sent.html")


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit(_setting("IDP_PASSWORD_RESET_RATE_LIMIT"), methods=["POST"])
def reset_password():
    form = ResetPasswordForm()
    if request.method == "GET":
        form.token.data = request.args.get("token", "")
    if form.validate_on_submit():
        try:
            reset_with_token(form.token.data, form.new_password.data)
        except ResetLinkInvalid:
            db.session.commit()  # the audit record of the refusal
            return render_template("accounts/password_reset_invalid.html"), 400
        except PasswordRejected as exc:
            db.session.rollback()
            _policy_error(form, exc)
        else:
            db.session.commit()
            return _reset_done()
    user = reset_link_user(form.token.data)
    if user is None:
        return render_template("accounts/password_reset_invalid.html"), 400
    return render_template("accounts/password_reset.html", form=form, username=user.email)


@bp.route("/password/reset/code", methods=["GET", "POST"])
@limiter.limit(_setting("IDP_PASSWORD_RESET_RATE_LIMIT"), methods=["POST"])
def reset_password_code():
    form = ResetCodeForm()
    if request.method == "GET":
        form.phone.data = session.get(_RESET_PHONE, "")
    error = None
    if form.validate_on_submit():
        try:
            reset_with_code(form.phone.data, form.code.data, form.new_password.data)
        except ResetCodeInvalid as exc:
            db.session.commit()  # the spent try and the audit record stay
            error = exc.description
            form.code.data = ""
        except PasswordRejected as exc:
            db.session.commit()  # the try given back
            _policy_error(form, exc)
        else:
            db.session.commit()
            session.pop(_RESET_PHONE, None)
            return _reset_done()
    return render_template("accounts/password_reset_code.html", form=form, error=error,
                           sent=request.args.get("sent") == "1" and request.method == "GET")


def _reset_done():
    # Every session ended, this browser's too: its cookie goes.
    response = redirect(url_for("accounts.password_reset_done"))
    clear_cookie(response)
    return response


@bp.route("/password/reset/done")
def password_reset_done():
    return render_template("accounts/password_reset_done.html")
