"""The break-glass account (the risk "loss of access for everyone", issue 5 §6):
`idp admin emergency` creates or re-enables a super admin with a one-time password that must be
changed at the first sign-in; loudly audited and alerted."""

from __future__ import annotations

import re

import pytest

from idp.extensions import db
from tests.flows import PASSWORD
from tests.flows import csrf_from

EMAIL = "root@platform.example"
NEW_PASSWORD = "Fresh-Start-2026!"


@pytest.fixture(autouse=True)
def in_english(flows):
    flows.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def emergency(idp, *args):
    result = idp("admin", "emergency", "--email", EMAIL, *args)
    assert result.exit_code == 0, result.output
    password = re.search(r"one-time password .*: (\S+)$", result.stdout, re.M).group(1)
    return result, password


def _rows(app, event, user_id=None):
    from idp.audit.services import LogFilter
    from idp.audit.services import search

    with app.app_context():
        rows, _ = search(LogFilter(event=event, user_id=user_id), limit=500)
        return rows


def _user(app):
    from idp.accounts.services import find_user
    from idp.rbac.services import role_names

    with app.app_context():
        user = find_user(EMAIL)
        return {"id": user.id, "status": user.status, "roles": role_names(user.id),
                "email_verified": user.email_verified_at is not None}


def change_password(flows, current, new=NEW_PASSWORD):
    page = flows.client.get("/account/password")
    assert page.status_code == 200
    return flows.client.post("/account/password", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "current_password": current,
        "new_password": new, "confirm_password": new})


def test_creates_an_active_super_admin_with_a_one_time_password_shown_once(app, idp, outbox):
    result, password = emergency(idp, "--phone", "+967771000009")

    assert "created super admin" in result.stdout
    user = _user(app)
    assert user["status"] == "active" and user["email_verified"]
    assert "super_admin" in user["roles"]
    [row] = _rows(app, "admin:emergency:account")
    assert row.user_id == user["id"] and row.detail["created"] is True
    assert row.detail["operator"] and row.detail["host"]
    # The password is in the operator's terminal only: not in the log, not in any message.
    assert password not in repr(row.detail)
    sent = outbox.deliver()
    assert sent and all(password not in getattr(m, "body", "") for m in sent)


def test_alerts_the_security_contact_and_the_account_by_email(app, idp, outbox,
                                                               monkeypatch):
    monkeypatch.setitem(app.config, "IDP_SECURITY_CONTACT", "security@platform.example")
    # The contact has no account, so its mail is in the default language: English here, to
    # read the subject and body below.
    monkeypatch.setitem(app.config, "IDP_DEFAULT_LOCALE", "en")
    result, _ = emergency(idp)
    assert "alert sent to security@platform.example" in result.stdout
    alerts = [m for m in outbox.deliver() if "emergency super admin" in m.subject]
    assert sorted(m.to for m in alerts) == ["root@platform.example",
                                            "security@platform.example"]
    assert EMAIL in alerts[0].body and "activity log" in alerts[0].body


def test_without_a_security_contact_the_operator_is_warned(app, idp, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "IDP_SECURITY_CONTACT", "")
    monkeypatch.setitem(app.config, "IDP_DEFAULT_LOCALE", "en")  # to read the subject below
    result, _ = emergency(idp)
    assert "IDP_SECURITY_CONTACT is not set" in result.stderr
    alerts = [m for m in outbox.deliver() if "emergency super admin" in m.subject]
    assert [m.to for m in alerts] == [EMAIL]


def test_one_time_password_must_be_changed_before_anything_else(app, idp, flows):
    _, password = emergency(idp)
    assert flows.login(EMAIL, password).status_code == 302

    for path in ("/", "/account/profile", "/authorize?client_id=x"):
        response = flows.client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/account/password"), path

    assert change_password(flows, password).status_code == 302
    assert flows.client.get("/").status_code == 200
    [done] = _rows(app, "admin:password_change:completed")
    assert done.user_id == _user(app)["id"] and done.detail["reason"] == "emergency"
    # The one-time password is gone; the new one works.
    other = type(flows)(app, app.test_client())
    assert other.login(EMAIL, password).status_code == 200
    assert other.login(EMAIL, NEW_PASSWORD).status_code == 302


def test_re_enables_a_disabled_account_and_ends_what_it_held(app, idp, flows):
    existing = flows.make_user(email=EMAIL, phone="+967771000010")
    assert flows.login(EMAIL, PASSWORD).status_code == 302
    flows.set_user_status(existing, "disabled")

    result, password = emergency(idp)

    assert "re-enabled super admin" in result.stdout
    user = _user(app)
    assert user["id"] == existing["id"] and user["status"] == "active"
    assert "super_admin" in user["roles"]
    [row] = _rows(app, "admin:emergency:account")
    assert row.detail["created"] is False
    # Whoever held the old session or password holds nothing now.
    assert flows.client.get("/account/password").status_code == 302
    other = type(flows)(app, app.test_client())
    assert other.login(EMAIL, PASSWORD).status_code == 200
    assert other.login(EMAIL, password).status_code == 302


def test_running_it_again_issues_a_new_password_and_the_old_one_dies(app, idp, flows):
    _, first = emergency(idp)
    _, second = emergency(idp)
    assert first != second
    assert flows.login(EMAIL, first).status_code == 200
    assert flows.login(EMAIL, second).status_code == 302
    assert len(_rows(app, "admin:emergency:account")) == 2


def test_a_bad_email_fails_in_one_line(idp):
    from tests.integration.conftest import refused

    refused(idp("admin", "emergency", "--email", "not-an-email"))


def test_other_users_are_not_sent_to_the_password_page(app, flows, user):
    assert flows.login(user["email"]).status_code == 302
    assert flows.client.get("/").status_code == 200
    with app.app_context():
        from idp.admin.models import PasswordChangeRequired

        assert db.session.get(PasswordChangeRequired, user["id"]) is None


def test_with_the_mfa_policy_it_enrols_a_second_factor_then_changes_the_password(
        app, idp, flows, monkeypatch, clock):
    from tests.integration.mfa_steps import enrol_totp

    monkeypatch.setitem(app.config, "IDP_MFA_REQUIRED_ROLES", ["super_admin"])
    _, password = emergency(idp)

    response = flows.login(EMAIL, password)
    assert response.headers["Location"].endswith("/login/enrol")
    assert enrol_totp(flows.client, "/login/enrol")["response"].status_code == 200
    assert flows.client.get("/").headers["Location"].endswith("/account/password")
    assert change_password(flows, password).status_code == 302
    assert flows.client.get("/").status_code == 200


def test_re_enabling_with_a_phone_of_another_account_fails_in_one_line(app, idp, flows):
    from tests.integration.conftest import refused

    flows.make_user(email=EMAIL, phone=None)
    flows.make_user(email="other@example.com", phone="+967771000011")
    line = refused(idp("admin", "emergency", "--email", EMAIL, "--phone", "+967771000011"))
    assert "error:" in line
    assert _rows(app, "admin:emergency:account") == []
