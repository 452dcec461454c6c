"""Discovery, JWKS and UserInfo."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc6750 import InsufficientScopeError
from authlib.oauth2.rfc6750 import InvalidTokenError
from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request

from idp.accounts.snapshots import user_snapshot
from idp.extensions import csrf
from idp.oauth.access_tokens import verify_access_token
from idp.oauth.bearer import bearer_token
from idp.oauth.clients import get_client
from idp.oidc.claims import user_claims
from idp.oidc.discovery import metadata_bytes
from idp.oidc.keys import jwks_bytes

bp = Blueprint("oidc", __name__)


@bp.route("/.well-known/openid-configuration")
@bp.route("/.well-known/oauth-authorization-server")
def discovery():
    return Response(metadata_bytes(), mimetype="application/json",
                    headers={"Cache-Control": "public, max-age=300",
                             "Access-Control-Allow-Origin": "*"})


@bp.route("/jwks.json")
def jwks():
    return Response(jwks_bytes(), mimetype="application/jwk-set+json",
                    headers={"Cache-Control": "public, max-age=60",
                             "Access-Control-Allow-Origin": "*"})


def _oauth_error(error):
    status, body, headers = error()
    return Response(body if isinstance(body, str) else jsonify(dict(body)).get_data(),
                    status=status, headers=headers, mimetype="application/json")


@bp.route("/userinfo", methods=["GET", "POST"])
@csrf.exempt
def userinfo():
    """OIDC Core §5.3: the claims of the token's scopes about the token's user."""
    realm = current_app.config["IDP_ISSUER"]
    if request.headers.get("Authorization") and request.method == "POST" and \
            "access_token" in request.form:
        # RFC 6750 §3.1: more than one method of sending the token is an invalid request.
        return _oauth_error(InvalidRequestError("Send the access token one way only."))
    token = bearer_token()
    if token is None:
        # RFC 6750 §3.1: a request with no credentials gets the challenge without an error code.
        return Response(status=401, headers={"WWW-Authenticate": f'Bearer realm="{realm}"'})
    claims = verify_access_token(token)
    user = user_snapshot(claims["sub"]) if claims else None
    if claims is None or user is None or not user.is_active:
        return _oauth_error(InvalidTokenError(realm=realm))
    if "openid" not in claims.get("scope", "").split():
        response = _oauth_error(InsufficientScopeError())
        # RFC 6750 §3: a token that does not enable access MUST get the challenge too.
        response.headers["WWW-Authenticate"] = (
            f'Bearer realm="{realm}", error="insufficient_scope", scope="openid"')
        return response
    response = jsonify(dict(user_claims(user, claims["scope"],
                                        client=get_client(claims.get("client_id")))))
    response.headers["Cache-Control"] = "no-store"
    return response
