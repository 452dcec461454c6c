"""Bad input to the admin API is a clear 400 (or 404 for an unknown id), never a 500: the
body must be a JSON object of known fields of the right kinds (DESIGN "Errors")."""

from __future__ import annotations

# ruff: noqa: F811 (the fixtures imported from admin_fixtures are test arguments)
import pytest

from tests.integration.admin_fixtures import console  # noqa: F401 (fixture)
from tests.integration.admin_fixtures import root  # noqa: F401 (fixture)
from tests.integration.admin_fixtures import sign_in  # noqa: F401 (fixture)


@pytest.mark.parametrize(("raw", "content_type"), [
    (b"", "application/json"),
    (b"{not json", "application/json"),
    (b"[1, 2]", "application/json"),
    (b'"a string"', "application/json"),
    (b"name=x", "application/x-www-form-urlencoded"),
])
def test_a_body_that_is_not_a_json_object_is_400(root, raw, content_type):
    response = root.call("post", "/roles", data=raw, content_type=content_type)
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == "invalid_request" and body["error_description"]


@pytest.mark.parametrize("body", [
    {},
    {"name": ""},
    {"name": 7},
    {"name": "x" * 65},
    {"name": "ok", "permissions": "users:read"},
    {"name": "ok", "permissions": [1, 2]},
    {"name": "ok", "colour": "red"},
    {"name": "ok", "description": ["a"]},
])
def test_role_fields_are_checked(root, body):
    response = root.post("/roles", json=body)
    assert response.status_code == 400, (body, response.get_json())
    assert response.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize("query", [
    "page=abc", "page=0", "per_page=1000", "status=sleeping", "email=" + "a" * 300,
])
def test_user_search_parameters_are_checked(root, query):
    response = root.get("/users?" + query)
    assert response.status_code == 400, query
    assert response.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize("body", [
    None, {}, {"effect": "maybe"}, {"effect": 1}, {"effect": "deny", "office_id": "x"},
    {"effect": "grant", "extra": True},
])
def test_permission_change_body_is_checked(root, flows, body):
    target = flows.make_user(email="t@example.com", phone="+967771444444")
    response = root.put(f"/users/{target['id']}/permissions/audit:read", json=body)
    assert response.status_code == 400, (body, response.get_json())


def test_reasons_are_strings_of_bounded_length(root, flows):
    target = flows.make_user(email="t@example.com", phone="+967771444444")
    for body in ({"reason": 5}, {"reason": "x" * 201}, {"why": "x"}):
        assert root.post(f"/users/{target['id']}/disable", json=body).status_code == 400


def test_unknown_ids_are_404(root, flows):
    target = flows.make_user(email="t@example.com", phone="+967771444444")
    for method, path in [("get", "/users/nope"), ("post", "/users/nope/unlock"),
                         ("get", "/roles/nope"), ("delete", "/roles/nope"),
                         ("put", "/users/nope/roles/customer"),
                         ("put", f"/users/{target['id']}/roles/nope"),
                         ("get", "/clients/nope"), ("post", "/clients/nope/disable"),
                         ("post", "/clients/nope/secret"), ("get", "/offices/nope"),
                         ("delete", f"/users/{target['id']}/permissions/no:such")]:
        response = root.call(method, path)
        assert response.status_code == 404, (method, path, response.get_json())
        assert response.get_json()["error"]


def test_a_method_the_route_does_not_have_is_405_json(root):
    response = root.call("delete", "/users")
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"


def test_a_garbage_token_is_401_with_a_challenge(client):
    response = client.get("/api/admin/users", headers={"Authorization": "Bearer abc.def.ghi"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
