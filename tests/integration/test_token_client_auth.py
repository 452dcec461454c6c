"""Client authentication at the token endpoint (RFC 6749 §2.3, §3.2.1, §5.2) and the caching
headers of every token response (RFC 6749 §5.1)."""

import base64

import pytest


@pytest.fixture
def mobile(flows):
    return flows.make_client(name="Mobile app", public=True,
                             redirect_uris=("com.example.booking:/callback",))


def basic(client_id: str, secret: str) -> dict:
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def code_request(rp, got) -> dict:
    return {"grant_type": "authorization_code", "code": got["query"]["code"],
            "redirect_uri": rp["redirect_uri"], "code_verifier": got["verifier"]}


def assert_invalid_client(response, *, basic_auth: bool):
    body = response.get_json()
    assert body["error"] == "invalid_client", body
    assert "access_token" not in body
    if basic_auth:
        # RFC 6749 §5.2: after an attempt with the Authorization header, 401 and a challenge for
        # the scheme the client used.
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic")
    else:
        assert response.status_code in {400, 401}


def test_rfc6749_2_3_1_client_secret_basic_authenticates(flows, user, rp):
    got = flows.code_for(rp, user)
    assert flows.exchange(rp, got, auth="basic").status_code == 200


def test_rfc6749_2_3_1_client_secret_post_authenticates(flows, user, rp):
    got = flows.code_for(rp, user)
    response = flows.exchange(rp, got, auth="post")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["access_token"]


def test_rfc6749_5_2_wrong_secret_with_basic_is_401_invalid_client_with_challenge(flows, user,
                                                                                  rp, client):
    got = flows.code_for(rp, user)
    response = client.post("/token", data=code_request(rp, got),
                           headers=basic(rp["client_id"], "wrong-secret"))
    assert_invalid_client(response, basic_auth=True)


def test_rfc6749_5_2_unknown_client_with_basic_is_401_invalid_client(flows, client):
    response = client.post("/token", data={"grant_type": "authorization_code", "code": "x"},
                           headers=basic("no-such-client", "secret"))
    assert_invalid_client(response, basic_auth=True)


def test_rfc6749_5_2_wrong_secret_with_post_is_invalid_client(flows, user, rp, client):
    got = flows.code_for(rp, user)
    data = {**code_request(rp, got), "client_id": rp["client_id"], "client_secret": "wrong"}
    assert_invalid_client(client.post("/token", data=data), basic_auth=False)


def test_rfc6749_5_2_wrong_secret_does_not_spend_the_code(flows, user, rp, client):
    got = flows.code_for(rp, user)
    client.post("/token", data=code_request(rp, got), headers=basic(rp["client_id"], "wrong"))
    assert flows.exchange(rp, got).status_code == 200


def test_rfc6749_3_2_1_confidential_client_without_secret_is_invalid_client(flows, user, rp):
    got = flows.code_for(rp, user)
    assert_invalid_client(flows.exchange(rp, got, auth="none"), basic_auth=False)


def test_rfc6749_3_2_1_another_clients_secret_is_invalid_client(flows, user, rp, client):
    other = flows.make_client(name="Other")
    got = flows.code_for(rp, user)
    response = client.post("/token", data=code_request(rp, got),
                           headers=basic(rp["client_id"], other["client_secret"]))
    assert_invalid_client(response, basic_auth=True)


def test_rfc6749_2_1_public_client_authenticates_with_client_id_alone(flows, user, mobile):
    got = flows.code_for(mobile, user)
    assert flows.exchange(mobile, got, auth="none").status_code == 200


def test_rfc6749_2_1_public_client_cannot_use_client_secret_post(flows, user, mobile, client):
    got = flows.code_for(mobile, user)
    data = {**code_request(mobile, got), "client_id": mobile["client_id"],
            "client_secret": "made-up"}
    assert_invalid_client(client.post("/token", data=data), basic_auth=False)


def test_rfc6749_2_1_public_client_cannot_use_client_secret_basic(flows, user, mobile, client):
    got = flows.code_for(mobile, user)
    response = client.post("/token", data=code_request(mobile, got),
                           headers=basic(mobile["client_id"], "made-up"))
    assert_invalid_client(response, basic_auth=True)


def test_rfc6749_2_3_public_client_with_failed_basic_and_client_id_is_invalid_client(
        flows, user, mobile, client):
    got = flows.code_for(mobile, user)
    data = {**code_request(mobile, got), "client_id": mobile["client_id"]}
    response = client.post("/token", data=data, headers=basic(mobile["client_id"], "made-up"))
    assert_invalid_client(response, basic_auth=True)


def test_rfc6749_5_2_disabled_client_is_invalid_client(flows, user, rp, app):
    from idp.extensions import db
    from idp.extensions import utcnow
    from idp.oauth.models import Client

    got = flows.code_for(rp, user)
    with app.app_context():
        db.session.get(Client, rp["client_id"]).disabled_at = utcnow()
        db.session.commit()
    assert_invalid_client(flows.exchange(rp, got), basic_auth=True)


# --- RFC 6749 §5.1: Cache-Control: no-store and Pragma: no-cache on every token response ---


def assert_not_cached(response):
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


def test_rfc6749_5_1_token_response_is_not_cached(flows, user, rp):
    got = flows.code_for(rp, user, scope="openid offline_access")
    response = flows.exchange(rp, got)
    assert response.status_code == 200
    assert_not_cached(response)
    refreshed = flows.refresh(rp, response.get_json()["refresh_token"])
    assert refreshed.status_code == 200
    assert_not_cached(refreshed)


def test_rfc6749_5_1_client_credentials_response_is_not_cached(flows):
    service = flows.make_client(name="Service", redirect_uris=(), scope="bookings:read",
                                grant_types=("client_credentials",))
    response = flows.token(service, {"grant_type": "client_credentials"})
    assert response.status_code == 200, response.get_json()
    assert_not_cached(response)


def test_rfc6749_5_1_token_error_responses_are_not_cached(flows, user, rp, client):
    got = flows.code_for(rp, user)
    responses = [
        client.post("/token", data=code_request(rp, got), headers=basic(rp["client_id"], "x")),
        flows.token(rp, {"grant_type": "authorization_code", "code": "unknown",
                         "redirect_uri": rp["redirect_uri"], "code_verifier": "x" * 43}),
        flows.token(rp, {"grant_type": "password"}),
        flows.token(rp, {"grant_type": "refresh_token", "refresh_token": "unknown"}),
        client.post("/token", data={}),
    ]
    for response in responses:
        assert response.status_code in {400, 401}, response.get_json()
        assert_not_cached(response)
