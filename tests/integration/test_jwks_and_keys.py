"""The published JWKS (RFC 7517) and signing-key rotation (OIDC Core §10.1.1)."""

import jwt as pyjwt
from freezegun import freeze_time

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def _kids(client) -> list[str]:
    return [key["kid"] for key in client.get("/jwks.json").get_json()["keys"]]


def _kid(token: str) -> str:
    return pyjwt.get_unverified_header(token)["kid"]


def _token_lifetime(app) -> int:
    config = app.config
    return max(config["IDP_ACCESS_TOKEN_SECONDS"], config["IDP_ID_TOKEN_SECONDS"]) + 60


def test_rfc7517_5_jwks_holds_only_public_rs256_signing_keys(flows, client):
    flows.rotate_keys()  # two keys published
    response = client.get("/jwks.json")
    assert response.status_code == 200
    assert response.mimetype == "application/jwk-set+json"
    keys = response.get_json()["keys"]
    assert len(keys) == 2
    for key in keys:
        assert key["kty"] == "RSA"
        assert key["alg"] == "RS256"
        assert key["use"] == "sig"
        assert key["kid"] and key["n"] and key["e"]
        assert not PRIVATE_MEMBERS & set(key), sorted(PRIVATE_MEMBERS & set(key))
    assert len({key["kid"] for key in keys}) == 2


def test_rfc7515_4_1_4_every_token_names_a_published_kid(flows, user, rp, client):
    tokens = flows.tokens_for(rp, user, scope="openid offline_access")
    refreshed = flows.refresh(rp, tokens["refresh_token"]).get_json()
    service = flows.make_service(scope="bookings:read")
    machine = flows.client_credentials(service).get_json()
    published = _kids(client)
    # OIDC Core §12.2: a refresh response might not contain an id_token.
    issued = [tokens["access_token"], tokens["id_token"], refreshed["access_token"],
              machine["access_token"]] + ([refreshed["id_token"]] if "id_token" in refreshed
                                          else [])
    for token in issued:
        assert _kid(token) in published


def test_oidc_core_10_1_1_rotation_signs_new_tokens_with_the_new_key(flows, user, rp, client):
    before = flows.tokens_for(rp, user)
    old_kid = _kid(before["access_token"])
    new_kid = flows.rotate_keys()
    assert new_kid != old_kid
    after = flows.tokens_for(rp, user)
    assert _kid(after["access_token"]) == _kid(after["id_token"]) == new_kid
    assert flows.verify(after["access_token"], audience="booking-platform", typ="at+jwt")
    assert set(_kids(client)) == {old_kid, new_kid}


def test_oidc_core_10_1_1_tokens_of_the_old_key_stay_valid_after_rotation(flows, user, rp,
                                                                          client):
    before = flows.tokens_for(rp, user)
    flows.rotate_keys()
    assert _kid(before["access_token"]) in _kids(client)
    claims = flows.verify(before["access_token"], audience="booking-platform", typ="at+jwt")
    assert claims["sub"] == user["id"]
    assert flows.verify(before["id_token"], audience=rp["client_id"])["sub"] == user["id"]
    assert flows.introspect(rp, before["access_token"]).get_json()["active"] is True
    assert flows.userinfo(before["access_token"]).status_code == 200


def test_oidc_core_10_1_1_retired_key_leaves_the_jwks_once_its_tokens_expired(app, flows, user,
                                                                             rp, client):
    with freeze_time() as clock:
        before = flows.tokens_for(rp, user)
        old_kid = _kid(before["access_token"])
        new_kid = flows.rotate_keys()  # the old key retires now
        clock.tick(_token_lifetime(app) - 1)
        assert set(_kids(client)) == {old_kid, new_kid}
        clock.tick(2)
        assert _kids(client) == [new_kid]
        assert flows.introspect(rp, before["access_token"]).get_json() == {"active": False}
        assert _kid(flows.tokens_for(rp, user)["access_token"]) == new_kid


def test_oidc_core_10_1_1_rotated_key_is_published_before_it_signs(app, flows, user, rp, client,
                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "IDP_KEY_ACTIVATION_DELAY_SECONDS", 30)
    with freeze_time() as clock:
        old_kid = _kid(flows.tokens_for(rp, user)["access_token"])
        new_kid = flows.rotate_keys()
        assert set(_kids(client)) == {old_kid, new_kid}
        waiting = flows.tokens_for(rp, user)
        assert _kid(waiting["access_token"]) == _kid(waiting["id_token"]) == old_kid
        clock.tick(31)
        active = flows.tokens_for(rp, user)
        assert _kid(active["access_token"]) == _kid(active["id_token"]) == new_kid
        assert set(_kids(client)) == {old_kid, new_kid}
        for token in (waiting["access_token"], active["access_token"]):
            assert flows.introspect(rp, token).get_json()["active"] is True


def test_jwks_response_is_prepared_once_per_cache_period(app, client, monkeypatch):
    from idp.oidc.keys import forget_cached_keys
    from idp.oidc.keys import jwks_bytes

    monkeypatch.setitem(app.config, "IDP_KEY_CACHE_SECONDS", 300)
    with app.app_context():
        forget_cached_keys()
        first = client.get("/jwks.json").get_data()
        assert client.get("/jwks.json").get_data() == first
        assert jwks_bytes() is jwks_bytes()
        assert jwks_bytes() == first


def test_jwks_may_be_cached_briefly_and_read_cross_origin(client):
    response = client.get("/jwks.json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in response.headers["Cache-Control"]
