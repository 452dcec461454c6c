"""Our own access tokens as API credentials (RFC 6750): the account and admin APIs.

``require_token`` guards a view: the request must carry a valid, unrevoked access token of
ours whose user (when it has one) is still active; the claims are then in ``g.token_claims``.
"""

from __future__ import annotations

import functools

from flask import current_app
from flask import g
from flask import jsonify
from flask import request


def bearer_token() -> str | None:
    """The access token from the Authorization header, or the form body of a POST (RFC 6750
    §2.1, §2.2). None when there is none; "" when the header is not a Bearer one."""
    header = request.headers.get("Authorization")
    if header:
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else ""
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        return request.form.get("access_token")
    return None


def token_error(status: int, error: str | None, description: str | None = None,
                scope: str | None = None):
    """An RFC 6750 §3 answer: the challenge, and the JSON error body APIs use."""
    challenge = f'Bearer realm="{current_app.config["IDP_ISSUER"]}"'
    if error:
        challenge += f', error="{error}"'
    if scope:
        challenge += f', scope="{scope}"'
    body = {"error": error or "invalid_token",
            "error_description": description or "An access token is required."}
    response = jsonify(body)
    response.status_code = status
    response.headers["WWW-Authenticate"] = challenge
    response.headers["Cache-Control"] = "no-store"
    return response


def current_claims() -> dict | None:
    """The verified claims of the request's access token, or None."""
    if "token_claims" not in g:
        from idp.accounts.services import get_user
        from idp.oauth.access_tokens import verify_access_token

        claims = verify_access_token(bearer_token() or "")
        if claims is not None and claims.get("sub") != claims.get("client_id"):
            user = get_user(claims.get("sub"))
            if user is None or not user.is_active:
                claims = None
        g.token_claims = claims
    return g.token_claims


def require_token(scope: str | None = None):
    """Decorator: 401 without a valid access token, 403 ``insufficient_scope`` when the token
    lacks ``scope``."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if bearer_token() is None:
                return token_error(401, None)
            claims = current_claims()
            if claims is None:
                return token_error(401, "invalid_token",
                                   "The access token is not valid, has expired or was revoked.")
            if scope and scope not in claims.get("scope", "").split():
                return token_error(403, "insufficient_scope",
                                   f"The access token needs the {scope} scope.", scope=scope)
            return view(*args, **kwargs)

        return wrapper

    return decorator
