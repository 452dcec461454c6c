"""Who must pass a second factor (FR-UI-002-03): admin roles and office representatives by
policy (IDP_MFA_REQUIRED_ROLES), enrolling right after the password; customers by choice.
Recovery codes and trusted devices (FR-UI-002-02)."""

import re

import pytest

from idp.extensions import db
from tests.flows import csrf_from
from tests.integration import mfa_steps
from tests.integration.mfa_steps import code
from tests.integration.mfa_steps import enrol_totp
from tests.integration.mfa_steps import second_step


@pytest.fixture
def policy(app, monkeypatch):
    monkeypatch.setitem(app.config, "IDP_MFA_REQUIRED_ROLES",
                        ["super_admin", "finance_admin", "support_admin", "office_rep"])


def sessions_of(app, user_id):
    from idp.sessions.models import LoginSession

    with app.app_context():
        return db.session.scalars(db.select(LoginSession).where(
            LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))).all()


@pytest.mark.parametrize("role", ["super_admin", "finance_admin", "support_admin", "office_rep"])
def test_fr_ui_002_03_required_role_enrols_right_after_the_password(policy, flows, client, app,
                                                                    role, clock):
    staff = flows.make_user(email=f"{role}@example.com", phone=None, roles=(role,))
    response = flows.login(staff["email"], next_url="/account/profile")
    assert response.headers["Location"].endswith("/login/enrol")
    assert sessions_of(app, staff["id"]) == []
    got = enrol_totp(client, "/login/enrol")
    assert got["response"].status_code == 200
    assert len(got["recovery"]) == 10
    assert 'href="/account/profile"' in got["response"].get_data(as_text=True)
    [login] = sessions_of(app, staff["id"])
    assert login.acr == "urn:bus-booking:acr:mfa"
    mfa_steps.logout(client)
    clock.tick(60)
    assert flows.login(staff["email"]).headers["Location"].endswith("/login/verify")
    assert second_step(client, code(got["secret"])).status_code == 302


def test_fr_ui_002_03_customer_without_factor_signs_in_with_the_password(policy, flows, user,
                                                                        app):
    response = flows.login(user["email"])
    assert response.headers["Location"] == "/"
    [login] = sessions_of(app, user["id"])
    assert login.amr == ["pwd"] and login.acr == "urn:bus-booking:acr:password"


def test_policy_is_configurable_per_role(app, monkeypatch, flows):
    monkeypatch.setitem(app.config, "IDP_MFA_REQUIRED_ROLES", ["finance_admin"])
    support = flows.make_user(email="s@example.com", phone=None, roles=("support_admin",))
    finance = flows.make_user(email="f@example.com", phone=None, roles=("finance_admin",))
    assert flows.login(support["email"]).headers["Location"] == "/"
    assert flows.login(finance["email"]).headers["Location"].endswith("/login/enrol")


def test_required_role_cannot_remove_its_last_factor(policy, flows, client):
    staff = flows.make_user(email="boss@example.com", phone=None, roles=("super_admin",))
    flows.login(staff["email"])
    enrol_totp(client, "/login/enrol")
    page = client.get("/account/security").get_data(as_text=True)
    refused = client.post("/account/security/remove", data={"csrf_token": csrf_from(page),
                                                            "kind": "totp"})
    assert refused.status_code == 400


# --- recovery codes ---


@pytest.fixture
def enrolled(flows, client, user, clock):
    flows.login(user["email"])
    got = enrol_totp(client)
    mfa_steps.logout(client)
    clock.tick(60)
    return got


def test_fr_ui_002_03_recovery_code_works_once(enrolled, flows, client, user, app):
    spare = enrolled["recovery"][0]
    flows.login(user["email"])
    done = second_step(client, spare.upper(), method="recovery")
    assert done.status_code == 302
    [login] = sessions_of(app, user["id"])
    assert login.acr == "urn:bus-booking:acr:mfa"
    mfa_steps.logout(client)
    flows.login(user["email"])
    assert second_step(client, spare, method="recovery").status_code == 400
    assert second_step(client, enrolled["recovery"][1], method="recovery").status_code == 302
    from idp.accounts.services import get_user
    from idp.mfa.recovery import remaining_recovery_codes

    with app.app_context():
        assert remaining_recovery_codes(get_user(user["id"])) == 8


def test_recovery_codes_are_stored_as_digests_and_regenerated(enrolled, flows, client, user,
                                                             app, clock):
    from idp.mfa.models import RecoveryCode

    with app.app_context():
        digests = [r.code_digest for r in db.session.scalars(db.select(RecoveryCode))]
    assert len(digests) == 10
    assert not any(c.replace("-", "") in d for c in enrolled["recovery"] for d in digests)
    flows.login(user["email"])
    second_step(client, code(enrolled["secret"]))
    page = client.get("/account/security").get_data(as_text=True)
    new = client.post("/account/security/recovery-codes", data={"csrf_token": csrf_from(page)})
    fresh = mfa_steps.recovery_codes_on(new.get_data(as_text=True))
    assert len(fresh) == 10 and not set(fresh) & set(enrolled["recovery"])
    mfa_steps.logout(client)
    flows.login(user["email"])
    assert second_step(client, enrolled["recovery"][2], method="recovery").status_code == 400
    assert second_step(client, fresh[0], method="recovery").status_code == 302


# --- trusted devices ---


def test_fr_ui_002_02_trusted_device_skips_the_second_factor_until_revoked(
        enrolled, flows, client, user, app, clock):
    flows.login(user["email"])
    assert second_step(client, code(enrolled["secret"]), trust=True).status_code == 302
    mfa_steps.logout(client)
    assert flows.login(user["email"]).headers["Location"] == "/"
    [login] = sessions_of(app, user["id"])
    assert login.amr == ["pwd"]
    page = client.get("/account/security").get_data(as_text=True)
    action = re.search(r'action="(/account/security/devices/[^"]+/untrust)"', page).group(1)
    client.post(action, data={"csrf_token": csrf_from(page)})
    mfa_steps.logout(client)
    assert flows.login(user["email"]).headers["Location"].endswith("/login/verify")


def test_fr_ui_002_02_trust_lasts_30_days(enrolled, flows, client, user, clock):
    flows.login(user["email"])
    second_step(client, code(enrolled["secret"]), trust=True)
    mfa_steps.logout(client)
    clock.tick(30 * 24 * 3600 + 1)
    assert flows.login(user["email"]).headers["Location"].endswith("/login/verify")


def test_trust_belongs_to_the_device(enrolled, flows, client, user, app):
    flows.login(user["email"])
    second_step(client, code(enrolled["secret"]), trust=True)
    other = app.test_client()
    from tests.flows import Flows

    assert Flows(app, other).login(user["email"]).headers["Location"].endswith("/login/verify")
