"""Roles, permissions and per-user grants through the admin API (FR-UI-004-01..03): only the
super admin grants or revokes (BR-UI-014), a role in use cannot be deleted (BR-UI-015), a
change of roles ends the user's sessions and tokens (EC-UI-007), escalation fails and is
logged (BR-UI-011/013)."""

from __future__ import annotations

# ruff: noqa: F811 (the fixtures imported from admin_fixtures are test arguments)
from tests.integration.admin_fixtures import console  # noqa: F401 (fixture)
from tests.integration.admin_fixtures import denials
from tests.integration.admin_fixtures import root  # noqa: F401 (fixture)
from tests.integration.admin_fixtures import sign_in  # noqa: F401 (fixture)


def test_roles_and_permissions_are_listed(root):
    roles = {r["name"]: r for r in root.get("/roles").get_json()["roles"]}
    assert {"customer", "office_rep", "support_admin", "finance_admin", "super_admin"} <= set(
        roles)
    assert "bookings:create" in roles["customer"]["permissions"]
    assert root.get("/roles/support_admin").get_json()["permissions"] == roles[
        "support_admin"]["permissions"]
    names = {p["name"] for p in root.get("/permissions").get_json()["permissions"]}
    assert {"users:read", "roles:assign", "audit:read"} <= names
    assert root.get("/roles/pilot").status_code == 404


def test_create_change_and_delete_a_role(root):
    response = root.post("/roles", json={"name": "night_shift", "description": "Night desk",
                                         "permissions": ["users:read"]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["permissions"] == ["users:read"]

    response = root.put("/roles/night_shift/permissions",
                        json={"permissions": ["users:read", "audit:read"]})
    assert response.status_code == 200, response.get_json()
    assert root.get("/roles/night_shift").get_json()["permissions"] == ["audit:read",
                                                                         "users:read"]

    assert root.delete("/roles/night_shift").status_code == 200
    assert root.get("/roles/night_shift").status_code == 404


def test_unknown_permission_in_a_role_is_400(root):
    response = root.post("/roles", json={"name": "odd", "permissions": ["flying:carpets"]})
    assert response.status_code == 400
    assert root.get("/roles/odd").status_code == 404


def test_br_ui_015_a_role_with_users_cannot_be_deleted(root, flows):
    assert root.post("/roles", json={"name": "night_shift",
                                     "permissions": ["users:read"]}).status_code == 201
    holder = flows.make_user(email="nadia@example.com", phone="+967771555555")
    assert root.put(f"/users/{holder['id']}/roles/night_shift").status_code == 200

    response = root.delete("/roles/night_shift")

    assert response.status_code == 409
    assert response.get_json()["error"] == "role_in_use"
    assert root.get("/roles/night_shift").status_code == 200
    assert root.delete(f"/users/{holder['id']}/roles/night_shift").status_code == 200
    assert root.delete("/roles/night_shift").status_code == 200


def test_br_ui_014_super_admin_assigns_and_revokes_roles(root, flows):
    salem = flows.make_user(email="salem@example.com", phone="+967771555556",
                            roles=("customer",))
    response = root.put(f"/users/{salem['id']}/roles/support_admin")
    assert response.status_code == 200
    assert response.get_json()["roles"] == ["customer", "support_admin"]
    assert "users:read" in response.get_json()["permissions"]
    response = root.delete(f"/users/{salem['id']}/roles/support_admin")
    assert response.get_json()["roles"] == ["customer"]
    assert root.put(f"/users/{salem['id']}/roles/pilot").status_code == 404


def test_ec_ui_007_a_role_change_ends_the_users_sessions_and_tokens(root, sign_in,
                                                                    flows,
                                                                    console):
    target = sign_in("customer")
    service = flows.make_service(name="Booking API", scope="introspection")
    refresh = target.tokens["refresh_token"]

    assert root.put(f"/users/{target.id}/roles/finance_admin").status_code == 200

    assert flows.introspect(service, refresh).get_json() == {"active": False}
    assert target.flows.refresh(console, refresh).status_code == 400
    assert target.flows.client.get("/account/password").status_code == 302  # log in again


def test_br_ui_011_support_admin_cannot_make_itself_super_admin(app, sign_in):
    support = sign_in("support_admin")

    response = support.put(f"/users/{support.id}/roles/super_admin")

    assert response.status_code == 403
    assert "super_admin" not in support.get(f"/users/{support.id}").get_json()["roles"]
    assert any("roles:assign" in repr(row.detail) for row in denials(app, support.id))


def test_br_ui_014_only_a_super_admin_grants_even_with_roles_assign(app, root,
                                                                    sign_in):
    support = sign_in("support_admin")
    # A per-user grant of roles:assign passes the route's check, not the service's.
    assert root.put(f"/users/{support.id}/permissions/roles:assign",
                    json={"effect": "grant"}).status_code == 200
    support = _fresh_token(support)
    before = len(denials(app, support.id))

    response = support.put(f"/users/{support.id}/roles/super_admin")

    assert response.status_code == 403, response.get_json()
    assert "super_admin" not in root.get(f"/users/{support.id}").get_json()["roles"]
    assert len(denials(app, support.id)) > before


def test_fr_ui_004_03_per_user_grant_and_denial(root, sign_in):
    customer = sign_in("customer")
    assert customer.get("/audit").status_code == 403
    response = root.put(f"/users/{customer.id}/permissions/audit:read",
                        json={"effect": "grant"})
    assert response.status_code == 200 and "audit:read" in response.get_json()["permissions"]
    assert _fresh_token(customer).get("/audit").status_code == 200

    support = sign_in("support_admin")
    response = root.put(f"/users/{support.id}/permissions/users:read", json={"effect": "deny"})
    assert response.status_code == 200
    assert "users:read" not in response.get_json()["permissions"]
    assert _fresh_token(support).get("/users").status_code == 403

    response = root.delete(f"/users/{support.id}/permissions/users:read")
    assert response.status_code == 200 and "users:read" in response.get_json()["permissions"]


def _fresh_token(admin):
    """A new login and token for ``admin`` (a permission change ended their session)."""
    from tests.integration.admin_fixtures import Admin

    again = admin.flows.make_client(name="Console again", first_party=True,
                                      scope="openid roles")
    return Admin(admin.flows, admin.user, admin.flows.tokens_for(again, admin.user,
                                                                 scope="openid roles"))
