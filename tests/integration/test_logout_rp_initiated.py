"""OpenID Connect RP-Initiated Logout 1.0 at the end_session_endpoint (/logout)."""

from urllib.parse import urlencode

import pytest

from tests.flows import csrf_from
from tests.flows import query_of
from tests.integration.logout_steps import POST_LOGOUT_URI
from tests.integration.logout_steps import make_logout_client


@pytest.fixture
def rp(flows):
    return make_logout_client(flows.app)


def _signed_in(flows, rp) -> bool:
    response = flows.authorize(flows.authorize_params(rp, scope="openid", prompt="none"))
    return "code=" in response.headers.get("Location", "")


def test_rp_initiated_2_hint_of_this_session_logs_out_and_returns_with_state(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope="openid")
    response = flows.client.get("/logout?" + urlencode({
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": POST_LOGOUT_URI,
        "state": "af0ifjsldkj"}))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(POST_LOGOUT_URI + "?")
    assert query_of(location) == {"state": "af0ifjsldkj"}
    assert not _signed_in(flows, rp)


def test_rp_initiated_2_expired_hint_is_still_accepted(flows, user, rp, clock):
    tokens = flows.tokens_for(rp, user, scope="openid")
    clock.tick(flows.app.config["IDP_ID_TOKEN_SECONDS"] + 60)
    flows.client.get("/account/sessions")  # keeps the session from idling out meanwhile
    response = flows.client.post("/logout", data={
        "id_token_hint": tokens["id_token"], "client_id": rp["client_id"],
        "post_logout_redirect_uri": POST_LOGOUT_URI})  # §2: POST without our CSRF token
    assert response.status_code == 302
    assert response.headers["Location"] == POST_LOGOUT_URI


def test_rp_initiated_2_without_hint_asks_for_confirmation(flows, user, rp):
    flows.tokens_for(rp, user, scope="openid")
    query = {"client_id": rp["client_id"], "post_logout_redirect_uri": POST_LOGOUT_URI,
             "state": "xyz", "ui_locales": "en"}
    response = flows.client.get("/logout?" + urlencode(query))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Booking web asks to sign you out." in page
    assert _signed_in(flows, rp)  # nothing ended before the user says so

    response = flows.client.post("/logout", data={"csrf_token": csrf_from(page), **query})
    assert response.status_code == 302
    assert response.headers["Location"] == POST_LOGOUT_URI + "?state=xyz"
    assert not _signed_in(flows, rp)


def test_rp_initiated_2_ui_locales_sets_the_language_of_the_confirmation(flows, user, rp):
    flows.tokens_for(rp, user, scope="openid")
    page = flows.client.get("/logout?ui_locales=ar").get_data(as_text=True)
    assert 'lang="ar"' in page and 'dir="rtl"' in page


@pytest.mark.parametrize("uri", [
    "https://booking.example/signed-out/",  # not exactly the registered string
    "https://evil.example/signed-out",
    "https://booking.example/callback",  # a redirect_uri is not a post-logout one
])
def test_rp_initiated_3_unregistered_post_logout_redirect_uri_is_refused(flows, user, rp, uri):
    tokens = flows.tokens_for(rp, user, scope="openid")
    response = flows.client.get("/logout?" + urlencode({
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": uri}))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert _signed_in(flows, rp)


def test_rp_initiated_3_redirect_without_a_client_is_refused(flows, user, rp):
    flows.tokens_for(rp, user, scope="openid")
    response = flows.client.get("/logout?" + urlencode(
        {"post_logout_redirect_uri": POST_LOGOUT_URI}))
    assert response.status_code == 400


def test_rp_initiated_2_client_id_must_match_the_hints_audience(flows, user, rp):
    other = make_logout_client(flows.app, name="Other app")
    tokens = flows.tokens_for(rp, user, scope="openid")
    response = flows.client.get("/logout?" + urlencode({
        "id_token_hint": tokens["id_token"], "client_id": other["client_id"],
        "post_logout_redirect_uri": POST_LOGOUT_URI}))
    assert response.status_code == 400
    assert _signed_in(flows, rp)


@pytest.mark.parametrize("hint", ["not-a-jwt", "a.b.c"])
def test_rp_initiated_2_hint_we_did_not_sign_is_refused(flows, user, rp, hint):
    flows.tokens_for(rp, user, scope="openid")
    response = flows.client.get("/logout?" + urlencode({"id_token_hint": hint}))
    assert response.status_code == 400


def test_rp_initiated_2_access_token_is_not_a_hint(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope="openid")
    response = flows.client.get("/logout?" + urlencode({"id_token_hint": tokens["access_token"]}))
    assert response.status_code == 400


def test_rp_initiated_2_hint_of_another_session_asks_for_confirmation(flows, user, rp, app):
    from tests.flows import Flows

    tokens = flows.tokens_for(rp, user, scope="openid")
    other_device = Flows(app, app.test_client())
    other_device.tokens_for(rp, user, scope="openid")
    response = other_device.client.get("/logout?" + urlencode(
        {"id_token_hint": tokens["id_token"]}))
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert _signed_in(other_device, rp)


def test_rp_initiated_without_a_session_returns_to_the_client(flows, rp):
    response = flows.client.get("/logout?" + urlencode({
        "client_id": rp["client_id"], "post_logout_redirect_uri": POST_LOGOUT_URI,
        "state": "s1"}))
    assert response.status_code == 302
    assert response.headers["Location"] == POST_LOGOUT_URI + "?state=s1"


def test_discovery_advertises_logout(client):
    metadata = client.get("/.well-known/openid-configuration").get_json()
    assert metadata["end_session_endpoint"] == "http://localhost/logout"
    for name in ("backchannel_logout_supported", "backchannel_logout_session_supported",
                 "frontchannel_logout_supported", "frontchannel_logout_session_supported"):
        assert metadata[name] is True


def test_cli_registers_logout_uris(idp, app):
    result = idp("clients", "create", "--name", "Finance", "--redirect-uri",
                 "https://finance.example/cb", "--post-logout-redirect-uri",
                 "https://finance.example/bye", "--post-logout-redirect-uri",
                 "https://finance.example/bye2", "--backchannel-logout-uri",
                 "https://finance.example/bcl", "--frontchannel-logout-uri",
                 "https://finance.example/fcl", "--json")
    assert result.exit_code == 0, result.output
    import json

    from idp.oauth.clients import get_client

    with app.app_context():
        client = get_client(json.loads(result.stdout)["client_id"])
        assert client.post_logout_redirect_uris == ["https://finance.example/bye",
                                                    "https://finance.example/bye2"]
        assert client.backchannel_logout_uri == "https://finance.example/bcl"
        assert client.frontchannel_logout_uri == "https://finance.example/fcl"


def test_cli_refuses_a_logout_uri_with_a_fragment(idp):
    result = idp("clients", "create", "--name", "Finance", "--redirect-uri",
                 "https://finance.example/cb", "--backchannel-logout-uri",
                 "https://finance.example/bcl#x")
    assert result.exit_code != 0
