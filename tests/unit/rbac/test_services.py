"""The effective-permission function: roles, per-user grants and denials (FR-UI-004-03), office
scope (BR-UI-011) and client permission limits."""

from __future__ import annotations

import pytest

from idp.accounts.services import create_user
from idp.extensions import db
from idp.rbac import services
from idp.rbac.errors import InvalidGrant
from idp.rbac.errors import UnknownPermission
from idp.rbac.errors import UnknownRole


def make_user(number: int, *roles: str, office_id: str | None = None):
    user = create_user(email=f"u{number}@example.com", phone=f"+96777500{number:04d}",
                       password="Seat-booking-42!", name="U", verified=True)
    user.office_id = office_id
    for role in roles:
        services.assign_role(user, role)
    db.session.commit()
    return user


@pytest.mark.parametrize(("patterns", "permission", "allowed"), [
    ((), "bookings:create", False),
    (("*",), "bookings:create", True),
    (("bookings:*",), "bookings:create", True),
    (("bookings:*",), "bookingsx:create", False),
    (("payments:*",), "bookings:create", False),
    (("bookings:read",), "bookings:read_own", False),
    (("bookings:read",), "bookings:read", True),
])
def test_fr_ui_004_02_client_limit_patterns(patterns, permission, allowed):
    assert services.permits(patterns, permission) is allowed


def test_fr_ui_004_02_client_limit_validation(ctx):
    assert services.validate_permission_patterns(["*", "payments:*", "reports:finance",
                                                  " reports:finance "]) == [
        "*", "payments:*", "reports:finance"]
    for bad in ("bookings:fly", "spaceships:*", "bookings"):
        with pytest.raises(UnknownPermission):
            services.validate_permission_patterns([bad])


def test_fr_ui_004_03_grant_adds_deny_wins_clear_restores(ctx):
    user = make_user(1, "customer")
    assert "bookings:create" in services.effective_permissions(user.id)
    assert "users:read" not in services.effective_permissions(user.id)
    services.grant_permission(user, "users:read")
    services.deny_permission(user, "bookings:create")
    db.session.commit()
    held = services.effective_permissions(user.id)
    assert "users:read" in held and "bookings:create" not in held
    assert not services.can(user.id, "bookings:create")
    # A denial of a permission a second role also gives still wins.
    services.assign_role(user, "super_admin")
    db.session.commit()
    assert not services.can(user.id, "bookings:create")
    services.clear_permission(user, "bookings:create")
    services.clear_permission(user, "users:read")
    services.revoke_role(user, "super_admin")
    db.session.commit()
    held = services.effective_permissions(user.id)
    assert "bookings:create" in held and "users:read" not in held
    assert [row.permission.name for row in services.user_overrides(user.id)] == []


def test_fr_ui_006_every_account_holds_its_own_account_permissions(ctx):
    user = make_user(2)  # no role at all
    assert services.effective_permissions(user.id) == ["account:read", "account:update"]
    services.deny_permission(user, "account:update")
    db.session.commit()
    assert services.effective_permissions(user.id) == ["account:read"]


def test_br_ui_011_office_scope(ctx):
    rep = make_user(3, "office_rep", office_id="office-1")
    staff = make_user(4, "support_admin")
    orphan = make_user(5, "office_rep")  # an office role without an office
    assert services.can(rep.id, "trips:update", office_id="office-1")
    assert not services.can(rep.id, "trips:update", office_id="office-2")
    assert not services.can(rep.id, "trips:update")
    assert services.can(rep.id, "trips:read")  # not office-scoped
    assert services.can(staff.id, "bookings:read", office_id="office-2")
    assert services.can(staff.id, "bookings:read")
    assert not services.can(orphan.id, "trips:update", office_id="office-1")
    assert not services.can(orphan.id, "trips:update")


def test_fr_ui_004_03_a_grant_pinned_to_an_office(ctx):
    rep = make_user(6, "office_rep", office_id="office-1")
    services.grant_permission(rep, "bookings:update", office_id="office-2")
    db.session.commit()
    assert services.can(rep.id, "bookings:update", office_id="office-2")
    assert not services.can(rep.id, "bookings:update", office_id="office-1")
    assert "bookings:update" not in services.effective_permissions(rep.id)
    claims = services.token_permissions(rep, ["*"])
    assert claims["office_permissions"] == {"office-2": ["bookings:update"]}
    assert "office_permissions" not in services.token_permissions(rep, ["trips:*"])
    with pytest.raises(InvalidGrant):
        services.grant_permission(rep, "users:read", office_id="office-2")


def test_unknown_names_raise(ctx):
    user = make_user(7)
    with pytest.raises(UnknownRole) as missing:
        services.assign_role(user, "emperor")
    assert missing.value.status == 404
    with pytest.raises(UnknownPermission):
        services.grant_permission(user, "bookings:fly")
    with pytest.raises(UnknownPermission):
        services.create_role("pilot", permissions=["planes:fly"])
    with pytest.raises(InvalidGrant):
        services.create_role("no spaces")
