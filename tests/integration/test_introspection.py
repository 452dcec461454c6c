"""Token introspection (RFC 7662) of JWT access tokens and opaque refresh tokens."""

import base64
import json

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from freezegun import freeze_time


def _forged(claims: dict, header: dict) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return pyjwt.encode(claims, key, algorithm="RS256", headers=header)


def test_rfc7662_2_1_request_without_client_auth_is_401_invalid_client(flows, user, rp, client):
    tokens = flows.tokens_for(rp, user)
    response = client.post("/introspect", data={"token": tokens["access_token"]})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert "active" not in response.get_json()


def test_rfc7662_2_1_wrong_secret_is_401_invalid_client(flows, user, rp):
    tokens = flows.tokens_for(rp, user)
    response = flows.introspect({**rp, "client_secret": "not-the-secret"},
                                tokens["access_token"])
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    assert "WWW-Authenticate" in response.headers


def test_rfc7662_2_1_public_client_cannot_introspect(flows, user, client):
    rp = flows.make_client(name="Mobile app", public=True,
                           redirect_uris=("com.example.booking:/callback",))
    tokens = flows.tokens_for(rp, user)
    response = client.post("/introspect", data={"token": tokens["access_token"],
                                                 "client_id": rp["client_id"]})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_rfc7662_2_1_missing_token_parameter_is_invalid_request(flows, rp):
    response = flows.endpoint("/introspect", rp, {})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_rfc7662_2_2_active_access_token_carries_its_claims(flows, user, rp, app):
    flows.grant_permissions("customer", "bookings:create", "bookings:read")
    tokens = flows.tokens_for(rp, user, scope="openid profile roles")
    response = flows.introspect(rp, tokens["access_token"])
    assert response.status_code == 200
    body = response.get_json()
    signed = flows.verify(tokens["access_token"], audience="booking-platform", typ="at+jwt")
    assert body["active"] is True
    assert body["token_type"] == "Bearer"  # RFC 6749 §7.1 token type
    assert body["scope"] == "openid profile roles"
    assert body["client_id"] == rp["client_id"]
    assert body["sub"] == user["id"]
    assert body["iss"] == app.config["IDP_ISSUER"]
    for claim in ("exp", "iat", "jti"):
        assert body[claim] == signed[claim]
    assert body["exp"] - body["iat"] == 600
    assert body["roles"] == ["customer"]
    assert {"bookings:create", "bookings:read"} <= set(body["permissions"])
    assert body["permissions"] == signed["permissions"]


def test_rfc7662_2_2_refresh_token_is_active_with_token_type_refresh_token(flows, user, rp):
    with freeze_time():
        tokens = flows.tokens_for(rp, user, scope="openid offline_access")
        body = flows.introspect(rp, tokens["refresh_token"]).get_json()
    assert body["active"] is True
    assert body["token_type"] == "refresh_token"
    assert body["client_id"] == rp["client_id"]
    assert body["sub"] == user["id"]
    assert body["scope"] == "openid offline_access"
    assert body["exp"] - body["iat"] == 30 * 24 * 3600


def test_rfc7662_2_2_expired_access_token_is_inactive(flows, user, rp):
    with freeze_time() as clock:
        tokens = flows.tokens_for(rp, user)
        clock.tick(599)
        assert flows.introspect(rp, tokens["access_token"]).get_json()["active"] is True
        clock.tick(2)
        response = flows.introspect(rp, tokens["access_token"])
    assert response.status_code == 200
    assert response.get_json() == {"active": False}


def test_rfc7662_2_2_expired_refresh_token_is_inactive(flows, user, rp):
    with freeze_time() as clock:
        tokens = flows.tokens_for(rp, user, scope="openid offline_access")
        clock.tick(30 * 24 * 3600 + 1)
        body = flows.introspect(rp, tokens["refresh_token"]).get_json()
    assert body == {"active": False}


def test_rfc7662_2_2_revoked_access_token_is_inactive(flows, user, rp):
    tokens = flows.tokens_for(rp, user)
    assert flows.revoke(rp, tokens["access_token"]).status_code == 200
    assert flows.introspect(rp, tokens["access_token"]).get_json() == {"active": False}


