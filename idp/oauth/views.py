"""The authorization endpoint with its consent page, and the token, introspection and revocation
endpoints. The protocol is Authlib's; these views add the steps around it."""

from __future__ import annotations

from urllib.parse import urlencode

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc6749.util import scope_to_list
from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import lazy_gettext as _l

from idp import audit
from idp.accounts.services import get_user
from idp.audit import AuditEvent
from idp.extensions import csrf
from idp.extensions import db
from idp.oauth.clients import get_client
from idp.oauth.server import authorization_server
from idp.oauth.services import remember_consent
from idp.oidc.authorize_checks import AuthorizeContext
from idp.oidc.authorize_checks import run_authorize_checks
from idp.security import rate_limits
from idp.sessions.services import current_session

bp = Blueprint("oauth", __name__)

#: What each scope lets a client do, in the words the consent page uses.
SCOPE_DESCRIPTIONS = {
    "openid": _l("Confirm who you are"),
    "profile": _l("See your name and preferred language"),
    "email": _l("See your email address"),
    "phone": _l("See your phone number"),
    "roles": _l("See your roles and permissions on the platform"),
    "offline_access": _l("Stay connected when you are not using it"),
}


class AuthorizePageError(Exception):
    """An authorization request that cannot be sent back to the client: an unknown client or
    redirect URI must never be redirected to (RFC 6749 §4.1.2.1)."""

    def __init__(self, message, code="invalid_request"):
        super().__init__(str(message))
        self.message = message
        self.code = code


def _validated_redirect_uri(params) -> tuple[object, str]:
    client_id = params.get("client_id")
    if not client_id:
        raise AuthorizePageError(_l("The application did not say who it is (client_id is "
                                    "missing)."))
    client = get_client(client_id)
    if client is None:
        raise AuthorizePageError(_l("This application is not registered with us."),
                                 "invalid_client")
    if len(params.getlist("redirect_uri")) > 1:
        raise AuthorizePageError(_l("The request names more than one return address."))
    redirect_uri = params.get("redirect_uri")
    if redirect_uri:
        if not client.check_redirect_uri(redirect_uri):
            raise AuthorizePageError(_l("The return address is not registered for this "
                                        "application."))
        return client, redirect_uri
    if "openid" in scope_to_list(params.get("scope") or ""):
        # OIDC Core §3.1.2.1: redirect_uri is REQUIRED in OpenID requests.
        raise AuthorizePageError(_l("The request has no return address (redirect_uri)."))
    default = client.get_default_redirect_uri()
    if not default:
        raise AuthorizePageError(_l("The request has no return address (redirect_uri)."))
    return client, default


def _error_redirect(error: OAuth2Error, redirect_uri: str):
    """Send an error back to the client (RFC 6749 §4.1.2.1) with ``iss`` (RFC 9207)."""
    error.redirect_uri = error.redirect_uri or redirect_uri
    error.state = request.values.get("state")
    status, _body, headers = error()
    location = add_params_to_uri(dict(headers)["Location"],
                                 {"iss": current_app.config["IDP_ISSUER"]})
    return redirect(location, code=status)


def _error_page(message, code: str, status: int = 400):
    return render_template("errors/authorize.html", message=message, code=code), status


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    try:
        client, redirect_uri = _validated_redirect_uri(request.values)
    except AuthorizePageError as exc:
        return _error_page(exc.message, exc.code)
    server = authorization_server()
    login = current_session()
    user = get_user(login.user_id) if login else None
    if user is None or not user.is_active:
        login = user = None
    try:
        if not request.values.get("response_type"):
            # RFC 6749 §4.1.2.1: a missing required parameter is invalid_request (Authlib says
            # unsupported_response_type).
            raise InvalidRequestError("Missing 'response_type'.")
        grant = server.get_consent_grant(end_user=user)
        ctx = run_authorize_checks(AuthorizeContext(
            client=client, login=login, scope=grant.request.scope or "",
            params=request.values.to_dict(), next_params=request.args.to_dict(),
        ))
    except OAuth2Error as error:
        return _error_redirect(error, redirect_uri)
    if ctx.needs_login:
        next_url = url_for("oauth.authorize") + "?" + urlencode(ctx.next_params)
        login_args = {"next": next_url}
        if request.values.get("login_hint"):
            login_args["login_hint"] = request.values["login_hint"]
        return redirect(url_for("accounts.login", **login_args))
    if ctx.needs_consent and request.method == "GET":
        return _consent_page(client, ctx.scope, user)
    if ctx.needs_consent:
        decision = request.form.get("decision")
        if decision not in {"allow", "deny"}:
            return _consent_page(client, ctx.scope, user), 400
        if decision == "deny":
            audit.record(AuditEvent.OAuth.ConsentDenied, user_id=user.id, client_id=client.id,
                         session_id=login.id, result="failure")
            response = server.create_authorization_response(grant_user=None, grant=grant)
            db.session.commit()
            return response
        remember_consent(user.id, client.id, ctx.scope)
    response = server.create_authorization_response(grant_user=user, grant=grant)
    db.session.commit()
    return response


def _consent_page(client, scope: str, user):
    scopes = [(s, SCOPE_DESCRIPTIONS[s]) for s in scope_to_list(scope) or []
              if s in SCOPE_DESCRIPTIONS]
    others = [s for s in scope_to_list(scope) or [] if s not in SCOPE_DESCRIPTIONS]
    return render_template("oauth/consent.html", client=client, scopes=scopes, others=others,
                           user=user, action=request.full_path)


@bp.route("/token", methods=["POST"])
@csrf.exempt
def token():
    rate_limits.limit_token_request()  # NFR-UI-002-03: per address and per client
    response = authorization_server().create_token_response()
    # Also on errors: a spent code or a reused refresh token revokes its family, and that
    # revocation (with its audit record) must be kept. A client-credentials token (its client
    # cached) never opened a database session: none is made here just to find it empty.
    if db.session.registry.has():
        session = db.session()
        if session.in_transaction() or session.new or session.dirty or session.deleted:
            session.commit()
    return response


@bp.route("/introspect", methods=["POST"])
@csrf.exempt
def introspect():
    response = authorization_server().create_endpoint_response("introspection")
    db.session.rollback()
    return response


@bp.route("/revoke", methods=["POST"])
@csrf.exempt
def revoke():
    response = authorization_server().create_endpoint_response("revocation")
    db.session.commit()
    return response


@bp.after_request
def no_store(response):
    # RFC 6749 §5.1: responses that carry tokens or credentials must not be cached.
    if request.endpoint in {"oauth.token", "oauth.introspect", "oauth.revoke",
                            "oauth.authorize"}:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response
