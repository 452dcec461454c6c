"""Guarding a Flask resource server's views with the identity provider's access tokens.

    resource = ResourceServer(app, issuer="https://id.example", audience="booking-platform")

    @app.post("/bookings")
    @require("bookings:create")
    def book():
        claims = current_claims()
        ...

401 with an RFC 6750 challenge without a valid token, 403 ``insufficient_permission`` when the
token lacks every permission named. Office scope: see ``offices_for``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import current_app
from flask import g
from flask import jsonify
from flask import request

from idp.resource.jwks import JwksUnavailable
from idp.resource.tokens import InvalidToken
from idp.resource.tokens import TokenVerifier

_EXTENSION_KEY = "idp.resource"


class ResourceServer:
    """The token verifier of a Flask app (``app.extensions["idp.resource"]``)."""

    def __init__(self, app=None, *, issuer: str, audience: str, jwks_url: str | None = None,
                 fetch_jwks: Callable[[], bytes] | None = None, leeway: float = 30):
        self.verifier = TokenVerifier(issuer=issuer, audience=audience, jwks_url=jwks_url,
                                      fetch_jwks=fetch_jwks, leeway=leeway)
        if app is not None:
            self.init_app(app)

    def init_app(self, app) -> None:
        app.extensions[_EXTENSION_KEY] = self


def _bearer_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _challenge(status: int, error: str | None, description: str):
    server = current_app.extensions[_EXTENSION_KEY]
    challenge = f'Bearer realm="{server.verifier.audience}"'
    if error:
        challenge += f', error="{error}"'
    response = jsonify(error=error or "invalid_token", error_description=description)
    response.status_code = status
    response.headers["WWW-Authenticate"] = challenge
    return response


def current_claims() -> dict | None:
    """The verified claims of the request's access token, or None."""
    if "idp_claims" not in g:
        token = _bearer_token()
        claims = None
        if token:
            try:
                claims = current_app.extensions[_EXTENSION_KEY].verifier.verify(token)
            except (InvalidToken, JwksUnavailable):
                claims = None
        g.idp_claims = claims
    return g.idp_claims


def has_permission(permission: str, claims: dict | None = None) -> bool:
    claims = current_claims() if claims is None else claims
    return bool(claims) and permission in (claims.get("permissions") or ())


def require(*permissions: str):
    """Decorator: a valid access token holding at least one of ``permissions`` (none named:
    any valid token)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if _bearer_token() is None:
                return _challenge(401, None, "An access token is required.")
            claims = current_claims()
            if claims is None:
                return _challenge(401, "invalid_token",
                                  "The access token is not valid or has expired.")
            if permissions and not any(has_permission(p, claims) for p in permissions):
                response = jsonify(error="insufficient_permission",
                                   error_description="This needs the "
                                   + " or ".join(permissions) + " permission.")
                response.status_code = 403
                return response
            return view(*args, **kwargs)

        return wrapper

    return decorator


def offices_for(permission: str, claims: dict | None = None) -> frozenset[str] | None:
    """The offices whose data ``permission`` lets the caller act on: None for every office
    (platform staff: the token has no ``office_id``), else a set (the caller's own office, and
    offices a grant was pinned to: ``office_permissions``), possibly empty.

    Use it for office-scoped permissions (docs/tokens.md lists them)."""
    claims = current_claims() if claims is None else claims
    if not claims:
        return frozenset()
    pinned = {office for office, names in (claims.get("office_permissions") or {}).items()
              if permission in names}
    if permission in (claims.get("permissions") or ()):
        if not claims.get("office_id"):
            return None
        pinned.add(claims["office_id"])
    return frozenset(pinned)


def may_act_on_office(permission: str, office_id: str, claims: dict | None = None) -> bool:
    offices = offices_for(permission, claims)
    return offices is None or office_id in offices
