"""One-time codes by SMS or email as a second factor (FR-UI-002-03, EC-UI-003): through the
outbox, 6 digits, 5 minutes, a few attempts, resends paced 30 s, 60 s…"""

import pytest

from idp.audit.services import events
from tests.flows import csrf_from
from tests.integration import mfa_steps
from tests.integration.mfa_steps import field_errors
from tests.integration.mfa_steps import second_step


def enable_channel(client, outbox, channel: str, to: str):
    page = client.get("/account/security").get_data(as_text=True)
    sent = client.post("/account/security/channel", data={"csrf_token": csrf_from(page),
                                                          "send": channel})
    assert sent.status_code == 200, sent.get_data(as_text=True)
    outbox.deliver()
    confirm = client.post("/account/security/channel/confirm", data={
        "csrf_token": csrf_from(sent.get_data(as_text=True)), "channel": channel,
        "code": outbox.last_code(to)})
    assert confirm.status_code == 200
    return mfa_steps.recovery_codes_on(confirm.get_data(as_text=True))


@pytest.fixture
def sms_user(flows, client, user, outbox, clock):
    flows.login(user["email"])
    enable_channel(client, outbox, "sms", user["phone"])
    mfa_steps.logout(client)
    clock.tick(3600)
    outbox.clear()
    return user


def test_fr_ui_002_03_sms_code_is_sent_at_login_and_signs_in(sms_user, flows, client, outbox,
                                                            app):
    response = flows.login(sms_user["email"])
    assert response.headers["Location"].endswith("/login/verify")
    [sms] = outbox.deliver()
    assert sms.to == sms_user["phone"]
    done = second_step(client, outbox.last_code(sms_user["phone"]), method="sms")
    assert done.status_code == 302
    from idp.extensions import db
    from idp.sessions.models import LoginSession

    with app.app_context():
        login = db.session.scalar(db.select(LoginSession).where(
            LoginSession.user_id == sms_user["id"], LoginSession.ended_at.is_(None)))
        assert login.amr == ["pwd", "sms", "mfa"]
        assert {"mfa:challenge:sent", "mfa:challenge:success"} <= {
            e.event for e in events(user_id=sms_user["id"])}


def test_fr_ui_002_03_sms_code_expires_after_5_minutes(sms_user, flows, client, outbox, clock):
    flows.login(sms_user["email"])
    outbox.deliver()
    sent = outbox.last_code(sms_user["phone"])
    clock.tick(301)
    refused = second_step(client, sent, method="sms")
    assert refused.status_code == 400


def test_nfr_ui_002_03_code_stops_working_after_5_wrong_entries(sms_user, flows, client,
                                                               outbox):
    flows.login(sms_user["email"])
    outbox.deliver()
    sent = outbox.last_code(sms_user["phone"])
    wrong = "000000" if sent != "000000" else "111111"
    for _ in range(5):
        assert second_step(client, wrong, method="sms").status_code == 400
    assert second_step(client, sent, method="sms").status_code in (400, 423)


def test_ec_ui_003_resend_waits_longer_each_time(sms_user, flows, client, outbox, clock):
    flows.login(sms_user["email"])  # the first code goes at once

    def resend():
        page = client.get("/login/verify?method=sms").get_data(as_text=True)
        return client.post("/login/verify/send", data={"csrf_token": csrf_from(page),
                                                       "send": "sms"})

    assert resend().status_code == 429
    clock.tick(30)
    assert resend().status_code == 302
    clock.tick(30)
    assert resend().status_code == 429  # now 60 s
    clock.tick(30)
    assert resend().status_code == 302
    assert len(outbox.deliver()) == 3


def test_fr_ui_002_03_email_code_as_second_factor(flows, client, user, outbox, clock, app):
    flows.login(user["email"])
    enable_channel(client, outbox, "email", user["email"])
    mfa_steps.logout(client)
    clock.tick(3600)
    flows.login(user["email"])
    outbox.deliver()
    done = second_step(client, outbox.last_code(user["email"]), method="email")
    assert done.status_code == 302


def test_a_wrong_code_keeps_the_page_and_says_so(sms_user, flows, client, outbox):
    flows.login(sms_user["email"])
    refused = second_step(client, "12", method="sms")
    assert refused.status_code == 400 and field_errors(refused)
    assert 'name="code"' in refused.get_data(as_text=True)
