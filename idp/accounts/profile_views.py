"""The profile pages (FR-UI-006): view and edit name and language, upload a picture, change
the email address or phone number through a verification of the new one. Registered on the
accounts blueprint."""

from __future__ import annotations

from flask import abort
from flask import current_app
from flask import flash
from flask import get_flashed_messages
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import session
from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from idp import error_handlers
from idp import i18n
from idp.accounts import avatars
from idp.accounts import profile
from idp.accounts.errors import ResendTooSoon
from idp.accounts.errors import VerificationFailed
from idp.accounts.errors import VerificationInvalid
from idp.accounts.errors import WrongCurrentPassword
from idp.accounts.identifiers import InvalidIdentifier
from idp.accounts.profile_forms import AvatarForm
from idp.accounts.profile_forms import ConfirmEmailForm
from idp.accounts.profile_forms import EmailChangeForm
from idp.accounts.profile_forms import PhoneChangeForm
from idp.accounts.profile_forms import PhoneCodeForm
from idp.accounts.profile_forms import ProfileForm
from idp.accounts.profile_forms import RemoveAvatarForm
from idp.accounts.services import get_user
from idp.accounts.views import bp
from idp.errors import IdpError
from idp.extensions import db
from idp.extensions import limiter
from idp.rbac import require_page
from idp.sessions.form_restore import keeps_form
from idp.sessions.form_restore import restored_form
from idp.sessions.services import current_session

#: Room for the CSRF token and multipart framing on top of the picture itself.
FORM_FIELDS_BYTES = 64 * 1024
#: The flask session key of a phone change waiting for its code: {"user", "phone"}.
_PENDING_PHONE = "profile_pending_phone"
#: What the profile page says after a change, by the key flashed (translated when shown, in
#: the language of the page showing it).
NOTICES = {
    "saved": _l("Your profile was saved."),
    "avatar_changed": _l("Your picture was updated."),
    "avatar_removed": _l("Your picture was removed."),
    "email_changed": _l("Your email address was changed."),
    "phone_changed": _l("Your phone number was changed."),
}
#: Where the email-sent page finds the address the link went to: {"user", "email"}.
_PENDING_EMAIL = "profile_pending_email"
_AVATAR_UPLOAD = "accounts.upload_avatar"


def _setting(name: str):
    return lambda: current_app.config[name]


def _user_key() -> str:
    login = current_session()
    return f"user:{login.user_id}" if login else f"ip:{request.remote_addr}"


def _signed_in():
    """The signed-in user, or None."""
    login = current_session()
    return get_user(login.user_id) if login else None


def _login_redirect():
    next_url = request.full_path if request.query_string else request.path
    if request.method != "GET":  # come back to the form, not to a POST-only address
        next_url = url_for("accounts.profile_page")
    return redirect(url_for("accounts.login", next=next_url))


def _field_error(form, error: IdpError, field: str) -> None:
    getattr(form, field).errors = [*getattr(form, field).errors, str(error.description)]


# --- the profile page -------------------------------------------------------------------------


def _render_profile(user, *, form=None, avatar_form=None, status: int = 200):
    if form is None:
        form = ProfileForm(formdata=None, data={"name": user.profile.name,
                                                 "locale": user.profile.locale
                                                 or str(get_locale())})
    avatar_id = avatars.avatar_id(user.profile)
    return render_template(
        "accounts/profile.html", user=user, form=form,
        # formdata=None: these forms must not read the request (after a 413 it cannot be read).
        avatar_form=avatar_form or AvatarForm(formdata=None),
        remove_form=RemoveAvatarForm(formdata=None),
        avatar_url=url_for("accounts.avatar", avatar_id=avatar_id) if avatar_id else None,
        phone=profile.masked_phone(user),
        notices=[NOTICES[key] for key in get_flashed_messages() if key in NOTICES],
        max_size=avatars.megabytes(current_app.config["IDP_AVATAR_MAX_BYTES"])), status


@bp.route("/account/profile", methods=["GET", "POST"])
@keeps_form  # EC-UI-005: a post on an expired session is filled in again after logging in
@require_page("account:update")  # BR-UI-012
def profile_page():
    user = _signed_in()
    if user is None:
        return _login_redirect()
    if request.method == "GET":
        return _render_profile(user, form=restored_form(ProfileForm))
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            changed = profile.update_profile(user, name=form.name.data, locale=form.locale.data)
        except (profile.NameInvalid, profile.LocaleInvalid) as exc:
            db.session.rollback()
            _field_error(form, exc, exc.field)
        else:
            db.session.commit()
            flash("saved")
            response = redirect(url_for("accounts.profile_page"))
            if "locale" in changed:
                # The pages follow the new language at once, in this browser too
                # (i18n.select_locale puts the browser's choice before the profile's).
                i18n.set_language_cookie(response, form.locale.data)
            return response
    return _render_profile(user, form=form, status=400)


