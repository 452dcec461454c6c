"""The AuthorizationServer: grants, endpoints, token generation, RFC 9207 ``iss``."""

from __future__ import annotations

import secrets

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749.authenticate_client import authenticate_none
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oauth2.rfc9207 import IssuerParameter
from flask import current_app
from flask import g

from idp.oauth import grants
from idp.oauth.clients import get_client
from idp.oauth.endpoints import IntrospectionEndpoint
from idp.oauth.endpoints import RevocationEndpoint
from idp.oauth.services import Subject
from idp.oauth.services import record_issued_tokens
from idp.oidc import keys
from idp.oidc.claims import authorization_claims
from idp.security.crypto import new_secret

_EXTENSION_KEY = "idp.authorization_server"


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 access tokens carrying ``roles``, ``permissions`` and ``office_id``; a refresh
    token only when ``offline_access`` was granted (OIDC Core §11)."""

    def get_jwks(self):
        return keys.signing_key_set()

    def get_jti(self, client, grant_type, user, scope):
        # 128 random bits from the OS in one call; Authlib's default draws 16 characters one by
        # one (a tenth of a client-credentials token's time). Kept for record_issued_tokens,
        # which otherwise decodes the token just signed to read it back.
        g.idp_access_jti = jti = secrets.token_urlsafe(16)
        return jti

    def get_audiences(self, client, user, scope):
        return current_app.config["IDP_ACCESS_TOKEN_AUDIENCE"]

    def get_auth_time(self, user):
        return int(user.auth_time.timestamp()) if isinstance(user, Subject) else None

    def get_acr(self, user):
        return user.acr if isinstance(user, Subject) else None

    def get_amr(self, user):
        return user.amr if isinstance(user, Subject) else None

    def get_extra_claims(self, client, grant_type, user, scope):
        if not isinstance(user, Subject):
            return {}
        claims = authorization_claims(user.user, client)
        if user.session_id:
            claims["sid"] = user.session_id
        return claims

    def generate(self, grant_type, client, user=None, scope=None, expires_in=None,
                 include_refresh_token=True):
        allowed = scope_to_list(self.get_allowed_scope(client, scope)) or []
        return super().generate(
            grant_type, client, user=user, scope=scope, expires_in=expires_in,
            include_refresh_token=include_refresh_token and "offline_access" in allowed,
        )


def authenticate_public_client(query_client, request):
    """Authlib's ``none``, refused when the Authorization header carries a secret: that client
    tried HTTP Basic and failed, which must end in 401 invalid_client (RFC 6749 §5.2)."""
    _client_id, secret = extract_basic_authorization(request.headers)
    if secret:
        return None
    return authenticate_none(query_client, request)


class Issuer(IssuerParameter):
    def get_issuer(self):
        return current_app.config["IDP_ISSUER"]


def init_app(app) -> None:
    # Lifetimes are set here explicitly: Authlib's defaults are days (RFC 9700 §2.2.2).
    app.config["OAUTH2_SCOPES_SUPPORTED"] = None  # each client's registration limits its scopes
    server = AuthorizationServer(app, query_client=get_client, save_token=record_issued_tokens)
    access_seconds = app.config["IDP_ACCESS_TOKEN_SECONDS"]
    server.register_token_generator("default", AccessTokenGenerator(
        issuer=app.config["IDP_ISSUER"],
        refresh_token_generator=lambda *args, **kwargs: new_secret(32),
        expires_generator=lambda client, grant_type: access_seconds,
    ))
    server.register_client_auth_method("none", authenticate_public_client)
    server.register_grant(grants.AuthorizationCodeGrant,
                          [grants.PKCE(required=True), grants.OpenIDCode(require_nonce=False)])
    server.register_grant(grants.RefreshTokenGrant)
    server.register_grant(grants.ClientCredentialsGrant)
    server.register_endpoint(IntrospectionEndpoint)
    server.register_endpoint(RevocationEndpoint)
    server.register_extension(Issuer())
    app.extensions[_EXTENSION_KEY] = server


def authorization_server() -> AuthorizationServer:
    return current_app.extensions[_EXTENSION_KEY]
