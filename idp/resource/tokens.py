"""Verifying the identity provider's access tokens (RFC 9068) in a resource server."""

from __future__ import annotations

from collections.abc import Callable

import jwt

from idp.resource.jwks import KeySet
from idp.resource.jwks import http_fetcher

#: RFC 9068 §2.1: the ``typ`` header of a JWT access token.
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
#: The signature algorithms accepted: the identity provider signs with RS256.
ALGORITHMS = ("RS256",)
#: Claims every access token has (RFC 9068 §2.2).
REQUIRED_CLAIMS = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")


class InvalidToken(Exception):
    """The token is not a valid, unexpired access token of this issuer for this audience."""


class TokenVerifier:
    """Checks signature (by the JWKS), ``typ``, ``iss``, ``aud``, ``exp``.

    ``fetch_jwks`` returns the JWKS document's bytes; by default it is read from ``jwks_url``
    (normally ``{issuer}/jwks.json``) over HTTPS. ``leeway`` (seconds) absorbs clock skew.
    """

    def __init__(self, *, issuer: str, audience: str, jwks_url: str | None = None,
                 fetch_jwks: Callable[[], bytes] | None = None, leeway: float = 30,
                 key_set: KeySet | None = None):
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.leeway = leeway
        self.keys = key_set or KeySet(fetch_jwks or http_fetcher(
            jwks_url or f"{self.issuer}/jwks.json"))

    def verify(self, token: str) -> dict:
        """The token's claims; raises InvalidToken."""
        if not token or token.count(".") != 2 or len(token) > 16_384:
            raise InvalidToken("not a JWT")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        if str(header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES:
            raise InvalidToken("not an access token (typ)")  # e.g. an ID token
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken("algorithm not accepted")
        key = self.keys.get(header.get("kid"))
        if key is None:
            raise InvalidToken("unknown signing key")
        try:
            return jwt.decode(token, key.key, algorithms=list(ALGORITHMS),
                              audience=self.audience, issuer=self.issuer, leeway=self.leeway,
                              options={"require": list(REQUIRED_CLAIMS)})
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
