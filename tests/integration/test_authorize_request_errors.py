"""Authorization requests the endpoint refuses (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.2).

An unknown client or redirect URI gets a page and never a redirect; any other error goes back to
the registered redirect URI with ``error``, ``state`` and ``iss`` (RFC 9207).
"""

from urllib.parse import urlencode

import pytest

from tests.flows import REDIRECT_URI
from tests.flows import error_redirect


def assert_error_page(response):
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.mimetype == "text/html"


# --- errors that must not redirect (RFC 6749 §4.1.2.1, §3.1.2.4) ---


@pytest.mark.parametrize("client_id", ["no-such-client", "x" * 65, ""])
def test_rfc6749_4_1_2_1_unknown_client_id_shows_page_without_redirect(flows, rp, client_id):
    params = flows.authorize_params(rp, client_id=client_id)
    assert_error_page(flows.authorize(params))


def test_rfc6749_4_1_2_1_missing_client_id_shows_page_without_redirect(flows, rp):
    params = flows.authorize_params(rp)
    del params["client_id"]
    assert_error_page(flows.authorize(params))


def test_rfc6749_4_1_2_1_disabled_client_shows_page_without_redirect(flows, rp, app):
    from idp.extensions import db
    from idp.extensions import utcnow
    from idp.oauth.models import Client

    with app.app_context():
        db.session.get(Client, rp["client_id"]).disabled_at = utcnow()
        db.session.commit()
    assert_error_page(flows.authorize(flows.authorize_params(rp)))


@pytest.mark.parametrize("redirect_uri", [
    "https://evil.example/callback",
    REDIRECT_URI + "/",
    "https://BOOKING.example/callback",
    "https://booking.example/Callback",
    REDIRECT_URI + "?next=https://evil.example",
    REDIRECT_URI + "#fragment",
    "https://booking.example:443/callback",
    "http://booking.example/callback",
    "https://booking.example/callback/../callback",
])
def test_rfc9700_4_1_3_redirect_uri_not_exactly_registered_shows_page(flows, rp, redirect_uri):
    params = flows.authorize_params(rp, redirect_uri=redirect_uri)
    response = flows.authorize(params)
    assert_error_page(response)
    assert "evil.example" not in response.headers.get("Location", "")


def test_rfc6749_3_1_2_4_redirect_uri_registered_to_another_client_shows_page(flows, rp):
    other = flows.make_client(name="Other", redirect_uris=("https://other.example/cb",))
    params = flows.authorize_params(rp, redirect_uri=other["redirect_uri"])
    assert_error_page(flows.authorize(params))


def test_oidc_core_3_1_2_1_missing_redirect_uri_with_openid_shows_page(flows, rp):
    params = flows.authorize_params(rp, redirect_uri=None, scope="openid")
    assert "redirect_uri" not in params
    assert_error_page(flows.authorize(params))


def test_rfc6749_3_1_2_3_repeated_redirect_uri_shows_page(flows, rp, client):
    params = flows.authorize_params(rp)
    query = {k: v for k, v in params.items() if not k.startswith("_")}
    response = client.get("/authorize?" + urlencode(query) + "&"
                          + urlencode({"redirect_uri": "https://evil.example/cb"}))
    assert_error_page(response)


def test_rfc6749_4_1_2_1_unknown_client_page_is_shown_to_a_logged_in_user_too(flows, user, rp):
    flows.login(user["email"])
    assert_error_page(flows.authorize(flows.authorize_params(rp, client_id="no-such-client")))


# --- errors sent back to the client (RFC 6749 §4.1.2.1) ---


def test_rfc6749_4_1_2_1_unsupported_response_type_redirects_with_error(flows, rp, app):
    params = flows.authorize_params(rp, response_type="token")
    query = error_redirect(flows.authorize(params), rp, params, app)
    assert query["error"] == "unsupported_response_type"


def test_rfc6749_4_1_2_1_missing_response_type_is_invalid_request(flows, rp, app):
    params = flows.authorize_params(rp, response_type=None)
    query = error_redirect(flows.authorize(params), rp, params, app)
    assert query["error"] == "invalid_request"


def test_rfc6749_4_1_2_1_scope_not_registered_redirects_invalid_scope(flows, app):
    rp = flows.make_client(scope="openid email")
    params = flows.authorize_params(rp, scope="admin")
    query = error_redirect(flows.authorize(params), rp, params, app)
    assert query["error"] == "invalid_scope"


def test_rfc6749_4_1_2_1_error_redirect_keeps_state_exactly(flows, rp, app):
    params = flows.authorize_params(rp, response_type="token", state="a b&c=d/é")
    query = error_redirect(flows.authorize(params), rp, params, app)
    assert query["state"] == "a b&c=d/é"


@pytest.mark.parametrize("prompt", ["none login", "login none", "none consent"])
def test_oidc_core_3_1_2_1_prompt_none_with_other_values_is_invalid_request(flows, user, rp, app,
                                                                            prompt):
    params = flows.authorize_params(rp, prompt=prompt)
    query = error_redirect(flows.authorize(params), rp, params, app)
    assert query["error"] == "invalid_request"


def test_oidc_core_3_1_2_1_unknown_prompt_value_is_invalid_request(flows, rp, app):
    params = flows.authorize_params(rp, prompt="sudo")
    query = error_redirect(flows.authorize(params), rp, params, app)
    assert query["error"] == "invalid_request"


@pytest.mark.parametrize("max_age", ["-1", "abc", "1.5", "1e3", " 5", "99999999999"])
def test_oidc_core_3_1_2_1_invalid_max_age_is_invalid_request(flows, user, rp, app, max_age):
    flows.login(user["email"])
    params = flows.authorize_params(rp, max_age=max_age)
    query = error_redirect(flows.authorize(params), rp, params, app)
    assert query["error"] == "invalid_request"


def test_oidc_core_15_5_2_nonce_used_twice_by_one_client_is_invalid_request(flows, user, rp,
                                                                            app):
    flows.code_for(rp, user, nonce="one-time-nonce")
    params = flows.authorize_params(rp, nonce="one-time-nonce")
    query = error_redirect(flows.authorize(params), rp, params, app)
    assert query["error"] == "invalid_request"


def test_oidc_core_15_5_2_same_nonce_for_another_client_is_accepted(flows, user, rp):
    flows.code_for(rp, user, nonce="shared-nonce")
    other = flows.make_client(name="Other", redirect_uris=("https://other.example/cb",))
    got = flows.code_for(other, user, nonce="shared-nonce")
    assert got["query"]["code"]
