"""The client contract Authlib's grants call: scopes (RFC 6749 §3.3), redirect URIs (RFC 9700
§4.1.3), authentication methods (RFC 6749 §2.3) and grant types."""

import pytest

from idp.extensions import utcnow
from idp.oauth.models import Client
from idp.security import crypto

REGISTERED = "openid profile email offline_access roles bookings:read"
REDIRECT_URIS = ["https://booking.example/callback", "com.example.booking:/callback",
                 "http://127.0.0.1:8765/callback"]


def make_client(**kw) -> Client:
    values = {"id": "booking-web", "name": "Booking web", "scope": REGISTERED,
              "redirect_uris": list(REDIRECT_URIS), "public": False,
              "grant_types": ["authorization_code", "refresh_token"],
              "token_endpoint_auth_method": "client_secret_basic"}
    values.update(kw)
    return Client(**values)


# --- get_allowed_scope (RFC 6749 §3.3) ---


@pytest.mark.parametrize(("requested", "allowed"), [
    ("openid email", "openid email"),
    ("email openid", "email openid"),
    ("openid admin email", "openid email"),
    ("openid email email openid", "openid email"),
    ("bookings:read", "bookings:read"),
    ("  openid   email ", "openid email"),
])
def test_rfc6749_3_3_allowed_scope_is_the_registered_part_of_the_request(requested, allowed):
    assert make_client().get_allowed_scope(requested) == allowed


@pytest.mark.parametrize("requested", ["admin", "bookings:write", "OPENID", "openid:email"])
def test_rfc6749_3_3_request_with_no_registered_scope_is_refused(requested):
    assert make_client().get_allowed_scope(requested) is None


@pytest.mark.parametrize("requested", [None, ""])
def test_rfc6749_3_3_omitted_scope_means_registered_scopes_without_openid_or_offline(requested):
    allowed = make_client().get_allowed_scope(requested).split()
    assert allowed == ["profile", "email", "roles", "bookings:read"]
    assert "openid" not in allowed and "offline_access" not in allowed


def test_rfc6749_3_3_client_registered_for_nothing_gets_nothing():
    client = make_client(scope="")
    assert client.get_allowed_scope("openid") is None
    assert client.get_allowed_scope(None) == ""


# --- check_redirect_uri and get_default_redirect_uri (RFC 6749 §3.1.2, RFC 9700 §4.1.3) ---


@pytest.mark.parametrize("uri", REDIRECT_URIS)
def test_rfc9700_4_1_3_registered_redirect_uri_matches(uri):
    assert make_client().check_redirect_uri(uri) is True


@pytest.mark.parametrize("uri", [
    "https://booking.example/callback/",
    "https://booking.example/callback?x=1",
    "https://booking.example/callback#x",
    "https://BOOKING.example/callback",
    "https://booking.example/CALLBACK",
    "https://booking.example/callbac",
    "https://booking.example/callback/extra",
    "https://booking.example:443/callback",
    "https://booking.example.evil.example/callback",
    "http://booking.example/callback",
    "com.example.booking:/callback/other",
    "http://127.0.0.1:8766/callback",
    "http://localhost:8765/callback",
    " https://booking.example/callback",
    "",
])
def test_rfc9700_4_1_3_redirect_uri_must_match_exactly(uri):
    assert make_client().check_redirect_uri(uri) is False


def test_rfc6749_3_1_2_3_default_redirect_uri_only_when_one_is_registered():
    assert make_client().get_default_redirect_uri() is None
    single = make_client(redirect_uris=["https://booking.example/callback"])
    assert single.get_default_redirect_uri() == "https://booking.example/callback"
    assert make_client(redirect_uris=[]).get_default_redirect_uri() is None


# --- client authentication (RFC 6749 §2.3) ---


@pytest.mark.parametrize("endpoint", ["token", "introspection", "revocation"])
def test_rfc6749_2_3_1_confidential_client_authenticates_with_a_secret_only(endpoint):
    client = make_client()
    assert client.check_endpoint_auth_method("client_secret_basic", endpoint)
    assert client.check_endpoint_auth_method("client_secret_post", endpoint)
    assert not client.check_endpoint_auth_method("none", endpoint)
    assert not client.check_endpoint_auth_method("private_key_jwt", endpoint)


def test_rfc7009_5_public_client_uses_none_at_token_and_revocation_but_cannot_introspect():
    client = make_client(public=True, token_endpoint_auth_method="none")
    assert client.check_endpoint_auth_method("none", "token")
    assert client.check_endpoint_auth_method("none", "revocation")
    assert not client.check_endpoint_auth_method("none", "introspection")
    assert not client.check_endpoint_auth_method("client_secret_basic", "token")
    assert not client.check_endpoint_auth_method("client_secret_post", "token")


def test_rfc6749_5_2_disabled_client_cannot_authenticate():
    client = make_client(disabled_at=utcnow())
    for method in ("client_secret_basic", "client_secret_post", "none"):
        assert not client.check_endpoint_auth_method(method, "token")


def test_rfc6749_2_3_1_client_secret_is_checked_against_its_keyed_digest(ctx):
    client = make_client(secret_digest=crypto.keyed_digest("the-secret"))
    assert client.check_client_secret("the-secret") is True
    assert client.check_client_secret("the-secret ") is False
    assert client.check_client_secret("") is False
    assert client.check_client_secret(client.secret_digest) is False


def test_rfc6749_2_1_public_client_never_accepts_a_secret(ctx):
    client = make_client(public=True, secret_digest=crypto.keyed_digest("left-over"))
    assert client.check_client_secret("left-over") is False
    assert make_client(secret_digest=None).check_client_secret("anything") is False


# --- response and grant types (RFC 6749 §4.1.1, §5.2 unauthorized_client) ---


def test_rfc6749_4_1_1_only_code_response_type_for_authorization_code_clients():
    client = make_client()
    assert client.check_response_type("code")
    for response_type in ("token", "id_token", "code id_token", "code token", ""):
        assert not client.check_response_type(response_type)
    service = make_client(grant_types=["client_credentials"])
    assert not service.check_response_type("code")


def test_rfc6749_5_2_grant_types_are_those_registered():
    client = make_client()
    assert client.check_grant_type("authorization_code")
    assert client.check_grant_type("refresh_token")
    assert not client.check_grant_type("client_credentials")
    assert not client.check_grant_type("password")