# --- the picture ------------------------------------------------------------------------------


@bp.url_value_preprocessor
def _limit_upload_size(endpoint, _values) -> None:
    # Before CSRFProtect reads the body: past this, Werkzeug answers 413 without reading it.
    if endpoint == _AVATAR_UPLOAD:
        request.max_content_length = (current_app.config["IDP_AVATAR_MAX_BYTES"]
                                      + FORM_FIELDS_BYTES)


@bp.errorhandler(413)
def _upload_too_large(error):
    user = _signed_in() if request.endpoint == _AVATAR_UPLOAD else None
    if user is None:
        return error_handlers.handle_http_error(error)
    avatar_form = AvatarForm(formdata=None)
    avatar_form.avatar.errors = [
        str(avatars.AvatarTooLarge(current_app.config["IDP_AVATAR_MAX_BYTES"]).description)]
    body, _status = _render_profile(user, avatar_form=avatar_form)
    return body, 413


@bp.route("/account/profile/avatar", methods=["POST"], endpoint="upload_avatar")
@limiter.limit(_setting("IDP_AVATAR_UPLOAD_RATE_LIMIT"), key_func=_user_key)
@require_page("account:update")  # BR-UI-012
def upload_avatar():
    user = _signed_in()
    if user is None:
        return _login_redirect()
    avatar_form = AvatarForm()
    if avatar_form.validate_on_submit():
        upload = avatar_form.avatar.data
        # A plain text field named "avatar" (no file part) counts as no file.
        data = upload.read() if isinstance(upload, FileStorage) else None
        try:
            avatars.set_avatar(user, data)
        except avatars.AvatarRejected as exc:
            db.session.rollback()
            _field_error(avatar_form, exc, "avatar")
        else:
            db.session.commit()
            flash("avatar_changed")
            return redirect(url_for("accounts.profile_page"))
    return _render_profile(user, avatar_form=avatar_form, status=400)


@bp.route("/account/profile/avatar/remove", methods=["POST"])
@require_page("account:update")  # BR-UI-012
def remove_avatar():
    user = _signed_in()
    if user is None:
        return _login_redirect()
    if RemoveAvatarForm().validate_on_submit():
        avatars.remove_avatar(user)
        db.session.commit()
        flash("avatar_removed")
    return redirect(url_for("accounts.profile_page"))


