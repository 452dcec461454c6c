"""Support-assisted recovery for a user who lost both password and email (EC-UI-002):
`idp users recover` records the identity checks, sets a new verified contact, ends the user's
sessions and sends a recovery link or code to the new contact; refusals are one line, exit 2."""

import json
import re
from urllib.parse import urlsplit

import pytest

from idp import audit
from idp.audit import AuditEvent
from tests.flows import PASSWORD
from tests.flows import Flows
from tests.flows import csrf_from

NEW = "Window-seat-77#"
CHECKS = "National ID card seen by video call; last two bookings confirmed"


@pytest.fixture
def idp(app):
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(args=list(args))

    return run


@pytest.fixture
def support(flows):
    return flows.make_user(email="support@example.com", phone="+967770000001",
                           name="Huda Support", roles=("support_admin",))


def refused(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


def device(app) -> Flows:
    flows = Flows(app, app.test_client())
    flows.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return flows


def test_ec_ui_002_recovery_to_a_new_email(app, idp, flows, user, support, outbox):
    lost_session = device(app)
    assert lost_session.login(user["email"]).status_code == 302

    result = idp("users", "recover", "--user", user["id"], "--support-admin", support["id"],
                 "--checks", CHECKS, "--new-email", "Amina.New@Example.com")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"id": user["id"], "sent": "reset link",
                                         "to": "Amina.New@Example.com"}
    with app.app_context():
        from idp.accounts.services import get_user

        recovered = get_user(user["id"])
        assert recovered.email == "amina.new@example.com"
        assert recovered.email_verified_at is not None
        [record] = audit.services.events(user_id=user["id"],
                                         event=AuditEvent.Password.SupportRecovery)
    assert record.detail == {"support_admin_id": support["id"], "checks": CHECKS,
                             "channel": "email"}
    assert lost_session.client.get("/account/password").status_code == 302  # signed out
    outbox.deliver()
    [email] = [m for m in outbox.emails if m.to == "amina.new@example.com"]
    link = urlsplit(re.search(r"https?://\S+/password/reset\?\S+", email.body).group(0))
    browser = device(app)
    page = browser.client.get(f"{link.path}?{link.query}").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    response = browser.client.post("/password/reset", data={
        "csrf_token": csrf_from(page), "token": token, "new_password": NEW,
        "confirm_password": NEW})
    assert response.status_code == 302
    assert device(app).login("amina.new@example.com", NEW).status_code == 302


def test_ec_ui_002_recovery_to_a_new_phone(app, idp, user, support, outbox):
    result = idp("users", "recover", "--user", user["id"], "--support-admin", support["id"],
                 "--checks", CHECKS, "--new-phone", "773334444")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sent"] == "reset code"
    outbox.deliver()
    code = outbox.last_code("+967773334444")
    browser = device(app)
    page = browser.client.get("/password/reset/code").get_data(as_text=True)
    response = browser.client.post("/password/reset/code", data={
        "csrf_token": csrf_from(page), "phone": "773334444", "code": code,
        "new_password": NEW, "confirm_password": NEW})
    assert response.status_code == 302
    assert device(app).login("773334444", NEW).status_code == 302
    assert device(app).login("771234567", PASSWORD).status_code == 200  # the old number


@pytest.mark.parametrize(("args", "message"), [
    (("--new-email", "x@example.com", "--new-phone", "773334444"), "exactly one new contact"),
    ((), "exactly one new contact"),
    (("--new-email", "not-an-email"), "valid email"),
    (("--new-email", "support@example.com"), "exists already"),
])
def test_ec_ui_002_refusals_are_one_line(idp, user, support, args, message):
    result = idp("users", "recover", "--user", user["id"], "--support-admin", support["id"],
                 "--checks", CHECKS, *args)
    assert message in refused(result)


def test_ec_ui_002_checks_must_be_described(idp, user, support):
    result = idp("users", "recover", "--user", user["id"], "--support-admin", support["id"],
                 "--checks", "   ", "--new-email", "x@example.com")
    assert "identity checks" in refused(result)


def test_ec_ui_002_only_a_support_admin_may_recover(app, idp, flows, user, outbox):
    customer = flows.make_user(email="other@example.com", phone="+967770000002",
                               roles=("customer",))

    result = idp("users", "recover", "--user", user["id"], "--support-admin", customer["id"],
                 "--checks", CHECKS, "--new-email", "x@example.com")

    assert "support or super admin" in refused(result)
    outbox.deliver()
    assert outbox.emails == []
    with app.app_context():
        assert not audit.services.events(event=AuditEvent.Password.SupportRecovery)


def test_ec_ui_002_a_support_admin_cannot_recover_their_own_account(idp, support):
    result = idp("users", "recover", "--user", support["id"], "--support-admin", support["id"],
                 "--checks", CHECKS, "--new-email", "x@example.com")
    assert "their own account" in refused(result)


def test_ec_ui_002_unknown_user(idp, support):
    result = idp("users", "recover", "--user", "no-such-user", "--support-admin", support["id"],
                 "--checks", CHECKS, "--new-email", "x@example.com")
    assert "no such user" in refused(result)
