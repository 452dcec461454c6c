"""Refresh tokens: issued only for ``offline_access`` (OIDC Core §11), rotated on every use with
reuse detection (RFC 9700 §4.14.2), scope kept or narrowed (RFC 6749 §6)."""

import threading
from datetime import UTC
from datetime import datetime

import pytest
from freezegun import freeze_time

from tests.flows import Flows

OFFLINE = "openid email phone offline_access"


def assert_invalid_grant(response):
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"] == "invalid_grant"
    assert "access_token" not in response.get_json()


def active(flows, rp, token) -> bool:
    return flows.introspect(rp, token).get_json()["active"]


def test_oidc_core_11_no_refresh_token_without_offline_access(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope="openid email")
    assert "refresh_token" not in tokens
    assert tokens["access_token"]


def test_oidc_core_11_refresh_token_with_offline_access(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope=OFFLINE)
    assert tokens["refresh_token"]
    assert "offline_access" in tokens["scope"].split()


def test_oidc_core_11_no_refresh_token_when_client_not_registered_for_offline_access(flows,
                                                                                     user):
    rp = flows.make_client(scope="openid email")
    tokens = flows.tokens_for(rp, user, scope="openid email offline_access")
    assert "refresh_token" not in tokens
    assert "offline_access" not in tokens["scope"].split()


def test_rfc9700_4_14_2_each_refresh_returns_a_new_refresh_token(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope=OFFLINE)
    seen = {tokens["refresh_token"]}
    access = {tokens["access_token"]}
    refresh_token = tokens["refresh_token"]
    for _ in range(3):
        response = flows.refresh(rp, refresh_token)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["refresh_token"] not in seen
        assert body["access_token"] not in access
        claims = flows.verify(body["access_token"], audience="booking-platform", typ="at+jwt")
        assert claims["sub"] == user["id"]
        seen.add(body["refresh_token"])
        access.add(body["access_token"])
        refresh_token = body["refresh_token"]


def test_rfc9700_4_14_2_rotated_refresh_token_is_refused(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope=OFFLINE)
    assert flows.refresh(rp, tokens["refresh_token"]).status_code == 200
    assert_invalid_grant(flows.refresh(rp, tokens["refresh_token"]))


def test_rfc9700_4_14_2_reused_refresh_token_revokes_the_whole_family(flows, user, rp):
    first = flows.tokens_for(rp, user, scope=OFFLINE)
    second = flows.refresh(rp, first["refresh_token"]).get_json()
    third = flows.refresh(rp, second["refresh_token"]).get_json()
    assert active(flows, rp, third["access_token"])

    assert_invalid_grant(flows.refresh(rp, first["refresh_token"]))  # replay by an attacker

    assert_invalid_grant(flows.refresh(rp, third["refresh_token"]))  # the newest is dead too
    for tokens in (first, second, third):
        assert not active(flows, rp, tokens["access_token"])
        assert flows.userinfo(tokens["access_token"]).status_code == 401
    assert not active(flows, rp, third["refresh_token"])


def test_rfc9700_4_14_2_reuse_in_one_family_leaves_other_families_alone(flows, user, rp):
    other = flows.tokens_for(rp, user, scope=OFFLINE)
    tokens = flows.tokens_for(rp, user, scope=OFFLINE)
    flows.refresh(rp, tokens["refresh_token"])
    assert_invalid_grant(flows.refresh(rp, tokens["refresh_token"]))
    assert active(flows, rp, other["access_token"])
    assert flows.refresh(rp, other["refresh_token"]).status_code == 200


def test_rfc6749_6_refresh_keeps_the_granted_scope(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope=OFFLINE)
    body = flows.refresh(rp, tokens["refresh_token"]).get_json()
    assert set(body["scope"].split()) == set(OFFLINE.split())
    claims = flows.verify(body["access_token"], audience="booking-platform")
    assert set(claims["scope"].split()) == set(OFFLINE.split())


