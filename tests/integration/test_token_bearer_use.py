"""Access tokens presented to UserInfo (RFC 6750, OIDC Core §5.3) and introspection (RFC 7662):
only unaltered, unexpired tokens we signed for a user are accepted (RFC 9068 §4)."""

import base64
import hashlib
import hmac
import json
from datetime import UTC
from datetime import datetime

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from freezegun import freeze_time


@pytest.fixture
def tokens(flows, user, rp):
    return flows.tokens_for(rp, user, scope="openid email")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def with_claims(token: str, **changes) -> str:
    """The same header and signature around an altered payload."""
    header, payload, signature = token.split(".")
    claims = {**json.loads(_unb64(payload)), **changes}
    return ".".join([header, _b64(json.dumps(claims).encode()), signature])


def resigned(token: str, *, key=None, algorithm="RS256") -> str:
    """The same header and claims, signed with a key that is not ours."""
    header = pyjwt.get_unverified_header(token)
    claims = pyjwt.decode(token, options={"verify_signature": False})
    if key is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return pyjwt.encode(claims, key, algorithm=algorithm,
                        headers={"kid": header["kid"], "typ": header["typ"]})


def assert_invalid_token(response):
    """RFC 6750 §3.1: 401 with a Bearer challenge naming invalid_token."""
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    assert 'error="invalid_token"' in challenge
    assert "sub" not in (response.get_json(silent=True) or {})


def test_rfc6750_3_valid_token_is_accepted_by_userinfo_and_introspection(flows, rp, tokens):
    assert flows.userinfo(tokens["access_token"]).status_code == 200
    assert flows.introspect(rp, tokens["access_token"]).get_json()["active"] is True


def test_rfc6750_3_1_userinfo_without_token_is_401_with_bearer_challenge(client):
    for method in ("get", "post"):
        response = getattr(client, method)("/userinfo")
        assert response.status_code == 401
        challenge = response.headers["WWW-Authenticate"]
        assert challenge.startswith("Bearer")
        # RFC 6750 §3.1: no error code when the request had no authentication at all.
        assert "error=" not in challenge


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer-x y"])
def test_rfc6750_2_1_malformed_authorization_header_is_refused(client, header):
    response = client.get("/userinfo", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_rfc6750_2_3_token_in_query_string_is_not_accepted(client, tokens):
    response = client.get("/userinfo?access_token=" + tokens["access_token"])
    assert response.status_code == 401


@pytest.mark.parametrize("change", [
    {"scope": "openid email phone profile roles"},
    {"sub": "someone-else"},
    {"exp": 4102444800},
    {"roles": ["admin"]},
])
def test_rfc9068_4_token_with_altered_claims_is_refused(flows, rp, tokens, change):
    forged = with_claims(tokens["access_token"], **change)
    assert_invalid_token(flows.userinfo(forged))
    assert flows.introspect(rp, forged).get_json() == {"active": False}


def test_rfc9068_4_token_with_one_flipped_payload_character_is_refused(flows, rp, tokens):
    header, payload, signature = tokens["access_token"].split(".")
    middle = len(payload) // 2
    flipped = payload[:middle] + ("A" if payload[middle] != "A" else "B") + payload[middle + 1:]
    forged = ".".join([header, flipped, signature])
    assert_invalid_token(flows.userinfo(forged))
    assert flows.introspect(rp, forged).get_json() == {"active": False}


def test_rfc9068_4_token_with_flipped_signature_is_refused(flows, rp, tokens):
    header, payload, signature = tokens["access_token"].split(".")
    forged = ".".join([header, payload, signature[:10] + ("A" if signature[10] != "A" else "B")
                       + signature[11:]])
    assert_invalid_token(flows.userinfo(forged))
    assert flows.introspect(rp, forged).get_json() == {"active": False}


def test_rfc9068_4_token_resigned_with_another_key_is_refused(flows, rp, tokens):
    forged = resigned(tokens["access_token"])
    assert_invalid_token(flows.userinfo(forged))
    assert flows.introspect(rp, forged).get_json() == {"active": False}


def test_rfc8725_3_1_token_with_alg_none_is_refused(flows, rp, tokens):
    header = json.loads(_unb64(tokens["access_token"].split(".")[0]))
    header["alg"] = "none"
    payload = tokens["access_token"].split(".")[1]
    forged = f"{_b64(json.dumps(header).encode())}.{payload}."
    assert_invalid_token(flows.userinfo(forged))
    assert flows.introspect(rp, forged).get_json() == {"active": False}


def test_rfc8725_3_1_token_hmac_signed_with_our_public_key_is_refused(flows, rp, tokens):
    kid = pyjwt.get_unverified_header(tokens["access_token"])["kid"]
    public = flows.jwks()[kid].key.public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
    header, payload, _ = tokens["access_token"].split(".")
    forged_header = _b64(json.dumps({"alg": "HS256", "kid": kid, "typ": "at+jwt"}).encode())
    signing_input = f"{forged_header}.{payload}".encode()
    signature = _b64(hmac.new(public, signing_input, hashlib.sha256).digest())
    forged = f"{forged_header}.{payload}.{signature}"
    assert_invalid_token(flows.userinfo(forged))
    assert flows.introspect(rp, forged).get_json() == {"active": False}


def test_rfc9068_2_1_id_token_is_not_accepted_as_access_token(flows, rp, user):
    tokens = flows.tokens_for(rp, user, scope="openid email")
    assert_invalid_token(flows.userinfo(tokens["id_token"]))


def test_rfc6750_3_1_expired_token_is_refused(flows, rp, user, app):
    with freeze_time(datetime.now(UTC).replace(microsecond=0)) as clock:
        tokens = flows.tokens_for(rp, user, scope="openid email")
        clock.tick(app.config["IDP_ACCESS_TOKEN_SECONDS"] + 1)
        assert_invalid_token(flows.userinfo(tokens["access_token"]))
        assert flows.introspect(rp, tokens["access_token"]).get_json() == {"active": False}


def test_oidc_core_5_3_client_credentials_token_has_no_user_for_userinfo(flows):
    service = flows.make_client(name="Service", redirect_uris=(), scope="openid bookings:read",
                                grant_types=("client_credentials",))
    response = flows.token(service, {"grant_type": "client_credentials",
                                     "scope": "openid bookings:read"})
    assert response.status_code == 200, response.get_json()
    access_token = response.get_json()["access_token"]
    assert "refresh_token" not in response.get_json()
    assert flows.introspect(service, access_token).get_json()["active"] is True
    assert_invalid_token(flows.userinfo(access_token))


def test_oidc_core_5_3_token_of_disabled_user_is_refused(flows, user, tokens):
    flows.set_user_status(user, "disabled")
    assert_invalid_token(flows.userinfo(tokens["access_token"]))


def test_rfc6750_3_1_token_without_openid_scope_is_insufficient_scope(flows, user):
    rp = flows.make_client(scope="openid email bookings:read")
    tokens = flows.tokens_for(rp, user, scope="bookings:read")
    response = flows.userinfo(tokens["access_token"])
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
