"""Token revocation (RFC 7009) of access tokens, refresh tokens and their families."""

import pytest


@pytest.fixture
def resource_server(flows):
    return flows.make_service(scope="introspection")


def _active(flows, resource_server, token) -> bool:
    return flows.introspect(resource_server, token).get_json()["active"]


def test_rfc7009_2_1_revoked_access_token_is_refused_by_introspection_and_userinfo(
        flows, user, rp, resource_server):
    tokens = flows.tokens_for(rp, user)
    assert flows.userinfo(tokens["access_token"]).status_code == 200
    response = flows.revoke(rp, tokens["access_token"])
    assert response.status_code == 200
    assert not _active(flows, resource_server, tokens["access_token"])
    refused = flows.userinfo(tokens["access_token"])
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]


def test_rfc7009_2_1_revoking_access_token_leaves_its_refresh_token_usable(flows, user, rp):
    # RFC 7009 §2.1: the server MAY also revoke the refresh token; we revoke only what was named.
    tokens = flows.tokens_for(rp, user, scope="openid offline_access")
    assert flows.revoke(rp, tokens["access_token"]).status_code == 200
    assert flows.refresh(rp, tokens["refresh_token"]).status_code == 200


def test_rfc7009_2_1_revoking_refresh_token_revokes_its_family(flows, user, rp, resource_server):
    first = flows.tokens_for(rp, user, scope="openid offline_access")
    second = flows.refresh(rp, first["refresh_token"]).get_json()
    assert flows.revoke(rp, second["refresh_token"],
                        token_type_hint="refresh_token").status_code == 200
    for token in (first["access_token"], second["access_token"], second["refresh_token"]):
        assert not _active(flows, resource_server, token)
    assert flows.userinfo(second["access_token"]).status_code == 401
    refused = flows.refresh(rp, second["refresh_token"])
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "invalid_grant"


def test_rfc7009_2_1_revoking_refresh_token_leaves_other_grants_alone(flows, user, rp,
                                                                      resource_server):
    revoked = flows.tokens_for(rp, user, scope="openid offline_access")
    kept = flows.tokens_for(rp, user, scope="openid offline_access")
    assert flows.revoke(rp, revoked["refresh_token"]).status_code == 200
    assert _active(flows, resource_server, kept["access_token"])
    assert flows.refresh(rp, kept["refresh_token"]).status_code == 200


@pytest.mark.parametrize("token", ["unknown-token", "a.b.c", ""])
def test_rfc7009_2_2_unknown_token_answers_200(flows, rp, token):
    response = flows.revoke(rp, token)
    assert response.status_code == 200
    assert response.get_json() == {}


def test_rfc7009_2_2_revoking_twice_answers_200(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope="openid offline_access")
    for token in (tokens["refresh_token"], tokens["access_token"]):
        assert flows.revoke(rp, token).status_code == 200
        assert flows.revoke(rp, token).status_code == 200


def test_rfc7009_5_public_client_revokes_its_own_tokens_with_client_id(flows, user,
                                                                      resource_server, client):
    rp = flows.make_client(name="Mobile app", public=True,
                           redirect_uris=("com.example.booking:/callback",))
    tokens = flows.tokens_for(rp, user, scope="openid offline_access")
    response = client.post("/revoke", data={"token": tokens["refresh_token"],
                                            "client_id": rp["client_id"]})
    assert response.status_code == 200
    assert not _active(flows, resource_server, tokens["access_token"])
    assert flows.refresh(rp, tokens["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_rfc7009_2_1_confidential_client_must_authenticate(flows, user, rp, resource_server,
                                                          client):
    tokens = flows.tokens_for(rp, user)
    response = client.post("/revoke", data={"token": tokens["access_token"],
                                            "client_id": rp["client_id"]})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    wrong = flows.revoke({**rp, "client_secret": "not-the-secret"}, tokens["access_token"])
    assert wrong.status_code == 401
    assert _active(flows, resource_server, tokens["access_token"])


def test_rfc7009_2_1_client_cannot_revoke_another_clients_token(flows, user, rp,
                                                               resource_server):
    other = flows.make_client(name="Other app")
    mobile = flows.make_client(name="Mobile app", public=True,
                               redirect_uris=("com.example.booking:/callback",))
    tokens = flows.tokens_for(rp, user, scope="openid offline_access")
    for intruder in (other, mobile, resource_server):
        for token in (tokens["access_token"], tokens["refresh_token"]):
            response = flows.revoke(intruder, token)
            # RFC 7009 §2.1: the request is refused; §2.2.1 errors are those of RFC 6749 §5.2.
            assert response.status_code == 400
            assert response.get_json()["error"] == "invalid_grant"
    assert _active(flows, resource_server, tokens["access_token"])
    assert _active(flows, resource_server, tokens["refresh_token"])


def test_rfc7009_2_1_wrong_token_type_hint_still_finds_the_token(flows, user, rp,
                                                                resource_server):
    first = flows.tokens_for(rp, user, scope="openid offline_access")
    second = flows.tokens_for(rp, user, scope="openid offline_access")
    flows.revoke(rp, first["access_token"], token_type_hint="refresh_token")
    flows.revoke(rp, second["refresh_token"], token_type_hint="access_token")
    assert not _active(flows, resource_server, first["access_token"])
    assert not _active(flows, resource_server, second["refresh_token"])
    assert not _active(flows, resource_server, second["access_token"])  # its family


def test_rfc7009_2_2_1_unsupported_token_type_hint_is_refused(flows, user, rp, resource_server):
    tokens = flows.tokens_for(rp, user)
    response = flows.revoke(rp, tokens["access_token"], token_type_hint="id_token")
    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_token_type"
    assert _active(flows, resource_server, tokens["access_token"])


def test_rfc7009_2_1_missing_token_is_invalid_request(flows, rp):
    response = flows.endpoint("/revoke", rp, {})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_rfc7009_2_1_client_credentials_token_can_be_revoked(flows, resource_server):
    service = flows.make_service(name="Pricing", scope="bookings:read")
    token = flows.client_credentials(service).get_json()["access_token"]
    assert flows.revoke(service, token).status_code == 200
    assert not _active(flows, resource_server, token)


def test_rfc7009_2_response_is_never_cached(flows, user, rp):
    tokens = flows.tokens_for(rp, user)
    response = flows.revoke(rp, tokens["access_token"])
    assert response.headers["Cache-Control"] == "no-store"
