"""Second-factor pages: the login's second step, enrolment (forced after the password, or from
the account's security page), recovery codes and trusted devices.

The login flow (FR-UI-002-03)::

    password ok ──► login_needs(user)
        session / trusted ──► start_session(amr=["pwd"], acr=password)
        verify ──► /login/verify  (code + method + "trust this device") ──► start_session(mfa)
        enrol  ──► /login/enrol   (TOTP QR, or SMS/email code) ──► start_session(mfa)
                                   ──► recovery codes shown once ──► next

Between the password and the second factor there is no session: the browser's signed form
cookie holds a random token naming a ``PendingLogin`` row, valid IDP_MFA_PENDING_SECONDS.
"""

from __future__ import annotations

import functools

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import get_flashed_messages
from flask import redirect
from flask import render_template
from flask import request
from flask import session as form_session
from flask import url_for

from idp import audit
from idp.accounts.services import get_user
from idp.audit import AuditEvent
from idp.errors import IdpError
from idp.extensions import db
from idp.extensions import limiter
from idp.mfa import codes
from idp.mfa import recovery
from idp.mfa import services
from idp.mfa import totp
from idp.mfa import trusted_devices
from idp.mfa.errors import MethodUnavailable
from idp.mfa.errors import PendingLoginMissing
from idp.mfa.errors import ResendTooSoon
from idp.mfa.errors import SecondFactorFailed
from idp.mfa.forms import ActionForm
from idp.mfa.forms import ConfirmCodeForm
from idp.mfa.forms import SecondStepForm
from idp.mfa.forms import SendCodeForm
from idp.mfa.models import MethodKind
from idp.oidc.authorize_checks import STEP_UP_MARK  # noqa: F401  (the login page reads it)
from idp.security import rate_limits
from idp.sessions.services import ACR_MFA
from idp.sessions.services import current_session
from idp.sessions.services import end_session
from idp.sessions.services import set_cookie
from idp.sessions.services import start_session

bp = Blueprint("mfa", __name__)

#: The form-cookie key of the half-done login: {"token", "user"}. Signed, not a session.
_PENDING = "mfa_pending"


def _setting(name: str):
    return lambda: current_app.config[name]


def _user_key() -> str:
    """Rate-limit key of the account a code is entered for (pending or signed in)."""
    pending = form_session.get(_PENDING) or {}
    if pending.get("user"):
        return "mfa-user:" + pending["user"]
    login = current_session()
    return f"mfa-user:{login.user_id}" if login else f"mfa-ip:{request.remote_addr}"


def _limit_code_entry(*, per_address: bool = True) -> None:
    """NFR-UI-002-03: count a POSTed code against the per-account limit (one allowance for
    the second step and the enrolment confirmations) and, unless told not to, the per-address
    one; one Redis round trip (``rate_limits.limit_many``). Raises TooManyAttempts."""
    limits = [("IDP_MFA_CODE_USER_RATE_LIMIT", ("idp:mfa-code", _user_key()))]
    if per_address:
        limits.append(("IDP_MFA_CODE_RATE_LIMIT",
                       ("idp:mfa-code:ip", request.remote_addr or "-")))
    rate_limits.limit_many(limits)


# --- entering the second step (called by accounts.login) --------------------------------------


def begin_second_step(user, *, needs: str, next_url: str | None, remember: bool,
                      purpose: str = "login", session_id: str | None = None):
    """The response after a right password (or a step-up) that needs a second factor: keep
    the half-done login, send a code if the first method is SMS or email, go to the second
    step (or to enrolment). Commits."""
    enrol = needs == services.LoginNeeds.ENROL
    token = services.begin_pending_login(user, purpose=purpose, enrol=enrol, next_url=next_url,
                                         remember=remember, session_id=session_id)
    form_session[_PENDING] = {"token": token, "user": user.id}
    methods = [] if enrol else services.offered_methods(
        user, services.kinds_read_by_login_needs(user))
    audit.record(AuditEvent.Mfa.Challenged, user_id=user.id, purpose=purpose, enrol=enrol,
                 methods=methods)
    if methods and methods[0] in codes.CHANNELS:
        try:
            services.send_login_code(user, methods[0])
        except ResendTooSoon:
            pass  # the code sent a moment ago still works
    db.session.commit()
    return redirect(url_for("mfa.enrol" if enrol else "mfa.second_step"))


