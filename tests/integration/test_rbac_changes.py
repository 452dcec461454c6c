"""Changing roles and permissions: only a super admin (BR-UI-014), never a role with users
(BR-UI-015), the user signs in again (EC-UI-007), every worker sees the change (FR-UI-004-03)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from idp.extensions import db
from tests.flows import Flows


def _user(app, email, phone, roles):
    browser = Flows(app, app.test_client())
    return browser, browser.make_user(email=email, phone=phone, roles=roles)


def _events(app, event, **where):
    from idp.audit.services import LogFilter
    from idp.audit.services import search

    with app.app_context():
        rows, _ = search(LogFilter(event=event, **where), limit=100)
        return rows


# --- EC-UI-007 ----------------------------------------------------------------------------


@pytest.mark.parametrize("change", ["assign", "revoke", "grant", "deny"])
def test_ec_ui_007_a_change_of_roles_or_permissions_ends_sessions_and_tokens(app, change):
    from idp.accounts.services import get_user
    from idp.oauth.models import Token
    from idp.rbac import services

    browser, user = _user(app, "amina@example.com", "+967771000001", ("customer",))
    rp = browser.make_client()
    tokens = browser.tokens_for(rp, user, scope="openid roles offline_access")
    # A second token family not bound to any session (issued by a flow without one).
    other = Flows(app, app.test_client()).tokens_for(rp, user,
                                                     scope="openid roles offline_access")
    with app.app_context():
        db.session.execute(sa.update(Token).where(Token.refresh_digest.is_not(None),
                                                  Token.user_id == user["id"])
                           .where(Token.family_id == db.session.scalar(
                               sa.select(Token.family_id).where(Token.access_jti == _jti(
                                   browser, other["access_token"]))))
                           .values(session_id=None))
        db.session.commit()
        target = get_user(user["id"])
        {"assign": lambda: services.assign_role(target, "support_admin"),
         "revoke": lambda: services.revoke_role(target, "customer"),
         "grant": lambda: services.grant_permission(target, "users:read"),
         "deny": lambda: services.deny_permission(target, "bookings:create")}[change]()
        db.session.commit()
    assert browser.refresh(rp, tokens["refresh_token"]).status_code == 400
    assert browser.refresh(rp, other["refresh_token"]).status_code == 400
    assert browser.introspect(rp, tokens["access_token"]).get_json() == {"active": False}
    assert browser.introspect(rp, other["access_token"]).get_json() == {"active": False}
    # The browser's login session ended: authorizing asks to log in again.
    response = browser.authorize(browser.authorize_params(rp, scope="openid"))
    assert "/login" in response.headers["Location"]
    row = _events(app, f"rbac:{'role' if change in ('assign', 'revoke') else 'permission'}:*")[0]
    assert row.detail["target_user_id"] == user["id"]
    assert row.detail["sessions_ended"] == 2  # both browsers
    assert row.detail["token_families_revoked"] >= 1


def _jti(browser, token):
    return browser.verify(token, audience="booking-platform")["jti"]


def test_ec_ui_007_assigning_a_role_already_held_changes_nothing(app):
    from idp.accounts.services import get_user
    from idp.rbac import services

    browser, user = _user(app, "amina@example.com", "+967771000001", ("customer",))
    rp = browser.make_client()
    tokens = browser.tokens_for(rp, user, scope="openid offline_access")
    with app.app_context():
        services.assign_role(get_user(user["id"]), "customer")
        db.session.commit()
    assert browser.refresh(rp, tokens["refresh_token"]).status_code == 200


# --- BR-UI-014 ----------------------------------------------------------------------------


def test_br_ui_014_a_support_admin_cannot_grant_itself_super_admin(app):
    from idp.accounts.services import get_user
    from idp.rbac import services
    from idp.rbac.errors import NotAllowed

    _browser, support = _user(app, "support@example.com", "+967771000002", ("support_admin",))
    with app.app_context():
        me = get_user(support["id"])
        with pytest.raises(NotAllowed) as refused:
            services.assign_role(me, "super_admin", actor_id=me.id)
        assert refused.value.status == 403
        db.session.rollback()  # the request's rollback: the refusal record must survive it
        assert services.role_names(me.id) == ["support_admin"]
        for attempt in (lambda: services.grant_permission(me, "roles:assign", actor_id=me.id),
                        lambda: services.revoke_role(me, "support_admin", actor_id=me.id),
                        lambda: services.create_role("root2", permissions=["roles:assign"],
                                                     actor_id=me.id),
                        lambda: services.set_role_permissions("support_admin", ["roles:assign"],
                                                              actor_id=me.id)):
            with pytest.raises(NotAllowed):
                attempt()
            db.session.rollback()
    rows = _events(app, "rbac:change:refused", user_id=support["id"])
    assert len(rows) == 5
    assert all(row.result == "denied" for row in rows)
    assert rows[-1].detail == {"action": "assign_role", "target": support["id"],
                               "role": "super_admin"}


def test_br_ui_014_a_super_admin_grants_and_revokes(app):
    from idp.accounts.services import get_user
    from idp.rbac import services

    _b, root = _user(app, "root@example.com", "+967771000003", ("super_admin",))
    _b, amina = _user(app, "amina@example.com", "+967771000004", ("customer",))
    with app.app_context():
        services.assign_role(get_user(amina["id"]), "support_admin", actor_id=root["id"])
        services.grant_permission(get_user(amina["id"]), "audit:export", actor_id=root["id"])
        db.session.commit()
        assert services.role_names(amina["id"]) == ["customer", "support_admin"]
        assert "audit:export" in services.effective_permissions(amina["id"])
    [row] = _events(app, "rbac:role:assigned", user_id=root["id"])
    assert row.user_id == root["id"] and row.detail["role"] == "support_admin"


# --- BR-UI-015 ----------------------------------------------------------------------------


def test_br_ui_015_a_role_with_users_cannot_be_deleted(app):
    from idp.rbac import services
    from idp.rbac.errors import RoleInUse

    _b, amina = _user(app, "amina@example.com", "+967771000005", ())
    with app.app_context():
        from idp.accounts.services import get_user

        services.create_role("auditor", permissions=["audit:read"])
        services.assign_role(get_user(amina["id"]), "auditor")
        db.session.commit()
        with pytest.raises(RoleInUse) as refused:
            services.delete_role("auditor")
        assert refused.value.status == 409
        db.session.rollback()
        assert services.get_role("auditor") is not None
        services.revoke_role(get_user(amina["id"]), "auditor")
        services.delete_role("auditor")
        db.session.commit()
        assert services.get_role("auditor") is None
    assert [r.detail["holders"] for r in _events(app, "rbac:role:delete_refused")] == [1]


def test_br_ui_015_the_six_roles_of_the_spec_cannot_be_deleted(app):
    from idp.rbac import services
    from idp.rbac.errors import RoleInUse

    with app.app_context():
        with pytest.raises(RoleInUse):
            services.delete_role("finance_admin")


# --- the cache ----------------------------------------------------------------------------


def test_fr_ui_004_03_permissions_are_cached_and_every_worker_sees_a_change(app):
    """Another worker's change (a commit on its own connection, bumping the version as the
    services do) reaches this worker's cache; without the bump the cache would answer."""
    from idp.rbac import services
    from idp.rbac.models import Permission
    from idp.rbac.models import RbacVersion
    from idp.rbac.models import Role
    from idp.rbac.models import role_permissions

    _b, amina = _user(app, "amina@example.com", "+967771000006", ("finance_admin",))

    def other_worker_adds(name, *, bump):
        with app.app_context(), db.engine.begin() as connection:
            role_id = connection.scalar(sa.select(Role.id).where(Role.name == "finance_admin"))
            permission_id = connection.scalar(sa.select(Permission.id).where(
                Permission.name == name))
            connection.execute(sa.insert(role_permissions).values(
                role_id=role_id, permission_id=permission_id))
            if bump:
                connection.execute(sa.update(RbacVersion).values(
                    version=RbacVersion.version + 1))

    with app.app_context():
        assert "users:read" not in services.effective_permissions(amina["id"])
    other_worker_adds("users:read", bump=False)
    with app.app_context():  # a later request of this worker: the cache answers
        assert "users:read" not in services.effective_permissions(amina["id"])
    other_worker_adds("users:contact", bump=True)
    with app.app_context():
        held = services.effective_permissions(amina["id"])
    assert {"users:read", "users:contact"} <= set(held)


