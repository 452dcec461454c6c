"""What tokens say about roles and permissions (FR-UI-004-01/02, appendix A): every role of the
spec's actors, the `roles` scope for ID tokens, and a client's permission limit."""

from __future__ import annotations

import itertools
import json

import pytest

from tests.flows import Flows

_numbers = itertools.count(1)

AUDIENCE = "booking-platform"

#: Appendix A: some of what each role must hold, and some of what it must not.
APPENDIX_A = {
    "customer": ({"trips:read", "bookings:create", "bookings:read_own", "bookings:cancel_own",
                  "payments:create", "reviews:create", "account:update"},
                 {"bookings:read", "trips:update", "users:read", "payments:refund",
                  "roles:assign"}),
    "office_rep": ({"trips:create", "trips:update", "seats:update", "reports:read",
                    "bookings:read", "account:update"},
                   {"bookings:create", "payments:read", "users:read", "roles:assign"}),
    "support_admin": ({"users:read", "users:contact", "tickets:resolve", "bookings:read",
                       "bookings:update", "audit:read"},
                      {"roles:assign", "roles:update", "payments:refund", "settings:update",
                       "bookings:create"}),
    "finance_admin": ({"reports:finance", "payments:read", "payments:refund",
                       "commissions:update"},
                      {"bookings:create", "bookings:read", "users:update", "roles:assign",
                       "trips:update"}),
}


def _sign_in(app, role, *, office_id=None, scope="openid roles", client_kw=None):
    browser = Flows(app, app.test_client())
    number = next(_numbers)
    user = browser.make_user(email=f"{role}{number}@example.com", phone=f"+96777300{number:04d}",
                             roles=(role,))
    if office_id:
        _set_office(app, user["id"], office_id)
    rp = browser.make_client(**(client_kw or {}))
    tokens = browser.tokens_for(rp, user, scope=scope)
    return browser, user, rp, tokens


def _set_office(app, user_id, office_id):
    from idp.accounts.services import get_user
    from idp.extensions import db

    with app.app_context():
        get_user(user_id).office_id = office_id
        db.session.commit()


@pytest.mark.parametrize("role", sorted(APPENDIX_A))
def test_fr_ui_004_02_access_token_carries_the_role_and_its_permissions(app, role):
    office_id = "office-1" if role == "office_rep" else None
    browser, user, _rp, tokens = _sign_in(app, role, office_id=office_id)
    claims = browser.verify(tokens["access_token"], audience=AUDIENCE, typ="at+jwt")
    must, must_not = APPENDIX_A[role]
    assert claims["roles"] == [role]
    assert must <= set(claims["permissions"])
    assert not (must_not & set(claims["permissions"]))
    assert claims["permissions"] == sorted(claims["permissions"])
    if office_id:
        assert claims["office_id"] == office_id
    else:
        assert "office_id" not in claims


def test_fr_ui_004_02_super_admin_holds_every_permission(app):
    from idp.rbac.services import list_permissions

    browser, _user, _rp, tokens = _sign_in(app, "super_admin")
    claims = browser.verify(tokens["access_token"], audience=AUDIENCE, typ="at+jwt")
    assert claims["roles"] == ["super_admin"]
    with app.app_context():
        assert claims["permissions"] == sorted(p.name for p in list_permissions())
    # Issue 5 target: a super admin's access token stays under 4 KB (bench/rbac.py prints it).
    assert len(tokens["access_token"]) < 4096


def test_br_ui_011_office_rep_without_an_office_gets_no_office_scoped_permission(app):
    browser, _user, _rp, tokens = _sign_in(app, "office_rep")
    claims = browser.verify(tokens["access_token"], audience=AUDIENCE, typ="at+jwt")
    assert "trips:update" not in claims["permissions"]
    assert "trips:read" in claims["permissions"]
    assert "office_id" not in claims


def test_oidc_id_token_has_roles_and_permissions_only_with_the_roles_scope(app):
    browser, _user, _rp, tokens = _sign_in(app, "finance_admin", scope="openid profile")
    id_token = browser.verify(tokens["id_token"], audience=_rp["client_id"])
    assert "roles" not in id_token and "permissions" not in id_token
    # The access token carries them whatever the scope: resource servers authorise with it.
    access = browser.verify(tokens["access_token"], audience=AUDIENCE, typ="at+jwt")
    assert access["roles"] == ["finance_admin"] and "payments:refund" in access["permissions"]

    browser, _user, rp, tokens = _sign_in(app, "support_admin", scope="openid roles")
    id_token = browser.verify(tokens["id_token"], audience=rp["client_id"])
    assert id_token["roles"] == ["support_admin"]
    assert "users:read" in id_token["permissions"]


def test_fr_ui_004_02_a_finance_tool_never_receives_booking_permissions(app):
    limit = {"permissions": ("payments:*", "reports:finance", "commissions:read")}
    browser, _user, rp, tokens = _sign_in(app, "super_admin", scope="openid roles",
                                          client_kw=limit)
    access = browser.verify(tokens["access_token"], audience=AUDIENCE, typ="at+jwt")
    assert access["roles"] == ["super_admin"]
    assert access["permissions"] == ["commissions:read", "payments:create", "payments:read",
                                     "payments:read_own", "payments:refund", "reports:finance"]
    id_token = browser.verify(tokens["id_token"], audience=rp["client_id"])
    assert id_token["permissions"] == access["permissions"]
    userinfo = browser.userinfo(tokens["access_token"]).get_json()
    assert userinfo["permissions"] == access["permissions"]
    introspected = browser.introspect(rp, tokens["access_token"]).get_json()
    assert introspected["permissions"] == access["permissions"]


def test_fr_ui_004_02_a_client_registered_without_permissions_gets_none(app):
    browser, _user, _rp, tokens = _sign_in(app, "super_admin",
                                           client_kw={"permissions": None})
    access = browser.verify(tokens["access_token"], audience=AUDIENCE, typ="at+jwt")
    assert access["roles"] == ["super_admin"]
    assert access["permissions"] == []


def test_fr_ui_004_02_refreshed_token_reflects_a_role_permission_change(app):
    from idp.extensions import db
    from idp.rbac.services import get_role
    from idp.rbac.services import set_role_permissions

    browser, _user, rp, tokens = _sign_in(app, "finance_admin",
                                          scope="openid roles offline_access")
    with app.app_context():
        kept = [p.name for p in get_role("finance_admin").permissions
                if p.name != "payments:refund"]
        set_role_permissions("finance_admin", kept)
        db.session.commit()
    refreshed = browser.refresh(rp, tokens["refresh_token"]).get_json()
    access = browser.verify(refreshed["access_token"], audience=AUDIENCE, typ="at+jwt")
    assert "payments:refund" not in access["permissions"]
    assert "payments:read" in access["permissions"]


def test_cli_clients_create_with_permission_limit(app, idp, ctx):
    from idp.oauth.clients import get_client

    result = idp("clients", "create", "--name", "Finance tool", "--redirect-uri",
                 "https://finance.example/cb", "--permission", "payments:*",
                 "--permission", "reports:finance", "--json")
    assert result.exit_code == 0, result.output
    client = get_client(json.loads(result.stdout)["client_id"])
    assert client.permissions == ["payments:*", "reports:finance"]


def test_cli_clients_create_refuses_an_unknown_permission(app, idp):
    from tests.integration.conftest import refused

    result = idp("clients", "create", "--name", "Finance tool", "--redirect-uri",
                 "https://finance.example/cb", "--permission", "bookings:fly")
    assert "bookings:fly" in refused(result)
