"""The client credentials grant (RFC 6749 §4.4) with RFC 9068 JWT access tokens."""

import pytest
from freezegun import freeze_time


@pytest.fixture
def service(flows):
    return flows.make_service(scope="bookings:read bookings:write")


def test_rfc6749_4_4_3_confidential_client_gets_a_jwt_access_token(flows, service):
    with freeze_time():
        response = flows.client_credentials(service, scope="bookings:read")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        claims = flows.verify(body["access_token"], audience="booking-platform", typ="at+jwt")
    assert body["token_type"].lower() == "bearer"
    assert body["expires_in"] == 600
    assert "refresh_token" not in body  # RFC 6749 §4.4.3: SHOULD NOT be included
    assert "id_token" not in body  # no end user, no ID token
    # RFC 9068 §2.2: without a resource owner, sub identifies the client itself.
    assert claims["sub"] == claims["client_id"] == service["client_id"]
    assert claims["scope"] == "bookings:read"
    assert claims["exp"] - claims["iat"] == 600
    assert claims["jti"]
    assert "roles" not in claims and "permissions" not in claims


def test_rfc6749_3_3_omitted_scope_gets_the_registered_scope(flows, service):
    response = flows.client_credentials(service)
    assert response.status_code == 200
    token = response.get_json()["access_token"]
    claims = flows.verify(token, audience="booking-platform", typ="at+jwt")
    assert claims["scope"].split() == ["bookings:read", "bookings:write"]


def test_rfc6749_3_3_partly_unregistered_scope_is_narrowed_and_reported(flows, service):
    response = flows.client_credentials(service, scope="bookings:read admin:everything")
    assert response.status_code == 200
    body = response.get_json()
    # RFC 6749 §3.3 lets the server narrow the request; §5.1 then requires the scope parameter.
    assert body["scope"] == "bookings:read"
    claims = flows.verify(body["access_token"], audience="booking-platform", typ="at+jwt")
    assert claims["scope"] == "bookings:read"


def test_rfc6749_5_2_wholly_unregistered_scope_is_invalid_scope(flows, service):
    response = flows.client_credentials(service, scope="admin:everything")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_scope"
    assert "access_token" not in response.get_json()


def test_rfc6749_4_4_3_offline_access_gives_no_refresh_token(flows):
    service = flows.make_service(scope="bookings:read offline_access")
    response = flows.client_credentials(service, scope="bookings:read offline_access")
    assert response.status_code == 200
    assert "refresh_token" not in response.get_json()


def test_rfc6749_5_2_client_without_the_grant_type_is_unauthorized_client(flows):
    rp = flows.make_client()  # authorization_code and refresh_token only
    response = flows.client_credentials(rp)
    assert response.status_code == 400
    assert response.get_json()["error"] == "unauthorized_client"


def test_rfc6749_5_2_wrong_secret_is_invalid_client(flows, service):
    response = flows.client_credentials({**service, "client_secret": "not-the-secret"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic ")


def test_rfc6749_5_2_unknown_client_is_invalid_client(flows):
    response = flows.client_credentials({"client_id": "nobody", "client_secret": "nothing"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_rfc6749_4_4_client_id_alone_is_not_client_authentication(flows, service, client):
    # RFC 6749 §4.4.2: the client MUST authenticate; naming itself is not enough.
    response = client.post("/token", data={"grant_type": "client_credentials",
                                           "client_id": service["client_id"]})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_rfc6749_2_3_1_client_secret_post_is_accepted(flows, service):
    response = flows.client_credentials(service, auth="post")
    assert response.status_code == 200
    assert flows.verify(response.get_json()["access_token"], audience="booking-platform")


def test_rfc6749_5_1_token_response_is_never_cached(flows, service):
    response = flows.client_credentials(service)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


def test_oidc_core_5_3_client_credentials_token_is_refused_by_userinfo(flows, service):
    token = flows.client_credentials(service).get_json()["access_token"]
    response = flows.userinfo(token)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_br_ui_010_each_issued_token_is_audited_with_its_own_jti(app, flows, service):
    """The audit row names the token issued (its jti, its client, its scope), one row each."""
    from idp.audit import AuditEvent
    from idp.audit.services import events

    issued = []
    for _ in range(2):
        token = flows.client_credentials(service, scope="bookings:read").get_json()
        issued.append(flows.verify(token["access_token"], audience="booking-platform")["jti"])
    with app.app_context():
        rows = events(event=AuditEvent.OAuth.TokenIssued)
    assert sorted(row.detail["jti"] for row in rows) == sorted(issued)
    assert {(row.client_id, row.detail["scope"]) for row in rows} == {
        (service["client_id"], "bookings:read")}
