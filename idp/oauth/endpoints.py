"""Token introspection (RFC 7662) and revocation (RFC 7009) over our two kinds of token:
JWT access tokens (checked by signature, refused by jti once revoked) and opaque refresh tokens
(found by digest)."""

from __future__ import annotations

from dataclasses import dataclass

from authlib.oauth2.rfc6749 import UnsupportedTokenTypeError
from authlib.oauth2.rfc7009 import RevocationEndpoint as _RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint as _IntrospectionEndpoint

from idp.oauth import services
from idp.oauth.access_tokens import verify_access_token
from idp.oauth.models import Token

#: A confidential client registered with this scope may introspect any client's tokens (a
#: resource server); every other client only its own.
INTROSPECTION_SCOPE = "introspection"


@dataclass
class AccessToken:
    """A verified access token's claims, in the shape Authlib's endpoints expect."""

    claims: dict

    def check_client(self, client) -> bool:
        return self.claims.get("client_id") == client.get_client_id()

    def get_scope(self) -> str:
        return self.claims.get("scope", "")

    def is_expired(self) -> bool:
        return False  # verify_access_token refuses expired tokens

    def is_revoked(self) -> bool:
        return False  # verify_access_token refuses revoked tokens


def find_token(token: str, hint: str | None) -> AccessToken | Token | None:
    """Look the token up as the hinted type first, then as the other (RFC 7009 §2.1)."""
    kinds = ["refresh_token", "access_token"] if hint == "refresh_token" else [
        "access_token", "refresh_token"]
    for kind in kinds:
        if kind == "access_token":
            claims = verify_access_token(token)
            if claims is not None:
                return AccessToken(claims)
        else:
            row = services.find_refresh_token(token)
            if row is not None:
                return row
    return None


class TokenTypeHintCheck:
    """RFC 7009 §2.2.1: ``unsupported_token_type`` is an RFC 6749 §5.2 error, answered 400.
    Authlib sends 401, which tells a client its (valid) credentials were refused."""

    def check_params(self, request, client):
        try:
            super().check_params(request, client)
        except UnsupportedTokenTypeError as error:
            error.status_code = 400
            raise


class IntrospectionEndpoint(TokenTypeHintCheck, _IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string, token_type_hint):
        return find_token(token_string, token_type_hint)

    def check_permission(self, token, client, request):
        return token.check_client(client) or INTROSPECTION_SCOPE in client.scope.split()

    def introspect_token(self, token):
        if isinstance(token, AccessToken):
            return {**token.claims, "active": True, "token_type": "Bearer"}
        return {
            "active": True, "token_type": "refresh_token", "scope": token.scope,
            "client_id": token.client_id, "sub": token.user_id,
            "exp": int(token.refresh_expires_at.timestamp()),
            "iat": int(token.created_at.timestamp()),
        }


class RevocationEndpoint(TokenTypeHintCheck, _RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def query_token(self, token_string, token_type_hint):
        return find_token(token_string, token_type_hint)

    def revoke_token(self, token, request):
        if isinstance(token, AccessToken):
            services.revoke_access_token(token.claims)
        else:
            # RFC 7009 §2.1: revoking a refresh token also revokes the access tokens of its grant.
            services.revoke_family(token.family_id, reason="revocation_endpoint")
