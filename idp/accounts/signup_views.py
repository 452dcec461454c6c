"""The customer signup pages (UC-UI-001): the form, the page that finishes verification, and
the page an email link opens. Registered on the accounts blueprint.

The browser that signs up (or signs in to an account still being verified) carries a marker
in the signed form cookie for IDP_SIGNUP_PENDING_SECONDS: it may see what is left to verify,
enter the SMS code and ask for another code or email. It is not a login session and cannot
authorize a client. When that browser completes verification the account is active and a
login session starts (the workflow's "first session"); the authorization request that sent
the user (``next``) then resumes.
"""

from __future__ import annotations

import time

from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import get_locale

from idp import audit
from idp.accounts.errors import AccountExists
from idp.accounts.errors import NameRejected
from idp.accounts.errors import NotMobileNumber
from idp.accounts.errors import PasswordRejected
from idp.accounts.errors import ResendTooSoon
from idp.accounts.errors import TermsNotAccepted
from idp.accounts.errors import VerificationFailed
from idp.accounts.services import find_user
from idp.accounts.services import get_user
from idp.accounts.signup import awaits_verification
from idp.accounts.signup import cancel_signup
from idp.accounts.signup import confirm_signup_email
from idp.accounts.signup import confirm_signup_phone
from idp.accounts.signup import resend_signup_code
from idp.accounts.signup import resend_signup_email
from idp.accounts.signup import sign_up
from idp.accounts.signup import signup_progress
from idp.accounts.signup_forms import ConfirmLinkForm
from idp.accounts.signup_forms import SignupActionForm
from idp.accounts.signup_forms import SignupForm
from idp.accounts.signup_forms import VerifyCodeForm
from idp.accounts.verification import CODE_DIGITS
from idp.accounts.verification import check_email_link
from idp.accounts.views import _ui_locales_of
from idp.accounts.views import bp
from idp.accounts.views import safe_next
from idp.audit import AuditEvent
from idp.errors import IdpError
from idp.extensions import db
from idp.extensions import limiter
from idp.security.rate_limits import identifier_limit
from idp.sessions.services import ACR_PASSWORD
from idp.sessions.services import current_session
from idp.sessions.services import end_session
from idp.sessions.services import set_cookie
from idp.sessions.services import start_session

#: The flask session key of the marker: {"user": id, "until": epoch seconds, "next": path}.
_PENDING = "signup_pending"
#: What "start again" puts back in the form (kept out of the URL: it is personal data).
_PREFILL = "signup_prefill"


def _setting(name: str):
    return lambda: current_app.config[name]


# --- the marker of a browser finishing verification ----------------------------------------


def remember_pending(user, next_url: str | None) -> None:
    seconds = current_app.config["IDP_SIGNUP_PENDING_SECONDS"]
    session[_PENDING] = {"user": user.id, "until": int(time.time()) + seconds,
                         "next": next_url or ""}


def _pending() -> dict | None:
    marker = session.get(_PENDING)
    if not isinstance(marker, dict) or marker.get("until", 0) < time.time():
        session.pop(_PENDING, None)
        return None
    return marker


def _pending_user():
    marker = _pending()
    return (get_user(marker.get("user")), marker) if marker else (None, None)


def pending_signup_redirect(identifier: str, next_url: str | None):
    """For the login page, once the password was right but the account is not active: a
    redirect to finish verifying if it is a signup still being verified, else None."""
    user = find_user(identifier)
    if not awaits_verification(user):
        return None
    remember_pending(user, next_url)
    return redirect(url_for("accounts.signup_verify"))


def _finish(user, marker: dict):
    """This browser completed verification: the first login session, then where it was
    going (BR-UI-003/004 met; the signup workflow's "create the first session")."""
    session.pop(_PENDING, None)
    previous = current_session()
    if previous is not None:
        end_session(previous, reason="new_login")
    login, secret = start_session(user, amr=["pwd"], acr=ACR_PASSWORD)
    audit.record(AuditEvent.Account.LoginSuccess, user_id=user.id, session_id=login.id,
                 via="signup")
    db.session.commit()
    response = redirect(safe_next(marker.get("next")) or url_for("accounts.home"))
    set_cookie(response, login, secret)
    return response


