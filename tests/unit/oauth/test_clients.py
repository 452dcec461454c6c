"""Client registration metadata, shared by the CLI, the admin API and /register (RFC 7591 §2,
RFC 6749 §3.1.2, RFC 8252 §7)."""

import pytest

from idp.oauth.clients import ClientMetadata
from idp.oauth.clients import InvalidClientMetadata
from idp.oauth.clients import InvalidRedirectUri
from idp.oauth.clients import validate_client_metadata


def meta(**kw) -> ClientMetadata:
    values = {"name": "Booking web", "redirect_uris": ("https://booking.example/callback",)}
    values.update(kw)
    return ClientMetadata(**values)


def test_rfc7591_2_valid_metadata_is_returned_cleaned():
    cleaned = validate_client_metadata(meta(
        name="  Booking web ",
        redirect_uris=(" https://booking.example/callback", "https://booking.example/callback"),
        grant_types=("authorization_code", "refresh_token", "authorization_code"),
        scope="openid  email openid"))
    assert cleaned.name == "Booking web"
    assert cleaned.redirect_uris == ("https://booking.example/callback",)
    assert cleaned.grant_types == ("authorization_code", "refresh_token")
    assert cleaned.scope == "openid email"


@pytest.mark.parametrize("uri", [
    "https://booking.example/callback",
    "https://booking.example/callback?tenant=1",
    "https://booking.example:8443/cb",
    "http://127.0.0.1:8765/callback",
    "http://localhost/callback",
    "http://[::1]:8765/callback",
    "com.example.booking:/callback",
    "com.example.booking://callback",
])
def test_rfc8252_7_https_loopback_and_private_use_schemes_are_accepted(uri):
    assert validate_client_metadata(meta(redirect_uris=(uri,))).redirect_uris == (uri,)


@pytest.mark.parametrize("uri", [
    "https://booking.example/callback#fragment",
    "https://booking.example/callback#",
    "com.example.booking:/callback#x",
])
def test_rfc6749_3_1_2_redirect_uri_with_fragment_is_refused(uri):
    with pytest.raises(InvalidRedirectUri):
        validate_client_metadata(meta(redirect_uris=(uri,)))


@pytest.mark.parametrize("uri", [
    "http://booking.example/callback",
    "http://localhost.evil.example/callback",
    "http://127.0.0.1.evil.example/callback",
    "HTTP://booking.example/callback",
])
def test_rfc8252_8_3_plain_http_is_refused_except_on_loopback(uri):
    with pytest.raises(InvalidRedirectUri):
        validate_client_metadata(meta(redirect_uris=(uri,)))


@pytest.mark.parametrize("uri", [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "javascript://booking.example/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "vbscript:msgbox(1)",
    "myapp:/callback",
    "https:///callback",
    "https:callback",
    "//booking.example/callback",
    "/callback",
    "callback",
    "",
])
def test_rfc6749_3_1_2_dangerous_or_relative_redirect_uris_are_refused(uri):
    with pytest.raises(InvalidRedirectUri):
        validate_client_metadata(meta(redirect_uris=(uri,)))


def test_rfc6749_3_1_2_one_bad_uri_refuses_the_whole_registration():
    with pytest.raises(InvalidRedirectUri, match="javascript"):
        validate_client_metadata(meta(redirect_uris=("https://booking.example/callback",
                                                     "javascript:alert(1)")))


def test_rfc6749_3_1_2_2_authorization_code_needs_a_redirect_uri():
    with pytest.raises(InvalidRedirectUri):
        validate_client_metadata(meta(redirect_uris=()))


def test_rfc7591_2_client_credentials_service_needs_no_redirect_uri():
    cleaned = validate_client_metadata(meta(redirect_uris=(), grant_types=("client_credentials",),
                                            scope="bookings:read"))
    assert cleaned.redirect_uris == ()


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_rfc7591_2_client_name_is_required_and_bounded(name):
    with pytest.raises(InvalidClientMetadata):
        validate_client_metadata(meta(name=name))


@pytest.mark.parametrize("grant_types", [(), ("password",), ("implicit",),
                                         ("authorization_code", "urn:custom")])
def test_rfc7591_2_unknown_or_missing_grant_types_are_refused(grant_types):
    with pytest.raises(InvalidClientMetadata):
        validate_client_metadata(meta(grant_types=grant_types))


def test_rfc6749_2_1_public_client_cannot_use_client_credentials():
    with pytest.raises(InvalidClientMetadata):
        validate_client_metadata(meta(public=True,
                                      grant_types=("authorization_code", "client_credentials")))


def test_rfc6749_6_refresh_token_goes_with_authorization_code():
    with pytest.raises(InvalidClientMetadata):
        validate_client_metadata(meta(redirect_uris=(), grant_types=("refresh_token",
                                                                     "client_credentials")))


def test_rfc7591_3_2_2_redirect_uri_error_has_its_own_code():
    assert InvalidRedirectUri.code == "invalid_redirect_uri"
    assert InvalidClientMetadata.code == "invalid_client_metadata"
    assert issubclass(InvalidRedirectUri, InvalidClientMetadata)