def step_up(login, next_url: str | None):
    """A client asked acr_values for a second factor and the session has a password only:
    the second factor again (or enrolment), then a new session with acr mfa. Returns None
    when no step-up applies."""
    user = get_user(login.user_id)
    if user is None or login.acr == ACR_MFA:
        return None
    needs = services.login_needs(user, step_up=True)
    return begin_second_step(user, needs=needs, next_url=next_url, remember=login.remember,
                             purpose="step_up", session_id=login.id)


def _pending():
    """The half-done login of this browser and its user; raises PendingLoginMissing."""
    held = form_session.get(_PENDING) or {}
    pending = services.pending_login(held.get("token"))
    user = get_user(pending.user_id) if pending else None
    if pending is None or user is None or not user.is_active:
        raise PendingLoginMissing()
    return pending, user


def _complete_login(pending, user, amr: list[str], *, trust: bool, response=None):
    """Start the session the second factor earned; set its cookie on ``response`` (default:
    a redirect to where the login was going). Commits."""
    if not services.finish_pending_login(pending):
        raise PendingLoginMissing()
    previous = current_session()
    if previous is not None:
        end_session(previous, reason="new_login" if pending.purpose == "login" else "step_up")
    login, secret = start_session(user, amr=amr, acr=ACR_MFA, remember=pending.remember)
    if trust:
        trusted_devices.trust_this_device(user)
    audit.record(AuditEvent.Account.LoginSuccess, user_id=user.id, session_id=login.id,
                 amr=amr, step_up=pending.purpose == "step_up")
    form_session.pop(_PENDING, None)
    if response is None:
        response = redirect(pending.next_url or url_for("accounts.home"))
    set_cookie(response, login, secret)  # before the commit expires what it reads
    db.session.commit()
    return response


# --- the second step --------------------------------------------------------------------------


_NOTICES = {"code_sent": "code_sent"}


