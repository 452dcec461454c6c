"""The admin API's clients (issue 5 §4): register, update, rotate the secret, disable and
enable, with the registration rules the CLI applies."""

from __future__ import annotations

# ruff: noqa: F811 (the fixtures imported from admin_fixtures are test arguments)
from tests.flows import REDIRECT_URI
from tests.integration.admin_fixtures import console  # noqa: F401 (fixture)
from tests.integration.admin_fixtures import root  # noqa: F401 (fixture)
from tests.integration.admin_fixtures import sign_in  # noqa: F401 (fixture)

SERVICE = {"name": "Seat inventory", "grant_types": ["client_credentials"],
           "scope": "introspection"}


def _register(root, **meta):
    response = root.post("/clients", json=meta or SERVICE)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return {"client_id": body["client_id"], "client_secret": body.get("client_secret"),
            "redirect_uri": (body.get("redirect_uris") or [None])[0], "body": body}


def test_register_returns_the_secret_once_and_it_works(root, flows):
    service = _register(root)
    assert service["client_secret"] and service["body"]["public"] is False
    assert flows.client_credentials(service).status_code == 200

    listed = root.get("/clients").get_json()["clients"]
    shown = root.get(f"/clients/{service['client_id']}").get_json()
    assert service["client_id"] in {c["client_id"] for c in listed}
    for body in (shown, *listed):
        assert "client_secret" not in body and "secret_digest" not in body


def test_registered_web_client_runs_the_code_flow(root, flows, user):
    web = _register(root, name="Booking web", redirect_uris=[REDIRECT_URI])
    tokens = flows.tokens_for(web, user, scope="openid email")
    assert flows.verify(tokens["id_token"], audience=web["client_id"])["sub"] == user["id"]


def test_registration_rules_are_the_cli_rules(root):
    cases = [
        ({"name": "x", "redirect_uris": ["http://evil.example/cb"]}, "invalid_redirect_uri"),
        ({"name": "x", "redirect_uris": [REDIRECT_URI + "#frag"]}, "invalid_redirect_uri"),
        ({"name": "x", "grant_types": ["password"]}, "invalid_client_metadata"),
        ({"name": "x", "public": True, "grant_types": ["client_credentials"]},
         "invalid_client_metadata"),
        ({"name": "  "}, "invalid_request"),
        ({"redirect_uris": [REDIRECT_URI]}, "invalid_request"),
        ({"name": "x", "redirect_uris": REDIRECT_URI}, "invalid_request"),
        ({"name": "x", "public": "yes"}, "invalid_request"),
        ({"name": "x", "secret": "mine"}, "invalid_request"),
    ]
    for meta, error in cases:
        response = root.post("/clients", json=meta)
        assert response.status_code == 400, (meta, response.get_json())
        assert response.get_json()["error"] == error, meta


def test_update_changes_metadata_and_validates_the_result(root):
    web = _register(root, name="Booking web", redirect_uris=[REDIRECT_URI])
    path = f"/clients/{web['client_id']}"

    response = root.patch(path, json={"name": "Booking web 2",
                                      "redirect_uris": [REDIRECT_URI, "https://b.example/cb"]})
    assert response.status_code == 200, response.get_json()
    assert root.get(path).get_json()["redirect_uris"] == [REDIRECT_URI, "https://b.example/cb"]
    assert root.get(path).get_json()["name"] == "Booking web 2"

    assert root.patch(path, json={"redirect_uris": []}).get_json()["error"] == (
        "invalid_redirect_uri")
    assert root.patch(path, json={"public": True}).status_code == 400
    assert root.patch(path, json={}).status_code == 400
    assert root.patch("/clients/nope", json={"name": "x"}).status_code == 404


def test_rotating_the_secret_stops_the_old_one_at_once(root, flows):
    service = _register(root)
    response = root.post(f"/clients/{service['client_id']}/secret")
    assert response.status_code == 200
    fresh = response.get_json()["client_secret"]
    assert fresh != service["client_secret"]

    assert flows.client_credentials(service).status_code == 401
    assert flows.client_credentials({**service, "client_secret": fresh}).status_code == 200


def test_a_public_client_has_no_secret_to_rotate(root):
    app_client = _register(root, name="Mobile", public=True,
                           redirect_uris=["com.example.booking:/cb"])
    assert app_client["client_secret"] is None
    response = root.post(f"/clients/{app_client['client_id']}/secret")
    assert response.status_code == 409 and response.get_json()["error"] == "public_client"


def test_disable_stops_the_client_and_revokes_its_tokens(root, flows, user):
    web = _register(root, name="Booking web", redirect_uris=[REDIRECT_URI])
    tokens = flows.tokens_for(web, user, scope="openid offline_access")
    resource = flows.make_service(name="Resource", scope="introspection")

    response = root.post(f"/clients/{web['client_id']}/disable")

    assert response.status_code == 200 and response.get_json()["disabled"] is True
    assert flows.introspect(resource, tokens["access_token"]).get_json() == {"active": False}
    assert flows.refresh(web, tokens["refresh_token"]).status_code in (400, 401)
    assert flows.authorize(flows.authorize_params(web)).status_code == 400

    assert root.post(f"/clients/{web['client_id']}/enable").get_json()["disabled"] is False
    again = flows.tokens_for(web, user, scope="openid")
    assert flows.introspect(resource, again["access_token"]).get_json()["active"] is True



def test_disabling_a_client_ends_its_client_credentials_tokens_too(root, flows):
    """Client-credentials access tokens are not stored, so no revocation reaches them: every
    check of an access token asks whether its client is still enabled."""
    service = _register(root)
    token = flows.client_credentials(service).get_json()["access_token"]
    resource = flows.make_service(name="Resource", scope="introspection")
    assert flows.introspect(resource, token).get_json()["active"] is True

    root.post(f"/clients/{service['client_id']}/disable")

    assert flows.introspect(resource, token).get_json() == {"active": False}

def test_every_change_is_recorded_with_the_admin(app, root):
    from idp.audit.services import LogFilter
    from idp.audit.services import search

    service = _register(root)
    root.patch(f"/clients/{service['client_id']}", json={"name": "Seats"})
    root.post(f"/clients/{service['client_id']}/secret")
    root.post(f"/clients/{service['client_id']}/disable")
    with app.app_context():
        rows, _ = search(LogFilter(event="admin:client:*", client_id=service["client_id"]))
    assert [r.event for r in reversed(rows)] == [
        "admin:client:registered", "admin:client:updated", "admin:client:secret_rotated",
        "admin:client:disabled"]
    assert {r.user_id for r in rows} == {root.id}


def test_a_clients_permission_limit_is_registered_and_checked(root):
    finance = _register(root, name="Finance tool", grant_types=["client_credentials"],
                        scope="introspection", permissions=["payments:*", "reports:finance"])
    assert finance["body"]["permissions"] == ["payments:*", "reports:finance"]
    path = f"/clients/{finance['client_id']}"
    assert root.patch(path, json={"permissions": None}).get_json()["permissions"] is None
    response = root.patch(path, json={"permissions": ["flying:carpets"]})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client_metadata"
    assert root.post("/clients", json={**SERVICE, "permissions": "*"}).status_code == 400
