"""The hosted login and logout pages, and the account home page."""

from __future__ import annotations

from urllib.parse import parse_qs
from urllib.parse import urlsplit

from flask import Blueprint
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
from idp.rbac import require_page
from idp.security import rate_limits
from idp.sessions.services import ACR_PASSWORD
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
@require_page("account:read")  # BR-UI-012
def home():
    login = current_session()
    user = get_user(login.user_id) if login else None
    return render_template("accounts/home.html", user=user, login=login, form=LogoutForm())


def _step_up(next_url: str | None):
    """The second factor alone, when the authorization request in ``next_url`` asks for it
    (acr_values) and the authorize checks found a password-only session (the mark they left
    names it): no password again (idp/oidc/authorize_checks.py ``check_acr_values``)."""
    from flask import session as form_session

    from idp.mfa.services import asks_mfa
    from idp.mfa.views import STEP_UP_MARK
    from idp.mfa.views import step_up

    if STEP_UP_MARK not in form_session:
        return None
    marked = form_session.pop(STEP_UP_MARK)
    login = current_session()
    if marked is None or login is None or marked != login.id or not asks_mfa(next_url):
        return None
    return step_up(login, next_url)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        rate_limits.limit_address("login", "IDP_LOGIN_RATE_LIMIT")  # NFR-UI-002-03
    # Before the form exists: building it fixes the language of its labels (OIDC ui_locales).
    next_url = safe_next(request.values.get("next"))
    _ui_locales_of(next_url)
    form = LoginForm()
    if request.method == "GET":
        stepping_up = _step_up(next_url)
        if stepping_up is not None:
            return stepping_up
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
            # FR-UI-002-03: a second factor when enrolled, required by a role or asked by the
            # client (acr_values); the session starts only after it (idp/mfa/views.py).
            from idp.mfa import services as mfa
            from idp.mfa.views import begin_second_step

            needs = mfa.login_needs(user, step_up=mfa.asks_mfa(next_url))
            if needs in (mfa.LoginNeeds.VERIFY, mfa.LoginNeeds.ENROL):
                return begin_second_step(user, needs=needs, next_url=next_url,
                                         remember=form.remember.data)
            previous = current_session()
            if previous is not None:
                end_session(previous, reason="new_login")
            session, secret = start_session(user, amr=["pwd"], acr=ACR_PASSWORD,
                                            remember=form.remember.data)
            audit.record(AuditEvent.Account.LoginSuccess, user_id=user.id, session_id=session.id)
            response = redirect(next_url or url_for("accounts.home"))
            set_cookie(response, session, secret)  # before the commit expires what it reads
            db.session.commit()
            return response
    form.password.data = ""
    return render_template("accounts/login.html", form=form, error=error)


# /logout (OpenID RP-Initiated Logout, the end_session_endpoint) is in idp/sessions/views.py.


from idp.accounts import password_views  # noqa: E402,F401  (registers routes)
from idp.accounts import profile_views  # noqa: E402,F401  (registers routes)
from idp.accounts import signup_views  # noqa: E402,F401  (registers routes)
