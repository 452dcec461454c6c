"""PKCE (RFC 7636) with S256 only, required of every client (RFC 9700 §2.1.1)."""

import base64
import hashlib

import pytest

from tests.flows import error_redirect
from tests.flows import pkce_pair


@pytest.fixture
def mobile(flows):
    return flows.make_client(name="Mobile app", public=True,
                             redirect_uris=("com.example.booking:/callback",))


def exchange_with_verifier(flows, rp, got, verifier, **kw):
    data = {"grant_type": "authorization_code", "code": got["query"]["code"],
            "redirect_uri": rp["redirect_uri"]}
    if verifier is not None:
        data["code_verifier"] = verifier
    return flows.token(rp, data, **kw)


# --- the authorization request (RFC 7636 §4.3, §4.4.1) ---


@pytest.mark.parametrize("logged_in", [False, True])
def test_rfc7636_4_4_1_missing_code_challenge_is_invalid_request(flows, user, rp, app,
                                                                  logged_in):
    if logged_in:
        flows.login(user["email"])
    params = flows.authorize_params(rp, code_challenge=None)
    query = error_redirect(flows.authorize(params), rp, params, app)
    assert query["error"] == "invalid_request"


def test_rfc7636_4_4_1_public_client_without_code_challenge_is_invalid_request(flows, mobile,
                                                                               app):
    params = flows.authorize_params(mobile, code_challenge=None, code_challenge_method=None)
    query = error_redirect(flows.authorize(params), mobile, params, app)
    assert query["error"] == "invalid_request"


def test_rfc9700_2_1_1_code_challenge_method_plain_is_invalid_request(flows, rp, app):
    verifier, _ = pkce_pair()
    params = flows.authorize_params(rp, code_challenge=verifier, code_challenge_method="plain")
    query = error_redirect(flows.authorize(params), rp, params, app)
    assert query["error"] == "invalid_request"


def test_rfc7636_4_3_missing_code_challenge_method_is_invalid_request(flows, rp, app):
    # Omitted means plain (RFC 7636 §4.3), which is not accepted.
    params = flows.authorize_params(rp, code_challenge_method=None)
    query = error_redirect(flows.authorize(params), rp, params, app)
    assert query["error"] == "invalid_request"


@pytest.mark.parametrize("method", ["s256", "S512", "SHA256"])
def test_rfc7636_4_4_1_unknown_code_challenge_method_is_invalid_request(flows, rp, app, method):
    params = flows.authorize_params(rp, code_challenge_method=method)
    query = error_redirect(flows.authorize(params), rp, params, app)
    assert query["error"] == "invalid_request"


@pytest.mark.parametrize("challenge", ["short", "a" * 129, "a" * 42 + "+/", "a" * 43 + "="])
def test_rfc7636_4_2_malformed_code_challenge_is_invalid_request(flows, rp, app, challenge):
    params = flows.authorize_params(rp, code_challenge=challenge)
    query = error_redirect(flows.authorize(params), rp, params, app)
    assert query["error"] == "invalid_request"


# --- the token request (RFC 7636 §4.5, §4.6) ---


def test_rfc7636_4_6_correct_verifier_gets_tokens(flows, user, rp):
    got = flows.code_for(rp, user)
    response = exchange_with_verifier(flows, rp, got, got["verifier"])
    assert response.status_code == 200, response.get_json()


def test_rfc7636_4_6_wrong_verifier_is_invalid_grant(flows, user, rp):
    got = flows.code_for(rp, user)
    other_verifier, _ = pkce_pair()
    response = exchange_with_verifier(flows, rp, got, other_verifier)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert "access_token" not in response.get_json()


def test_rfc7636_4_6_challenge_sent_as_verifier_is_invalid_grant(flows, user, rp):
    got = flows.code_for(rp, user)
    response = exchange_with_verifier(flows, rp, got, got["params"]["code_challenge"])
    assert response.get_json()["error"] == "invalid_grant"


def test_rfc7636_4_6_wrong_verifier_from_public_client_is_invalid_grant(flows, user, mobile):
    got = flows.code_for(mobile, user)
    response = exchange_with_verifier(flows, mobile, got, pkce_pair()[0], auth="none")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize("auth", ["basic", "none"])
def test_rfc7636_4_5_missing_verifier_is_invalid_request(flows, user, rp, mobile, auth):
    client = rp if auth == "basic" else mobile
    got = flows.code_for(client, user)
    response = exchange_with_verifier(flows, client, got, None, auth=auth)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.mark.parametrize("verifier", [
    "a" * 42,  # shorter than 43 characters
    "a" * 129,  # longer than 128
    "a" * 42 + "+",  # outside the unreserved characters
    "a" * 42 + " ",
])
def test_rfc7636_4_1_verifier_of_wrong_shape_is_refused(flows, user, rp, verifier):
    # The challenge is the verifier's own S256: only its shape is wrong.
    got = flows.code_for(rp, user, code_challenge=_s256(verifier))
    response = exchange_with_verifier(flows, rp, got, verifier)
    assert response.status_code == 400
    # RFC 6749 §5.2: a malformed parameter value is invalid_request (a well-formed verifier that
    # does not match is invalid_grant, RFC 7636 §4.6).
    assert response.get_json()["error"] == "invalid_request"
    assert "access_token" not in response.get_json()


def test_rfc7636_4_1_verifier_at_length_limits_is_accepted(flows, user, rp):
    for verifier in ("A" * 43, "~._-" * 32):
        got = flows.code_for(rp, user, code_challenge=_s256(verifier))
        response = exchange_with_verifier(flows, rp, got, verifier)
        assert response.status_code == 200, response.get_json()
