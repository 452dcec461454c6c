"""Provider metadata built from what is enabled (OIDC Discovery 1.0 §3, RFC 8414 §2)."""

import json

from idp.accounts.services import create_user
from idp.oidc.claims import SCOPES_SUPPORTED
from idp.oidc.claims import user_claims
from idp.oidc.discovery import CLAIMS_SUPPORTED
from idp.oidc.discovery import metadata_bytes
from idp.oidc.discovery import provider_metadata


def test_oidc_discovery_3_claims_supported_covers_every_userinfo_claim(ctx):
    user = create_user(email="amina@example.com", phone="+967771234567", password=None,
                       name="Amina Saleh", verified=True, locale="ar")
    user.office_id = "office-42"
    claims = user_claims(user, " ".join(SCOPES_SUPPORTED))
    assert set(claims) <= set(CLAIMS_SUPPORTED)


def test_oidc_discovery_3_scopes_supported_are_those_the_claims_understand(ctx):
    assert provider_metadata()["scopes_supported"] == list(SCOPES_SUPPORTED)


def test_rfc8414_2_endpoints_are_under_the_issuer(ctx, app):
    metadata = provider_metadata()
    for name, value in metadata.items():
        if name.endswith("_endpoint") or name == "jwks_uri":
            assert value.startswith(app.config["IDP_ISSUER"] + "/"), name


def test_metadata_is_serialised_once(ctx):
    first = metadata_bytes()
    assert metadata_bytes() is first
    assert json.loads(first) == provider_metadata()
