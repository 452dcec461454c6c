"""The account's sessions page and API (FR-UI-005-04/05), and OpenID logout (/logout)."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import g
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from idp import audit
from idp.accounts.services import get_user
from idp.audit import AuditEvent
from idp.extensions import csrf
from idp.extensions import db
from idp.oauth.bearer import current_claims
from idp.oauth.bearer import require_token
from idp.oauth.bearer import token_error
from idp.sessions import logout as oidc_logout
from idp.sessions import services
from idp.sessions.forms import EndSessionForm
from idp.sessions.forms import LogoutConfirmForm
from idp.sessions.user_agents import describe

bp = Blueprint("sessions", __name__)

#: The scope an access token needs for /api/account/sessions: any OpenID login of the user
#: (the token's ``sub``) may list and end that user's own sessions.
API_SCOPE = "openid"


@bp.record_once
def _init(state) -> None:
    services.init_app(state.app)
    oidc_logout.init_app(state.app)


def _session_view(login, current_id: str | None) -> dict:
    device = describe(login.user_agent)
    return {"id": login.id, "browser": device.browser, "os": device.os, "device": device.device,
            "ip": login.ip, "created_at": login.created_at, "last_seen_at": login.last_seen_at,
            "current": login.id == current_id}


# --- the sessions page ------------------------------------------------------------------------


def _signed_in_or_redirect():
    login = services.current_session()
    if login is None:
        return None, redirect(url_for("accounts.login", next=url_for("sessions.sessions_page")))
    return login, None


@bp.route("/account/sessions")
def sessions_page():
    login, to_login = _signed_in_or_redirect()
    if to_login:
        return to_login
    rows = [_session_view(row, login.id) for row in services.user_sessions(login.user_id)]
    return render_template("sessions/list.html", sessions=rows, form=EndSessionForm(),
                           ended=request.args.get("ended", type=int))


def _signed_out_page(session_ids: list[str], *, redirect_to: str | None = None, status=200):
    """The signed-out page: the cookie cleared, and the front-channel logout iframes of the
    clients of the sessions this browser ended (Front-Channel Logout §3)."""
    frames = [url for sid in session_ids for url in oidc_logout.frontchannel_urls(sid)]
    if redirect_to and not frames:
        response = redirect(redirect_to)
    else:
        response = current_app.make_response((render_template(
            "sessions/logged_out.html", frames=frames, redirect_to=redirect_to), status))
        if redirect_to:
            # No script runs under our CSP: the browser follows once the iframes had time.
            response.headers["Refresh"] = f"2; url={redirect_to}"
    g.csp_frame_src = sorted({oidc_logout.origin_of(url) for url in frames})
    services.clear_cookie(response)
    return response


@bp.route("/account/sessions/<session_id>/end", methods=["POST"])
def end_one(session_id: str):
    login, to_login = _signed_in_or_redirect()
    if to_login:
        return to_login
    if not EndSessionForm().validate_on_submit():
        abort(400)
    target = services.get_user_session(login.user_id, session_id)
    if target is None:
        abort(404)
    services.end_session(target, reason=services.REASON_ENDED_BY_USER)
    db.session.commit()
    if target.id == login.id:
        return _signed_out_page([login.id])
    return redirect(url_for("sessions.sessions_page", ended=1))


@bp.route("/account/sessions/end-others", methods=["POST"])
def end_others():
    login, to_login = _signed_in_or_redirect()
    if to_login:
        return to_login
    if not EndSessionForm().validate_on_submit():
        abort(400)
    ended = services.end_user_sessions(login.user_id, reason=services.REASON_ENDED_BY_USER,
                                       keep_session_id=login.id)
    db.session.commit()
    return redirect(url_for("sessions.sessions_page", ended=ended))


@bp.route("/account/sessions/end-all", methods=["POST"])
def end_all():
    login, to_login = _signed_in_or_redirect()
    if to_login:
        return to_login
    if not EndSessionForm().validate_on_submit():
        abort(400)
    services.end_user_sessions(login.user_id, reason=services.REASON_ENDED_BY_USER)
    db.session.commit()
    return _signed_out_page([login.id])


# --- the account API --------------------------------------------------------------------------


def _api_user_id():
    """The user the access token speaks for, or an error response (a client's own token,
    from client_credentials, has no sessions)."""
    claims = current_claims()
    if claims.get("sub") == claims.get("client_id") or get_user(claims.get("sub")) is None:
        return None, token_error(403, "insufficient_scope", "This token is not a user's.")
    return claims["sub"], None


def _json_session(row: dict) -> dict:
    return {**row, "created_at": row["created_at"].isoformat(),
            "last_seen_at": row["last_seen_at"].isoformat()}


@bp.route("/api/account/sessions", methods=["GET"])
@csrf.exempt
@require_token(API_SCOPE)
def api_list():
    user_id, refused = _api_user_id()
    if refused:
        return refused
    current_id = current_claims().get("sid")
    return jsonify(sessions=[_json_session(_session_view(row, current_id))
                             for row in services.user_sessions(user_id)])


@bp.route("/api/account/sessions/<session_id>", methods=["DELETE"])
@csrf.exempt
@require_token(API_SCOPE)
def api_end_one(session_id: str):
    user_id, refused = _api_user_id()
    if refused:
        return refused
    target = services.get_user_session(user_id, session_id)
    if target is None:
        return jsonify(error="not_found", error_description="No such session."), 404
    services.end_session(target, reason=services.REASON_ENDED_BY_USER)
    db.session.commit()
    return "", 204


@bp.route("/api/account/sessions", methods=["DELETE"])
@csrf.exempt
@require_token(API_SCOPE)
def api_end_many():
    """``?which=others`` (default: all but the token's own session, its ``sid``) or
    ``?which=all`` (FR-UI-005-05)."""
    user_id, refused = _api_user_id()
    if refused:
        return refused
    which = request.args.get("which", "others")
    if which not in {"others", "all"}:
        return jsonify(error="invalid_request",
                       error_description="which must be others or all."), 400
    keep = current_claims().get("sid") if which == "others" else None
    ended = services.end_user_sessions(user_id, reason=services.REASON_ENDED_BY_USER,
                                       keep_session_id=keep)
    db.session.commit()
    return jsonify(ended=ended)


# --- OpenID RP-Initiated Logout 1.0 (the end_session_endpoint) ---------------------------------

_RP_PARAMETERS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state",
                  "ui_locales", "logout_hint")


@bp.route("/logout", methods=["GET", "POST"])
@csrf.exempt  # §2: relying parties may POST here; our own confirmation is checked below
def logout():
    values = request.values
    confirmed = False
    if request.method == "POST":
        rp_post = "csrf_token" not in request.form and any(request.form.get(name)
                                                           for name in _RP_PARAMETERS)
        if not rp_post:
            csrf.protect()  # our confirmation form: a forged one answers 400
            confirmed = True
    if values.get("ui_locales"):
        g.ui_locales = values["ui_locales"].split()
    logout_request = oidc_logout.parse_logout_request(values)
    login = services.current_session()
    if login is None:  # nothing to end: back to the client, or the signed-out page
        return _signed_out_page([], redirect_to=logout_request.redirect_url())
    if not confirmed and not logout_request.hint_matches(login):
        form = LogoutConfirmForm(formdata=None, data=logout_request.as_form())
        client = None
        if logout_request.client_id:
            from idp.oauth.clients import get_client

            client = get_client(logout_request.client_id)
        return render_template("sessions/logout.html", form=form, client=client)
    services.end_session(login, reason=services.REASON_LOGOUT)
    audit.record(AuditEvent.Account.Logout, user_id=login.user_id, session_id=login.id,
                 client_id=logout_request.client_id)
    db.session.commit()
    return _signed_out_page([login.id], redirect_to=logout_request.redirect_url())