def test_rfc6749_6_refresh_may_narrow_the_scope(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope=OFFLINE)
    response = flows.token(rp, {"grant_type": "refresh_token",
                                "refresh_token": tokens["refresh_token"],
                                "scope": "openid email offline_access"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body["scope"].split()) == {"openid", "email", "offline_access"}
    claims = flows.verify(body["access_token"], audience="booking-platform")
    assert "phone" not in claims["scope"].split()
    userinfo = flows.userinfo(body["access_token"]).get_json()
    assert "phone_number" not in userinfo and userinfo["email"] == user["email"]


def test_rfc6749_6_new_refresh_token_keeps_the_scope_of_the_one_presented(flows, user, rp):
    # "If a new refresh token is issued, the refresh token scope MUST be identical to that of
    # the refresh token included by the client in the request."
    tokens = flows.tokens_for(rp, user, scope=OFFLINE)
    narrowed = flows.token(rp, {"grant_type": "refresh_token",
                                "refresh_token": tokens["refresh_token"],
                                "scope": "openid offline_access"}).get_json()
    response = flows.refresh(rp, narrowed["refresh_token"])
    assert response.status_code == 200, response.get_json()
    assert set(response.get_json()["scope"].split()) == set(OFFLINE.split())


@pytest.mark.parametrize("scope", ["openid email phone offline_access profile",
                                   "openid roles", "admin"])
def test_rfc6749_6_refresh_cannot_widen_the_scope(flows, user, rp, scope):
    tokens = flows.tokens_for(rp, user, scope=OFFLINE)
    response = flows.token(rp, {"grant_type": "refresh_token",
                                "refresh_token": tokens["refresh_token"], "scope": scope})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_scope"
    assert "access_token" not in response.get_json()


def test_rfc6749_6_refresh_token_of_another_client_is_invalid_grant(flows, user, rp):
    other = flows.make_client(name="Other")
    tokens = flows.tokens_for(rp, user, scope=OFFLINE)
    assert_invalid_grant(flows.refresh(other, tokens["refresh_token"]))
    # The owner's token was not spent or revoked by the other client's attempt.
    assert flows.refresh(rp, tokens["refresh_token"]).status_code == 200


def test_rfc6749_6_unknown_refresh_token_is_invalid_grant(flows, rp):
    assert_invalid_grant(flows.refresh(rp, "not-a-refresh-token"))


def test_rfc6749_6_refresh_token_needs_client_authentication(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope=OFFLINE)
    response = flows.token(rp, {"grant_type": "refresh_token",
                                "refresh_token": tokens["refresh_token"]}, auth="none")
    assert response.get_json()["error"] == "invalid_client"
    assert flows.refresh(rp, tokens["refresh_token"]).status_code == 200


def test_rfc6749_6_refresh_token_expires_after_its_absolute_lifetime(flows, user, rp, app):
    lifetime = app.config["IDP_REFRESH_TOKEN_SECONDS"]
    with freeze_time(datetime.now(UTC).replace(microsecond=0)) as clock:
        tokens = flows.tokens_for(rp, user, scope=OFFLINE)
        clock.tick(lifetime - 60)
        rotated = flows.refresh(rp, tokens["refresh_token"]).get_json()
        # Rotation does not extend the family's life.
        clock.tick(61)
        assert_invalid_grant(flows.refresh(rp, rotated["refresh_token"]))


def test_rfc9700_4_14_2_concurrent_refreshes_of_one_token_succeed_once(flows, user, rp, app):
    tokens = flows.tokens_for(rp, user, scope=OFFLINE)
    barrier = threading.Barrier(2)
    responses = [None, None]

    def run(index):
        own = Flows(app, app.test_client())
        barrier.wait(timeout=10)
        responses[index] = own.refresh(rp, tokens["refresh_token"])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 400], [r.get_json() for r in responses]
    loser = next(r for r in responses if r.status_code == 400)
    assert loser.get_json()["error"] == "invalid_grant"


def test_rfc6749_5_2_refresh_token_of_disabled_user_is_invalid_grant(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope=OFFLINE)
    flows.set_user_status(user, "disabled")
    assert_invalid_grant(flows.refresh(rp, tokens["refresh_token"]))
