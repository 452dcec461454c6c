"""Suspicious logins (BR-UI-007): a sign-in from a new device or a new network emails the user
a "this wasn't me" link; the link ends every session and starts a password reset."""

import re

from idp.audit import AuditEvent
from idp.audit.services import events
from idp.extensions import db
from tests.flows import Flows
from tests.flows import csrf_from
from tests.flows import query_of

NOT_ME = re.compile(r"https?://\S+/login/not-me\?\S+")


def device(app, address="127.0.0.1") -> Flows:
    flows = Flows(app, app.test_client())
    flows.client.environ_base["REMOTE_ADDR"] = address
    return flows


def notices(outbox, user) -> list:
    outbox.deliver()
    return [m for m in outbox.emails if m.to == user["email"] and NOT_ME.search(m.body)]


def live_sessions(app, user) -> int:
    from idp.sessions.models import LoginSession

    with app.app_context():
        return len(list(db.session.scalars(db.select(LoginSession).where(
            LoginSession.user_id == user["id"], LoginSession.ended_at.is_(None)))))


def test_br_ui_007_first_and_repeated_logins_notify_nobody(app, user, outbox):
    browser = device(app)
    assert browser.login(user["email"]).status_code == 302
    assert browser.login(user["email"]).status_code == 302

    assert notices(outbox, user) == []


def test_br_ui_007_login_from_a_new_device_is_notified(app, user, outbox):
    assert device(app).login(user["email"]).status_code == 302

    assert device(app).login(user["email"]).status_code == 302

    [email] = notices(outbox, user)
    assert "/login/not-me?token=" in email.body
    [event] = _events(app, user, AuditEvent.Security.SuspiciousLoginNotified)
    assert event.detail["reasons"] == ["device"]


def _events(app, user, event):
    with app.app_context():
        return events(user_id=user["id"], event=event)


def test_br_ui_007_login_from_a_new_network_is_notified(app, user, outbox):
    browser = device(app, "198.51.100.7")
    assert browser.login(user["email"]).status_code == 302
    browser.client.environ_base["REMOTE_ADDR"] = "198.51.100.200"  # the same /24
    assert browser.login(user["email"]).status_code == 302
    assert notices(outbox, user) == []

    browser.client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert browser.login(user["email"]).status_code == 302

    [email] = notices(outbox, user)
    assert "203.0.113.0/24" in email.body
    [event] = _events(app, user, AuditEvent.Security.SuspiciousLoginNotified)
    assert event.detail["reasons"] == ["network"]


def test_br_ui_007_a_failed_login_from_a_new_device_notifies_nobody(app, user, outbox):
    assert device(app).login(user["email"]).status_code == 302

    assert device(app).login(user["email"], "Not-my-password-1").status_code == 200

    assert notices(outbox, user) == []


def test_br_ui_007_this_wasnt_me_ends_every_session_and_starts_a_reset(app, user, outbox):
    owner = device(app)
    assert owner.login(user["email"]).status_code == 302
    intruder = device(app, "203.0.113.9")
    assert intruder.login(user["email"]).status_code == 302
    assert live_sessions(app, user) == 2
    [email] = notices(outbox, user)
    link = NOT_ME.search(email.body).group(0)
    path = link.split("localhost", 1)[1]

    confirm = owner.client.get(path)
    assert confirm.status_code == 200
    assert live_sessions(app, user) == 2  # opening the link changes nothing
    form = {"csrf_token": csrf_from(confirm.get_data(as_text=True)),
            "token": query_of(link)["token"]}
    done = owner.client.post("/login/not-me", data=form)

    assert done.status_code == 200
    assert live_sessions(app, user) == 0
    outbox.deliver()
    assert any("/password/reset?token=" in m.body for m in outbox.emails
               if m.to == user["email"])
    [used] = _events(app, user, AuditEvent.Security.NotMeUsed)
    assert used.detail["sessions_ended"] == 2
    assert owner.client.post("/login/not-me", data=form).status_code == 400  # once only


def test_br_ui_007_this_wasnt_me_link_expires(app, user, outbox, clock):
    device(app).login(user["email"])
    device(app).login(user["email"])
    link = NOT_ME.search(notices(outbox, user)[0].body).group(0)

    clock.tick(7 * 24 * 3600 + 1)

    assert device(app).client.get(link.split("localhost", 1)[1]).status_code == 400


def test_br_ui_007_unknown_not_me_token_is_refused_and_audited(app, flows):
    page = flows.client.get("/login/unlock").get_data(as_text=True)

    refused = flows.client.post("/login/not-me", data={"csrf_token": csrf_from(page),
                                                       "token": "made-up"})

    assert refused.status_code == 400
    with app.app_context():
        [event] = events(event=AuditEvent.Security.NotMeFailed)
    assert event.detail["reason"] == "unknown_link"


def test_br_ui_007_a_password_without_its_second_factor_makes_no_device_known(app, user,
                                                                              outbox, clock):
    """Someone holding the password but not the second factor must not get a known device
    (its own lockout bucket, no per-identifier limit): devices are noted once the login is
    complete, and only then is the owner told."""
    from idp.security.models import KnownDevice
    from tests.integration.mfa_steps import code
    from tests.integration.mfa_steps import enrol_totp
    from tests.integration.mfa_steps import logout
    from tests.integration.mfa_steps import second_step

    owner = device(app)
    assert owner.login(user["email"]).status_code == 302
    secret = enrol_totp(owner.client)["secret"]
    logout(owner.client)
    clock.tick(60)

    def known_devices() -> int:
        with app.app_context():
            return len(db.session.scalars(db.select(KnownDevice).where(
                KnownDevice.user_id == user["id"])).all())

    stranger = device(app)
    assert stranger.login(user["email"]).headers["Location"].endswith("/login/verify")
    assert known_devices() == 1 and notices(outbox, user) == []

    assert second_step(stranger.client, code(secret)).status_code == 302
    assert known_devices() == 2 and len(notices(outbox, user)) == 1