def test_fr_ui_004_03_a_change_is_seen_in_the_same_request_before_commit(app):
    from idp.accounts.services import get_user
    from idp.rbac import services

    _b, amina = _user(app, "amina@example.com", "+967771000007", ("customer",))
    with app.test_request_context("/"):
        assert not services.can(amina["id"], "users:read")
        services.grant_permission(get_user(amina["id"]), "users:read")
        assert services.can(amina["id"], "users:read")
        db.session.rollback()
    with app.test_request_context("/"):
        assert not services.can(amina["id"], "users:read")


def test_fr_ui_004_03_a_new_user_with_roles_does_not_empty_every_cache(app):
    """A signup (user and role in one transaction) cannot be in another worker's cache: the
    version stays; a later change to the same user moves it."""
    from idp.accounts.services import get_user
    from idp.rbac import cache
    from idp.rbac import services

    def version():
        with app.app_context():
            return cache.current_version()

    before = version()
    _b, amina = _user(app, "amina@example.com", "+967771000008", ("customer",))
    assert version() == before
    with app.app_context():
        assert "bookings:create" in services.effective_permissions(amina["id"])
        services.assign_role(get_user(amina["id"]), "support_admin")
        db.session.commit()
    assert version() == before + 1
    with app.app_context():
        assert "users:read" in services.effective_permissions(amina["id"])