def test_rfc7662_2_2_rotated_refresh_token_is_inactive(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope="openid offline_access")
    rotated = flows.refresh(rp, tokens["refresh_token"]).get_json()
    assert flows.introspect(rp, tokens["refresh_token"]).get_json() == {"active": False}
    assert flows.introspect(rp, rotated["refresh_token"]).get_json()["active"] is True


@pytest.mark.parametrize("garbage", [
    "garbage", "a.b.c", "", "x" * 9000,
    "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",  # alg none
])
def test_rfc7662_2_2_garbage_is_inactive(flows, rp, garbage):
    response = flows.introspect(rp, garbage)
    assert response.status_code == 200
    assert response.get_json() == {"active": False}


def test_rfc7662_2_2_token_signed_by_unknown_key_is_inactive(flows, user, rp):
    tokens = flows.tokens_for(rp, user)
    header = pyjwt.get_unverified_header(tokens["access_token"])
    claims = pyjwt.decode(tokens["access_token"], options={"verify_signature": False})
    forged = _forged({**claims, "sub": "someone-else"}, {"typ": "at+jwt", "kid": header["kid"]})
    assert flows.introspect(rp, forged).get_json() == {"active": False}


def test_rfc7662_2_2_tampered_payload_is_inactive(flows, user, rp):
    tokens = flows.tokens_for(rp, user)
    head, payload, signature = tokens["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] += " admin"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"{head}.{forged_payload}.{signature}"
    assert flows.introspect(rp, forged).get_json() == {"active": False}


def test_rfc9068_2_1_id_token_is_not_an_active_access_token(flows, user, rp):
    tokens = flows.tokens_for(rp, user)
    assert flows.introspect(rp, tokens["id_token"]).get_json() == {"active": False}


def test_rfc7662_2_1_wrong_token_type_hint_still_finds_the_token(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope="openid offline_access")
    access = flows.introspect(rp, tokens["access_token"], token_type_hint="refresh_token")
    refresh = flows.introspect(rp, tokens["refresh_token"], token_type_hint="access_token")
    assert access.get_json()["token_type"] == "Bearer"
    assert refresh.get_json()["token_type"] == "refresh_token"


def test_rfc7662_4_client_cannot_introspect_another_clients_token(flows, user, rp):
    other = flows.make_client(name="Other app")
    tokens = flows.tokens_for(rp, user, scope="openid offline_access")
    for token in (tokens["access_token"], tokens["refresh_token"]):
        response = flows.introspect(other, token)
        assert response.status_code == 200
        assert response.get_json() == {"active": False}


def test_rfc7662_4_resource_server_with_introspection_scope_sees_any_token(flows, user, rp):
    resource_server = flows.make_service(scope="introspection")
    tokens = flows.tokens_for(rp, user, scope="openid offline_access")
    access = flows.introspect(resource_server, tokens["access_token"]).get_json()
    refresh = flows.introspect(resource_server, tokens["refresh_token"]).get_json()
    assert access["active"] is True and access["client_id"] == rp["client_id"]
    assert refresh["active"] is True and refresh["client_id"] == rp["client_id"]


def test_rfc7662_4_client_credentials_token_introspects_as_the_client(flows):
    service = flows.make_service(scope="bookings:read")
    token = flows.client_credentials(service).get_json()["access_token"]
    body = flows.introspect(service, token).get_json()
    assert body["active"] is True
    assert body["sub"] == body["client_id"] == service["client_id"]
    assert body["scope"] == "bookings:read"


def test_rfc7662_2_2_response_is_never_cached(flows, user, rp):
    tokens = flows.tokens_for(rp, user)
    for token in (tokens["access_token"], "garbage"):
        response = flows.introspect(rp, token)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Pragma"] == "no-cache"


def test_rfc7662_2_1_unsupported_hint_is_not_a_client_auth_failure(flows, user, rp):
    tokens = flows.tokens_for(rp, user)
    response = flows.introspect(rp, tokens["access_token"], token_type_hint="id_token")
    assert response.status_code == 400  # RFC 6749 §5.2: 401 is only for failed client auth
    assert response.get_json()["error"] == "unsupported_token_type"