def _render_second_step(user, form, *, status: int = 200, error=None):
    method = form.method.data
    wait = (codes.resend_wait_seconds(user, method, "login")
            if method in codes.CHANNELS else 0)
    notices = [key for key in get_flashed_messages() if key in _NOTICES]
    return render_template(
        "mfa/verify.html", form=form, send_form=SendCodeForm(formdata=None), error=error,
        channels=[m for m in form.method.choices if m[0] in codes.CHANNELS],
        wait_seconds=wait, notices=notices,
        minutes=current_app.config["IDP_MFA_CODE_SECONDS"] // 60), status


@bp.route("/login/verify", methods=["GET", "POST"])
def second_step():
    if request.method == "POST":
        _limit_code_entry()
    try:
        pending, user = _pending()
    except PendingLoginMissing as exc:
        return render_template("mfa/expired.html", message=exc.description), 400
    if pending.enrol:
        return redirect(url_for("mfa.enrol"))
    rows = services.confirmed_method_rows(user)
    # A code posted by an app or a channel needs no count of the recovery codes left.
    posting_code = request.method == "POST" and request.form.get("method") in rows
    methods = services.offered_methods(user, rows, count_recovery=not posting_code)
    form = SecondStepForm(methods=methods)
    if request.method == "GET" and request.args.get("method") in methods:
        form.method.data = request.args["method"]
    if request.method == "POST" and form.validate_on_submit():
        try:
            amr = services.verify_second_factor(user, form.method.data, form.code.data,
                                                offered=methods, rows=rows)
        except (SecondFactorFailed, MethodUnavailable) as exc:
            db.session.commit()  # the spent attempt and its audit record stay
            form.code.errors = [*form.code.errors, exc.description]
        else:
            return _complete_login(pending, user, amr, trust=form.trust.data)
    if request.method == "POST":
        if posting_code:  # the page shown again offers the recovery codes too
            form.set_methods(services.offered_methods(user, rows))
        form.code.data = ""
        return _render_second_step(user, form, status=400)
    return _render_second_step(user, form)


@bp.route("/login/verify/send", methods=["POST"])
@limiter.limit(_setting("IDP_MFA_SEND_RATE_LIMIT"))
def send_code():
    try:
        _pending_row, user = _pending()
    except PendingLoginMissing as exc:
        return render_template("mfa/expired.html", message=exc.description), 400
    channel = request.form.get("send", "")
    methods = services.offered_methods(user)
    form = SecondStepForm(methods=methods)
    if not SendCodeForm().validate_on_submit() or channel not in methods:
        return _render_second_step(user, form, status=400)
    form.method.data = channel
    try:
        services.send_login_code(user, channel)
    except (ResendTooSoon, MethodUnavailable) as exc:
        db.session.rollback()
        return _render_second_step(user, form, status=429 if isinstance(
            exc, ResendTooSoon) else 400, error=exc.description)
    db.session.commit()
    flash("code_sent")
    return redirect(url_for("mfa.second_step", method=channel))


# --- enrolment: forced after the password, or from the security page --------------------------


def _enrolling():
    """(user, pending): the user enrolling and, when forced at login, the half-done login.

    Forced enrolment is only for a login marked so whose user still has no factor: someone
    who knows the password of an account with a factor cannot add their own."""
    if request.blueprint == "mfa" and request.path.startswith("/login/"):
        pending, user = _pending()
        if not pending.enrol or services.confirmed_methods(user):
            raise PendingLoginMissing()
        return user, pending
    login = current_session()
    user = get_user(login.user_id) if login else None
    return user, None


def _sign_in_redirect():
    return redirect(url_for("accounts.login", next=request.path))


def _enrolment_view(view):
    """Call ``view(user, pending)`` for the user enrolling (``_enrolling``); a login that is not
    waiting for an enrolment gets the expired page, nobody signed in the login page."""

    @functools.wraps(view)
    def wrapper():
        try:
            user, pending = _enrolling()
        except PendingLoginMissing as exc:
            return render_template("mfa/expired.html", message=exc.description), 400
        if user is None:
            return _sign_in_redirect()
        return view(user, pending)

    return wrapper


def _render_enrol(user, pending, *, form=None, status: int = 200, error=None):
    secret = uri = None
    if MethodKind.TOTP not in services.confirmed_methods(user):
        secret = services.start_totp_enrolment(user)
        db.session.commit()
        uri = totp.provisioning_uri(secret, services.totp_account_name(user))
    channels = [c for c in codes.CHANNELS if services.channel_address_verified(user, c)
                and c not in services.confirmed_methods(user)]
    return render_template(
        "mfa/enrol.html", form=form or ConfirmCodeForm(formdata=None), pending=pending,
        qr_svg=totp.qr_svg(uri, "otpauth") if uri else None,
        secret=totp.grouped(secret) if secret else None, uri=uri,
        channels=channels, send_form=SendCodeForm(formdata=None), error=error,
        totp_action=url_for("mfa.enrol" if pending else "mfa.enrol_totp"),
        channel_action=url_for("mfa.enrol_channel_forced" if pending else "mfa.enrol_channel"),
    ), status


def _enrolled(user, pending):
    """After a first factor is confirmed: a new set of recovery codes if the user has none,
    then the session (forced enrolment) and the page showing the codes once."""
    new_codes = None
    if not recovery.remaining_recovery_codes(user):
        new_codes = recovery.new_recovery_codes(user)
    db.session.commit()
    page = render_template(
        "mfa/recovery_codes.html", codes=new_codes,
        continue_url=(pending.next_url or url_for("accounts.home")) if pending
        else url_for("mfa.security"))
    if pending is None:
        if new_codes is None:
            flash("enrolled")
            return redirect(url_for("mfa.security"))
        return page
    amr = services.AMR[services.confirmed_methods(user)[0]]
    return _complete_login(pending, user, amr, trust=False,
                           response=current_app.make_response(page))


@bp.route("/login/enrol", methods=["GET", "POST"], endpoint="enrol")
@bp.route("/account/security/totp", methods=["GET", "POST"], endpoint="enrol_totp")
@_enrolment_view
def enrol(user, pending):
    if request.method == "POST":
        _limit_code_entry(per_address=False)
    if MethodKind.TOTP in services.confirmed_methods(user):
        return redirect(url_for("mfa.security"))
    form = ConfirmCodeForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.confirm_totp_enrolment(user, form.code.data)
        except (SecondFactorFailed, MethodUnavailable) as exc:
            db.session.commit()
            form.code.errors = [*form.code.errors, exc.description]
        else:
            return _enrolled(user, pending)
    if request.method == "POST":
        return _render_enrol(user, pending, form=form, status=400)
    return _render_enrol(user, pending)


@bp.route("/login/enrol/channel", methods=["POST"], endpoint="enrol_channel_forced")
@bp.route("/account/security/channel", methods=["POST"], endpoint="enrol_channel")
@limiter.limit(_setting("IDP_MFA_SEND_RATE_LIMIT"))
@_enrolment_view
def enrol_channel(user, pending):
    """Send a code to the verified phone or email to switch that channel on."""
    channel = request.form.get("send", "")
    if not SendCodeForm().validate_on_submit():
        return _render_enrol(user, pending, status=400)
    try:
        services.start_channel_enrolment(user, channel)
    except (ResendTooSoon, MethodUnavailable) as exc:
        db.session.rollback()
        if not isinstance(exc, ResendTooSoon):
            return _render_enrol(user, pending, status=400, error=exc.description)
        error = exc.description
    else:
        db.session.commit()
        error = None
    form = ConfirmCodeForm(formdata=None, data={"channel": channel})
    return _render_channel(user, pending, channel, form, error=error)


def _render_channel(user, pending, channel, form, *, status=200, error=None):
    return render_template(
        "mfa/enrol_channel.html", form=form, channel=channel, pending=pending, error=error,
        minutes=current_app.config["IDP_MFA_CODE_SECONDS"] // 60,
        action=url_for("mfa.confirm_channel_forced" if pending else "mfa.confirm_channel")
    ), status


@bp.route("/login/enrol/channel/confirm", methods=["POST"], endpoint="confirm_channel_forced")
@bp.route("/account/security/channel/confirm", methods=["POST"], endpoint="confirm_channel")
@_enrolment_view
def confirm_channel(user, pending):
    _limit_code_entry()
    form = ConfirmCodeForm()
    channel = form.channel.data
    if channel not in codes.CHANNELS:
        return _render_enrol(user, pending, status=400)
    if form.validate_on_submit():
        try:
            services.confirm_channel_enrolment(user, channel, form.code.data)
        except (SecondFactorFailed, MethodUnavailable) as exc:
            db.session.commit()
            form.code.errors = [*form.code.errors, exc.description]
        else:
            return _enrolled(user, pending)
    form.code.data = ""
    return _render_channel(user, pending, channel, form, status=400)


# --- the account's security page --------------------------------------------------------------

_SECURITY_NOTICES = ("enrolled", "removed", "untrusted")


@bp.route("/account/security")
def security():
    login = current_session()
    user = get_user(login.user_id) if login else None
    if user is None:
        return _sign_in_redirect()
    methods = services.confirmed_methods(user)
    devices = trusted_devices.trusted_devices(user)
    return render_template(
        "mfa/security.html", user=user, methods=methods, form=ActionForm(formdata=None),
        send_form=SendCodeForm(formdata=None),
        addable=[c for c in codes.CHANNELS if c not in methods
                 and services.channel_address_verified(user, c)],
        has_totp=MethodKind.TOTP in methods,
        required=services.required_by_role(user),
        recovery_left=recovery.remaining_recovery_codes(user),
        devices=[(d, trusted_devices.is_current_device(d)) for d in devices],
        notices=[k for k in get_flashed_messages() if k in _SECURITY_NOTICES])


def _signed_in_post():
    login = current_session()
    user = get_user(login.user_id) if login else None
    if user is None or not ActionForm().validate_on_submit():
        return None
    return user


@bp.route("/account/security/remove", methods=["POST"])
def remove_method():
    user = _signed_in_post()
    if user is None:
        return redirect(url_for("mfa.security"))
    try:
        services.disable_method(user, request.form.get("kind", ""))
    except IdpError as exc:
        db.session.rollback()
        return render_template("errors/page.html", message=exc.description, code=exc.code), 400
    db.session.commit()
    flash("removed")
    return redirect(url_for("mfa.security"))


@bp.route("/account/security/recovery-codes", methods=["POST"])
def regenerate_recovery_codes():
    user = _signed_in_post()
    if user is None or not services.confirmed_methods(user):
        return redirect(url_for("mfa.security"))
    new_codes = recovery.new_recovery_codes(user)
    db.session.commit()
    return render_template("mfa/recovery_codes.html", codes=new_codes,
                           continue_url=url_for("mfa.security"))


@bp.route("/account/security/devices/<device_id>/untrust", methods=["POST"])
def untrust_device(device_id: str):
    user = _signed_in_post()
    if user is not None and trusted_devices.untrust_device(user, device_id):
        db.session.commit()
        flash("untrusted")
    return redirect(url_for("mfa.security"))