@bp.route("/account/avatar/<avatar_id>")
def avatar(avatar_id: str):
    # Public by its unguessable id (idp/accounts/avatars.py says why); the id changes with
    # every new picture, so the file behind a URL never changes while it exists.
    found = avatars.find_avatar(avatar_id)
    if found is None:
        abort(404)
    path, content_type = found
    response = send_file(path, mimetype=content_type, conditional=True, etag=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=86400, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


# --- a new email address ----------------------------------------------------------------------


@bp.route("/account/profile/email", methods=["GET", "POST"])
@limiter.limit(_setting("IDP_CONTACT_CHANGE_RATE_LIMIT"), methods=["POST"], key_func=_user_key)
@require_page("account:update")  # BR-UI-012
def change_email():
    user = _signed_in()
    if user is None:
        return _login_redirect()
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            email = profile.request_email_change(user, form.email.data,
                                                 form.current_password.data)
        except (InvalidIdentifier, profile.ContactUnchanged) as exc:
            db.session.rollback()
            _field_error(form, exc, "email")
        except profile.ContactInUse as exc:
            db.session.commit()  # the refusal's audit record
            _field_error(form, exc, "email")
        except WrongCurrentPassword as exc:
            db.session.commit()
            _field_error(form, exc, "current_password")
        else:
            db.session.commit()
            session[_PENDING_EMAIL] = {"user": user.id, "email": email}
            return redirect(url_for("accounts.change_email_sent"))
    form.current_password.data = ""
    return render_template("accounts/profile_email.html", form=form, user=user), (
        400 if form.errors else 200)


@bp.route("/account/profile/email/sent")
def change_email_sent():
    user = _signed_in()
    if user is None:
        return _login_redirect()
    pending = session.get(_PENDING_EMAIL) or {}
    return render_template("accounts/profile_email_sent.html", user=user,
                           email=pending.get("email") if pending.get("user") == user.id
                           else None)


@bp.route("/account/email/verify", methods=["GET", "POST"])
def confirm_email():
    # idp.accounts.verification.LINK_PATHS["change_email"] sends the link here. A click
    # confirms, not the GET: mail scanners open links, and the token is single use.
    form = ConfirmEmailForm()
    if request.method == "GET":
        form.token.data = request.args.get("token", "")
        try:
            email = profile.email_change_target(form.token.data)
        except VerificationFailed as exc:
            return _link_invalid(exc)
        return render_template("accounts/profile_email_confirm.html", form=form, email=email)
    if not form.validate_on_submit():
        return _link_invalid(VerificationInvalid())
    try:
        user = profile.confirm_email_change(form.token.data, locale=str(get_locale()))
    except VerificationFailed as exc:
        db.session.commit()  # the verification's record of the refusal
        return _link_invalid(exc)
    except profile.ContactInUse as exc:
        db.session.commit()
        return _link_invalid(exc, status=409)
    db.session.commit()
    session.pop(_PENDING_EMAIL, None)
    signed_in = _signed_in()
    if signed_in is not None and signed_in.id == user.id:
        flash("email_changed")
        return redirect(url_for("accounts.profile_page"))
    return render_template("accounts/profile_contact_changed.html", email=user.email)


def _link_invalid(error: IdpError, status: int = 400):
    return render_template("accounts/profile_link_invalid.html",
                           message=error.description), status


# --- a new phone number -----------------------------------------------------------------------


def _pending_phone(user) -> str | None:
    pending = session.get(_PENDING_PHONE) or {}
    return pending.get("phone") if pending.get("user") == user.id else None


@bp.route("/account/profile/phone", methods=["GET", "POST"])
@limiter.limit(_setting("IDP_CONTACT_CHANGE_RATE_LIMIT"), methods=["POST"], key_func=_user_key)
@require_page("account:update")  # BR-UI-012
def change_phone():
    user = _signed_in()
    if user is None:
        return _login_redirect()
    form = PhoneChangeForm()
    if form.validate_on_submit():
        try:
            e164 = profile.request_phone_change(user, form.phone.data,
                                                form.current_password.data)
        except (InvalidIdentifier, profile.ContactUnchanged, ResendTooSoon) as exc:
            db.session.rollback()
            _field_error(form, exc, "phone")
        except profile.ContactInUse as exc:
            db.session.commit()  # the refusal's audit record
            _field_error(form, exc, "phone")
        except WrongCurrentPassword as exc:
            db.session.commit()
            _field_error(form, exc, "current_password")
        else:
            db.session.commit()
            session[_PENDING_PHONE] = {"user": user.id, "phone": e164}
            return redirect(url_for("accounts.confirm_phone"))
    form.current_password.data = ""
    return render_template("accounts/profile_phone.html", form=form, user=user), (
        400 if form.errors else 200)


@bp.route("/account/profile/phone/code", methods=["GET", "POST"])
@require_page("account:update")  # BR-UI-012
def confirm_phone():
    user = _signed_in()
    if user is None:
        return _login_redirect()
    e164 = _pending_phone(user)
    if e164 is None:
        return redirect(url_for("accounts.change_phone"))
    form = PhoneCodeForm()
    error = notice = None
    if form.validate_on_submit():
        try:
            if request.form.get("action") == "resend":
                profile.resend_phone_code(user, e164)
                notice = _l("We sent you a new code.")
            elif not (form.code.data or "").strip():
                error = _l("Enter the code we sent you.")
            else:
                profile.confirm_phone_change(user, e164, form.code.data,
                                             locale=str(get_locale()))
        except ResendTooSoon as exc:
            db.session.rollback()
            error = exc.description
        except IdpError as exc:
            if exc.status >= 500:
                raise
            db.session.commit()  # a spent try, and the refusal's audit record
            error = exc.description
        else:
            db.session.commit()
            if notice is None and error is None:
                session.pop(_PENDING_PHONE, None)
                flash("phone_changed")
                return redirect(url_for("accounts.profile_page"))
        form.code.data = ""
    return render_template("accounts/profile_phone_code.html", form=form, error=error,
                           notice=notice, phone=profile.mask_phone(e164)), (
        400 if error else 200)
