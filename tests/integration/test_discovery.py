"""Provider metadata: OpenID Connect Discovery 1.0 and RFC 8414."""

from urllib.parse import urlsplit

import pytest
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from authlib.oidc.discovery import OpenIDProviderMetadata

from tests.flows import query_of

OPENID = "/.well-known/openid-configuration"
OAUTH = "/.well-known/oauth-authorization-server"

#: How each advertised endpoint is called: a request without credentials must reach it.
ENDPOINT_METHODS = {
    "authorization_endpoint": "get",
    "token_endpoint": "post",
    "userinfo_endpoint": "get",
    "jwks_uri": "get",
    "introspection_endpoint": "post",
    "revocation_endpoint": "post",
}


@pytest.fixture
def metadata(client):
    response = client.get(OPENID)
    assert response.status_code == 200
    return response.get_json()


@pytest.mark.parametrize("path", [OPENID, OAUTH])
def test_oidc_discovery_4_2_document_is_valid_provider_metadata(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    OpenIDProviderMetadata(response.get_json()).validate()


@pytest.mark.parametrize("path", [OPENID, OAUTH])
def test_rfc8414_3_2_document_is_valid_authorization_server_metadata(client, path):
    AuthorizationServerMetadata(client.get(path).get_json()).validate()


def test_rfc8414_3_both_well_known_paths_serve_one_document(client):
    assert client.get(OPENID).get_data() == client.get(OAUTH).get_data()


@pytest.mark.parametrize("path", [OPENID, OAUTH])
def test_oidc_discovery_4_3_issuer_equals_the_configured_issuer(client, app, path):
    assert client.get(path).get_json()["issuer"] == app.config["IDP_ISSUER"]


def test_rfc8414_2_every_advertised_endpoint_answers(client, app, metadata):
    issuer = app.config["IDP_ISSUER"]
    assert set(ENDPOINT_METHODS) <= set(metadata)
    for name, method in ENDPOINT_METHODS.items():
        url = metadata[name]
        assert url.startswith(issuer + "/"), (name, url)
        response = getattr(client, method)(urlsplit(url).path)
        assert response.status_code not in {404, 405}, (name, response.status_code)
    assert client.get(urlsplit(metadata["jwks_uri"]).path).status_code == 200


def test_rfc7636_4_3_only_s256_is_advertised(metadata):
    assert metadata["code_challenge_methods_supported"] == ["S256"]


def test_rfc8414_2_grant_types_supported_are_exactly_those_registered(flows, metadata):
    assert sorted(metadata["grant_types_supported"]) == [
        "authorization_code", "client_credentials", "refresh_token"]
    # Each advertised grant reaches its grant (which refuses this client); others are unknown.
    rp = flows.make_service(scope="bookings:read")
    for grant_type in metadata["grant_types_supported"]:
        error = flows.token(rp, {"grant_type": grant_type}).get_json().get("error")
        assert error != "unsupported_grant_type", grant_type
    for grant_type in ("password", "implicit",
                       "urn:ietf:params:oauth:grant-type:device_code"):
        response = flows.token(rp, {"grant_type": grant_type})
        assert response.get_json()["error"] == "unsupported_grant_type", grant_type


def test_rfc9207_2_authorization_response_iss_parameter_is_advertised_and_sent(flows, app,
                                                                              metadata):
    assert metadata["authorization_response_iss_parameter_supported"] is True
    user = flows.make_user()
    got = flows.code_for(flows.make_client(), user)
    assert got["query"]["iss"] == metadata["issuer"]
    denied = flows.authorize(flows.authorize_params(flows.make_client(name="Other"),
                                                    prompt="none"))
    assert query_of(denied.headers["Location"])["iss"] == metadata["issuer"]


def test_oidc_discovery_3_advertises_only_the_code_flow_and_rs256(metadata):
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["subject_types_supported"] == ["public"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert "openid" in metadata["scopes_supported"]
    assert "none" not in metadata["id_token_signing_alg_values_supported"]


def test_rfc8414_2_client_auth_methods_match_each_endpoint(metadata):
    # Public clients may revoke their own tokens (RFC 7009 §5) but never introspect.
    assert "none" in metadata["revocation_endpoint_auth_methods_supported"]
    assert "none" not in metadata["introspection_endpoint_auth_methods_supported"]
    assert {"client_secret_basic", "none"} <= set(
        metadata["token_endpoint_auth_methods_supported"])


def test_oidc_discovery_4_document_may_be_cached_and_read_cross_origin(client):
    response = client.get(OPENID)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in response.headers["Cache-Control"]
