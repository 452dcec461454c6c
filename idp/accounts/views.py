"""The hosted login and logout pages, and the account home page."""

from __future__ import annotations

from urllib.parse import parse_qs
from urllib.parse import urlsplit

from flask import Blueprint
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import lazy_gettext as _l

from idp import audit
from idp.accounts.errors import AccountNotActive
from idp.accounts.errors import LoginFailed
from idp.accounts.forms import LoginForm
from idp.accounts.forms import LogoutForm
from idp.accounts.services import authenticate
from idp.accounts.services import get_user
from idp.audit import AuditEvent
from idp.extensions import db
from idp.extensions import limiter
from idp.sessions.services import ACR_PASSWORD
from idp.sessions.services import clear_cookie
from idp.sessions.services import current_session
from idp.sessions.services import end_session
from idp.sessions.services import set_cookie
from idp.sessions.services import start_session

bp = Blueprint("accounts", __name__)


def safe_next(url: str | None) -> str | None:
    """``url`` if it is a path on this site, else None (no open redirect)."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    return url


def _ui_locales_of(next_url: str | None) -> None:
    """Carry the authorization request's ``ui_locales`` onto the login page."""
    if next_url:
        values = parse_qs(urlsplit(next_url).query).get("ui_locales")
        if values:
            g.ui_locales = values[0].split()


def user_of_session(_request=None):
    """Flask-Login's request loader: the user of the request's live login session."""
    login = current_session()
    return get_user(login.user_id) if login else None


@bp.route("/")
def home():
    login = current_session()
    user = get_user(login.user_id) if login else None
    return render_template("accounts/home.html", user=user, login=login, form=LogoutForm())


def _login_rate_limit() -> str:
    return current_app.config["IDP_LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def login():
    # Before the form exists: building it fixes the language of its labels (OIDC ui_locales).
    next_url = safe_next(request.values.get("next"))
    _ui_locales_of(next_url)
    form = LoginForm()
    if request.method == "GET":
        form.next.data = next_url or ""
        form.identifier.data = request.args.get("login_hint", "")
    error = None
    if form.validate_on_submit():
        try:
            user = authenticate(form.identifier.data, form.password.data)
        except (LoginFailed, AccountNotActive) as exc:
            db.session.commit()  # keep the attempt and its audit record
            error = exc.description
            if isinstance(exc, AccountNotActive):
                # Right password, signup not yet verified: finish verifying (BR-UI-003/004).
                from idp.accounts.signup_views import pending_signup_redirect

                pending = pending_signup_redirect(form.identifier.data, next_url)
                if pending is not None:
                    return pending
                # Right password, office application still under review (FR-UI-001-02).
                from idp.accounts.services import find_user
                from idp.offices.services import pending_application_of

                if pending_application_of(find_user(form.identifier.data)) is not None:
                    error = _l("Your office's application is being reviewed. You can sign in "
                               "once an administrator approves it.")
        else:
            previous = current_session()
            if previous is not None:
                end_session(previous, reason="new_login")
            session, secret = start_session(user, amr=["pwd"], acr=ACR_PASSWORD,
                                            remember=form.remember.data)
            audit.record(AuditEvent.Account.LoginSuccess, user_id=user.id, session_id=session.id)
            db.session.commit()
            response = redirect(next_url or url_for("accounts.home"))
            set_cookie(response, session, secret)
            return response
    form.password.data = ""
    return render_template("accounts/login.html", form=form, error=error)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    form = LogoutForm()
    login = current_session()
    if request.method == "POST" and form.validate_on_submit():
        if login is not None:
            end_session(login, reason="logout")
            audit.record(AuditEvent.Account.Logout, user_id=login.user_id, session_id=login.id)
            db.session.commit()
        response = current_app.make_response(render_template("accounts/logged_out.html"))
        clear_cookie(response)
        return response
    if login is None:
        return render_template("accounts/logged_out.html")
    return render_template("accounts/logout.html", form=form)


from idp.accounts import password_views  # noqa: E402,F401  (registers routes)
from idp.accounts import profile_views  # noqa: E402,F401  (registers routes)
from idp.accounts import signup_views  # noqa: E402,F401  (registers routes)
