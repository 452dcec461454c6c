"""Authlib's grants with our storage hooks. The protocol stays in Authlib; each hook calls
``oauth/services.py``."""

from __future__ import annotations

import time

from authlib.oauth2.rfc6749 import InvalidGrantError
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from authlib.oidc.core import OpenIDCode as _OpenIDCode
from flask import current_app

from idp.accounts.services import get_user
from idp.oauth import services
from idp.oauth.clients import get_client
from idp.oidc import keys
from idp.oidc.claims import user_claims
from idp.sessions.services import current_session

#: Every client authenticates at the token endpoint with a secret, or, when public, not at all
#: ("none", added to Authlib's default) and then proves possession with PKCE.
USER_GRANT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


class PKCE(CodeChallenge):
    """RFC 7636 with S256 only, required of every client at the authorization endpoint
    (RFC 9700 §2.1.1: ``plain`` offers no protection if the request leaks)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    CODE_CHALLENGE_METHODS = {"S256": compare_s256_code_challenge}

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send 'code_challenge' with S256.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = USER_GRANT_AUTH_METHODS

    def save_authorization_code(self, code, request):
        services.save_authorization_code(code, request, current_session())

    def query_authorization_code(self, code, client):
        return services.redeem_code(code, client)

    def delete_authorization_code(self, authorization_code):
        pass  # already consumed, atomically, by redeem_code

    def authenticate_user(self, authorization_code):
        user = get_user(authorization_code.user_id)
        if user is None or not user.is_active:
            return None
        return services.subject_of(authorization_code, user)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = USER_GRANT_AUTH_METHODS
    #: Rotate on every use (RFC 9700 §4.14.2), so a stolen refresh token is detected on reuse.
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        return services.claim_refresh_token(refresh_token, self.request.client)

    def authenticate_user(self, refresh_token):
        user = get_user(refresh_token.user_id)
        if user is None or not user.is_active:
            # RFC 6749 §5.2: the grant is no longer valid (Authlib would say invalid_request).
            raise InvalidGrantError("The user of this refresh token cannot sign in.")
        return services.subject_of(refresh_token, user)

    def revoke_old_credential(self, refresh_token):
        pass  # already marked rotated, atomically, by claim_refresh_token


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class OpenIDCode(_OpenIDCode):
    """ID tokens (OIDC Core §3.1.3.6) signed RS256 by the active key, whose kid is in the
    header; ``sid`` names the login session (OIDC Back-Channel Logout §2.1)."""

    def exists_nonce(self, nonce, request):
        return services.nonce_used(request.payload.client_id, nonce)

    def resolve_client_private_key(self, client):
        return keys.active_key()

    def get_client_algorithm(self, client):
        return "RS256"

    def get_encode_header(self, client):
        return {"alg": "RS256", "kid": keys.active_key().kid}

    def get_client_claims(self, client):
        now = int(time.time())
        config = current_app.config
        return {"iss": config["IDP_ISSUER"], "aud": [client.get_client_id()], "iat": now,
                "exp": now + config["IDP_ID_TOKEN_SECONDS"]}

    def get_authorization_code_claims(self, authorization_code):
        claims = super().get_authorization_code_claims(authorization_code)
        if authorization_code.session_id:
            claims["sid"] = authorization_code.session_id
        return claims

    def generate_user_info(self, user, scope):
        return user_claims(user.user, scope, client=get_client(user.client_id))
