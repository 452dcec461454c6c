"""Checking our own access tokens (RFC 9068) for introspection and userinfo."""

from __future__ import annotations

import time

from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError

from idp.oauth.clients import get_client
from idp.oauth.revocation_list import revocation_list
from idp.oidc.keys import public_key_set


def verify_access_token(token: str) -> dict | None:
    """The claims of a valid, unexpired, unrevoked access token we issued, or None.

    RFC 9068 §4: the ``typ`` header is ``at+jwt``, the signature verifies against a published
    key, ``iss`` is ours and ``exp`` is in the future; and the client it was issued to is still
    enabled.
    """
    if not token or token.count(".") != 2 or len(token) > 8192:
        return None
    try:
        decoded = jwt.decode(token, public_key_set(), algorithms=["RS256"])
    except (JoseError, ValueError):
        return None
    claims = decoded.claims
    if decoded.header.get("typ", "").lower() not in {"at+jwt", "application/at+jwt"}:
        return None
    if claims.get("iss") != current_app.config["IDP_ISSUER"]:
        return None
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= time.time() or not claims.get("jti"):
        return None
    if revocation_list().is_revoked(claims["jti"]):
        return None
    # A disabled (or deleted) client's tokens die with it, client-credentials ones included,
    # which are not stored (within IDP_CLIENT_CACHE_SECONDS on other workers).
    if get_client(claims.get("client_id")) is None:
        return None
    return claims