def _to_login(user=None, marker: dict | None = None):
    args = {"next": safe_next((marker or {}).get("next")) or None,
            "login_hint": user.email if user is not None else None}
    return redirect(url_for("accounts.login", **args))


# --- the signup form ------------------------------------------------------------------------


def _field_of(error: IdpError) -> str | None:
    """The form field a refusal of ``sign_up`` belongs to (the form catches most first)."""
    if isinstance(error, AccountExists):
        return error.field
    for kind, field in ((NotMobileNumber, "phone"), (PasswordRejected, "password"),
                        (NameRejected, "name"), (TermsNotAccepted, "terms")):
        if isinstance(error, kind):
            return field
    return None


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_setting("IDP_SIGNUP_RATE_LIMIT"), methods=["POST"])
@identifier_limit("email", "signup-email", "IDP_SIGNUP_IDENTIFIER_RATE_LIMIT")
@identifier_limit("phone", "signup-phone", "IDP_SIGNUP_IDENTIFIER_RATE_LIMIT")
def signup():
    next_url = safe_next(request.values.get("next"))
    _ui_locales_of(next_url)  # before the form: it fixes the language of the labels
    form = SignupForm()
    if request.method == "GET":
        form.next.data = next_url or ""
        for name, value in session.pop(_PREFILL, {}).items():  # after "start again"
            getattr(form, name).data = value
    error = None
    if form.validate_on_submit():
        try:
            user = sign_up(form.signup_request(str(get_locale())))
            db.session.commit()
        except IdpError as exc:
            db.session.rollback()  # nothing of the account is kept
            if exc.status >= 500:
                raise
            if isinstance(exc, AccountExists):  # lost a race with a signup of the same address
                form.account_exists = exc.field
            field = getattr(form, _field_of(exc) or "", None)
            if field is not None:
                field.errors = [*field.errors, str(exc.description)]
            else:
                error = str(exc.description)
        else:
            remember_pending(user, next_url)
            return redirect(url_for("accounts.signup_verify"))
    form.password.data = ""
    existing = None
    if form.account_exists:
        typed = (getattr(form, form.account_exists).data or "").strip()
        existing = {"login_url": url_for("accounts.login", next=next_url, login_hint=typed),
                    "recovery_url": url_for("accounts.forgot_password", identifier=typed)}
    status = 200 if request.method == "GET" else (409 if existing else 400)
    return render_template("accounts/signup.html", form=form, error=error, existing=existing,
                           next_url=next_url), status


# --- finishing verification ------------------------------------------------------------------


def _verify_page(user, marker: dict, *, form=None, error=None, notice=None, status=200):
    return render_template(
        "accounts/signup_verify.html", progress=signup_progress(user),
        form=form or VerifyCodeForm(), error=error,
        notice=notice, code_minutes=current_app.config["IDP_PHONE_CODE_SECONDS"] // 60,
        code_digits=CODE_DIGITS,
        next_url=safe_next(marker.get("next"))), status


#: What the verify page says after a redirect (``?done=…``), in one place.
_NOTICES = {"code": "code_sent", "email": "email_sent", "phone": "phone_verified",
            "email_verified": "email_verified"}


