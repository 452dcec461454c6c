"""Redeeming an authorization code at the token endpoint (RFC 6749 §4.1.3, §4.1.4, §10.5)."""

import threading

import pytest

from tests.flows import Flows


def assert_invalid_grant(response):
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["error"] == "invalid_grant"
    assert "access_token" not in body


def test_rfc6749_4_1_3_code_is_exchanged_once_for_tokens(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope="openid offline_access")
    assert tokens["access_token"] and tokens["id_token"] and tokens["refresh_token"]


def test_rfc6749_4_1_2_code_used_twice_is_refused_and_tokens_revoked(flows, user, rp, client):
    got = flows.code_for(rp, user, scope="openid email offline_access")
    first = flows.exchange(rp, got)
    assert first.status_code == 200
    tokens = first.get_json()
    assert flows.introspect(rp, tokens["access_token"]).get_json()["active"] is True

    assert_invalid_grant(flows.exchange(rp, got))

    assert flows.introspect(rp, tokens["access_token"]).get_json() == {"active": False}
    assert flows.introspect(rp, tokens["refresh_token"]).get_json() == {"active": False}
    assert flows.userinfo(tokens["access_token"]).status_code == 401
    assert_invalid_grant(flows.refresh(rp, tokens["refresh_token"]))


def test_rfc6749_4_1_2_code_used_twice_also_revokes_tokens_refreshed_since(flows, user, rp):
    got = flows.code_for(rp, user, scope="openid offline_access")
    tokens = flows.exchange(rp, got).get_json()
    refreshed = flows.refresh(rp, tokens["refresh_token"]).get_json()

    assert_invalid_grant(flows.exchange(rp, got))

    assert flows.introspect(rp, refreshed["access_token"]).get_json()["active"] is False
    assert_invalid_grant(flows.refresh(rp, refreshed["refresh_token"]))


def test_rfc6749_4_1_2_code_reuse_leaves_other_grants_alone(flows, user, rp):
    other = flows.tokens_for(rp, user, scope="openid offline_access")
    got = flows.code_for(rp, user, scope="openid offline_access")
    assert flows.exchange(rp, got).status_code == 200
    assert_invalid_grant(flows.exchange(rp, got))
    assert flows.introspect(rp, other["access_token"]).get_json()["active"] is True
    assert flows.refresh(rp, other["refresh_token"]).status_code == 200


def test_rfc6749_4_1_2_code_still_valid_just_before_its_lifetime_ends(flows, user, rp, app,
                                                                      clock):
    got = flows.code_for(rp, user)
    clock.tick(app.config["IDP_AUTH_CODE_SECONDS"] - 1)
    assert flows.exchange(rp, got).status_code == 200


def test_rfc6749_4_1_2_expired_code_is_invalid_grant(flows, user, rp, app, clock):
    got = flows.code_for(rp, user)
    clock.tick(app.config["IDP_AUTH_CODE_SECONDS"] + 1)
    assert_invalid_grant(flows.exchange(rp, got))


def test_rfc6749_4_1_3_unknown_code_is_invalid_grant(flows, user, rp):
    got = flows.code_for(rp, user)
    got["query"]["code"] = got["query"]["code"][:-1] + ("A" if got["query"]["code"][-1] != "A"
                                                        else "B")
    assert_invalid_grant(flows.exchange(rp, got))


def test_rfc6749_4_1_3_missing_code_is_invalid_request(flows, rp):
    response = flows.token(rp, {"grant_type": "authorization_code",
                                "redirect_uri": rp["redirect_uri"], "code_verifier": "x" * 43})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_rfc6749_4_1_3_redirect_uri_differing_from_authorization_request_is_invalid_grant(
        flows, user):
    rp = flows.make_client(redirect_uris=("https://booking.example/callback",
                                          "https://booking.example/other"))
    got = flows.code_for(rp, user)
    response = flows.token(rp, {"grant_type": "authorization_code", "code": got["query"]["code"],
                                "redirect_uri": "https://booking.example/other",
                                "code_verifier": got["verifier"]})
    assert_invalid_grant(response)


@pytest.mark.parametrize("redirect_uri", [None, "https://booking.example/callback/",
                                          "https://evil.example/callback"])
def test_rfc6749_4_1_3_redirect_uri_missing_or_altered_at_token_endpoint_is_invalid_grant(
        flows, user, rp, redirect_uri):
    got = flows.code_for(rp, user)
    data = {"grant_type": "authorization_code", "code": got["query"]["code"],
            "code_verifier": got["verifier"]}
    if redirect_uri:
        data["redirect_uri"] = redirect_uri
    assert_invalid_grant(flows.token(rp, data))


def test_rfc6749_4_1_3_code_issued_to_another_client_is_invalid_grant(flows, user, rp):
    other = flows.make_client(name="Other", redirect_uris=(rp["redirect_uri"],))
    got = flows.code_for(rp, user)
    assert_invalid_grant(flows.exchange(other, got))


def test_rfc6749_4_1_3_code_issued_to_confidential_client_redeemed_by_public_one(flows, user,
                                                                                  rp):
    mobile = flows.make_client(name="Mobile", public=True, redirect_uris=(rp["redirect_uri"],))
    got = flows.code_for(rp, user)
    assert_invalid_grant(flows.exchange(mobile, got, auth="none"))


def test_rfc6749_5_1_unauthorized_grant_type_is_refused(flows, user):
    rp = flows.make_client(grant_types=("authorization_code",), scope="openid offline_access")
    tokens = flows.tokens_for(rp, user, scope="openid")
    assert "refresh_token" not in tokens
    response = flows.token(rp, {"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "unauthorized_client"


def test_rfc6749_5_2_unknown_grant_type_is_unsupported_grant_type(flows, rp):
    response = flows.token(rp, {"grant_type": "password", "username": "a", "password": "b"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"


def test_rfc6749_3_2_token_endpoint_refuses_get(flows, rp, client):
    response = client.get("/token?grant_type=authorization_code&code=x")
    assert response.status_code == 405


def _race(app, requests) -> list:
    """Send each request from its own thread and test client at the same moment."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def run(index, send):
        flows = Flows(app, app.test_client())
        barrier.wait(timeout=10)
        results[index] = send(flows)

    threads = [threading.Thread(target=run, args=(i, send)) for i, send in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(result is not None for result in results)
    return results


def test_rfc6749_4_1_2_concurrent_redemptions_of_one_code_give_tokens_once(flows, user, rp,
                                                                           app):
    got = flows.code_for(rp, user, scope="openid offline_access")
    responses = _race(app, [lambda f: f.exchange(rp, got)] * 2)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 400], [r.get_json() for r in responses]
    loser = next(r for r in responses if r.status_code == 400)
    assert loser.get_json()["error"] == "invalid_grant"


def test_rfc6749_5_2_code_of_user_disabled_since_is_invalid_grant(flows, user, rp):
    got = flows.code_for(rp, user)
    flows.set_user_status(user, "disabled")
    assert_invalid_grant(flows.exchange(rp, got))
