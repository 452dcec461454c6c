"""Provider metadata (OIDC Discovery 1.0 §3, RFC 8414 §2), built from what is really enabled."""

from __future__ import annotations

import json

from flask import current_app

from idp.oauth.endpoints import IntrospectionEndpoint
from idp.oauth.endpoints import RevocationEndpoint
from idp.oauth.grants import PKCE
from idp.oauth.grants import USER_GRANT_AUTH_METHODS
from idp.oauth.server import authorization_server
from idp.oidc.authorize_checks import PROMPT_VALUES
from idp.oidc.claims import SCOPES_SUPPORTED
from idp.sessions.services import ACR_VALUES

CLAIMS_SUPPORTED = (
    "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "at_hash",
    "name", "locale", "updated_at", "email", "email_verified", "phone_number",
    "phone_number_verified", "roles", "permissions", "office_id",
)


def provider_metadata() -> dict:
    issuer = current_app.config["IDP_ISSUER"]
    server = authorization_server()
    grant_types = sorted({cls.GRANT_TYPE for cls, _ in server._token_grants})
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks.json",
        "introspection_endpoint": f"{issuer}/introspect",
        "revocation_endpoint": f"{issuer}/revoke",
        "scopes_supported": list(SCOPES_SUPPORTED),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": grant_types,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": USER_GRANT_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": IntrospectionEndpoint.CLIENT_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": RevocationEndpoint.CLIENT_AUTH_METHODS,
        "code_challenge_methods_supported": PKCE.SUPPORTED_CODE_CHALLENGE_METHOD,
        "prompt_values_supported": list(PROMPT_VALUES),
        "claims_supported": list(CLAIMS_SUPPORTED),
        "acr_values_supported": list(ACR_VALUES),
        "ui_locales_supported": current_app.config["IDP_LOCALES"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        # OpenID RP-Initiated, Back-Channel and Front-Channel Logout 1.0 (idp/sessions/logout.py)
        "end_session_endpoint": f"{issuer}/logout",
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": True,
        "frontchannel_logout_session_supported": True,
    }


def metadata_bytes() -> bytes:
    """The document serialised once per worker: it changes only with the configuration."""
    cached = current_app.extensions.get("idp.discovery")
    if cached is None:
        cached = current_app.extensions["idp.discovery"] = json.dumps(
            provider_metadata(), separators=(",", ":")).encode()
    return cached