@bp.route("/signup/verify", methods=["GET", "POST"])
@limiter.limit(_setting("IDP_SIGNUP_VERIFY_RATE_LIMIT"), methods=["POST"])
def signup_verify():
    user, marker = _pending_user()
    if user is None:
        session.pop(_PENDING, None)
        return redirect(url_for("accounts.login"))
    if not awaits_verification(user):  # finished in another browser, or no longer a signup
        session.pop(_PENDING, None)
        return _to_login(user, marker)
    form = VerifyCodeForm()
    if request.method == "POST" and user.phone_verified_at is None and form.validate_on_submit():
        try:
            activated = confirm_signup_phone(user, form.code.data)
        except VerificationFailed as exc:
            db.session.commit()  # the spent try and the audit record stay
            form.code.data = ""
            return _verify_page(user, marker, form=form, error=str(exc.description),
                                status=400)
        db.session.commit()
        if activated:
            return _finish(user, marker)
        return redirect(url_for("accounts.signup_verify", done="phone"))
    if request.method == "POST" and not form.errors:
        return redirect(url_for("accounts.signup_verify"))
    notice = _NOTICES.get(request.args.get("done", "")) if request.method == "GET" else None
    return _verify_page(user, marker, form=form, notice=notice,
                        status=400 if form.errors else 200)


def _resend(send, done: str):
    user, marker = _pending_user()
    form = SignupActionForm()
    if user is None or not awaits_verification(user) or not form.validate_on_submit():
        return redirect(url_for("accounts.signup_verify"))
    try:
        send(user)
    except ResendTooSoon as exc:
        db.session.rollback()
        page, status = _verify_page(user, marker, error=str(exc.description), status=429)
        response = current_app.make_response((page, status))
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    db.session.commit()
    return redirect(url_for("accounts.signup_verify", done=done))


@bp.route("/signup/verify/resend-code", methods=["POST"])
@limiter.limit(_setting("IDP_SIGNUP_RESEND_RATE_LIMIT"))
def signup_resend_code():
    return _resend(resend_signup_code, "code")


@bp.route("/signup/verify/resend-email", methods=["POST"])
@limiter.limit(_setting("IDP_SIGNUP_RESEND_RATE_LIMIT"))
def signup_resend_email():
    return _resend(resend_signup_email, "email")


@bp.route("/signup/verify/start-again", methods=["POST"])
def signup_start_again():
    """A wrong email or phone was typed: drop the pending account and show the form again,
    filled in with what was typed (but the password)."""
    user, marker = _pending_user()
    form = SignupActionForm()
    if user is None or not form.validate_on_submit():
        return redirect(url_for("accounts.signup"))
    progress = signup_progress(user)
    name = user.profile.name if user.profile else ""
    cancelled = cancel_signup(user)
    db.session.commit()
    session.pop(_PENDING, None)
    if not cancelled:
        return _to_login(user, marker)
    session[_PREFILL] = {"name": name, "email": progress.email, "phone": progress.phone}
    return redirect(url_for("accounts.signup", next=safe_next(marker.get("next"))))


# --- the page an email link opens ------------------------------------------------------------


@bp.route("/signup/verify-email", methods=["GET", "POST"])
@limiter.limit(_setting("IDP_SIGNUP_VERIFY_RATE_LIMIT"), methods=["POST"])
def signup_verify_email():
    """GET shows the address and a button; only the POST spends the link, so a mail scanner
    that fetches links cannot use it up (FR-UI-001-03)."""
    form = ConfirmLinkForm()
    token = request.args.get("token") if request.method == "GET" else form.token.data
    marker = _pending() or {}
    if request.method == "POST" and form.validate_on_submit():
        try:
            user, activated = confirm_signup_email(token)
        except VerificationFailed as exc:
            db.session.commit()  # the audit record of the refusal
            return _link_refused(exc, marker)
        db.session.commit()
        this_browser = marker.get("user") == user.id
        if activated and this_browser:
            return _finish(user, marker)
        if this_browser:
            return redirect(url_for("accounts.signup_verify", done="email_verified"))
        return render_template("accounts/signup_email_verified.html", user=user,
                               active=activated)
    try:
        user, address = check_email_link(token, purpose="signup")
    except VerificationFailed as exc:
        return _link_refused(exc, marker)
    form.token.data = token
    return render_template("accounts/verify_email.html", form=form, address=address)


def _link_refused(error: VerificationFailed, marker: dict):
    return render_template("accounts/verify_email_invalid.html", error=str(error.description),
                           finishing=bool(marker)), 400
