"""TOTP as a second factor (FR-UI-002-03): enrolment from the page, the login's second step,
no code accepted twice, the secret encrypted at rest (NFR-UI-002-02), and the audit trail."""

import pytest

from idp.audit.services import events
from idp.extensions import db
from idp.mfa.models import MfaMethod
from idp.sessions.services import ACR_MFA
from tests.flows import csrf_from
from tests.integration import mfa_steps
from tests.integration.mfa_steps import code
from tests.integration.mfa_steps import enrol_totp
from tests.integration.mfa_steps import second_step


@pytest.fixture
def enrolled(flows, client, user, clock):
    """The customer with a TOTP, signed out again; its secret and recovery codes."""
    assert flows.login(user["email"]).status_code == 302
    got = enrol_totp(client)
    assert got["response"].status_code == 200
    mfa_steps.logout(client)
    clock.tick(60)  # past the enrolment code's step and the one after it
    return got


def live_session(app, user_id):
    from idp.sessions.models import LoginSession

    with app.app_context():
        return db.session.scalars(db.select(LoginSession).where(
            LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))).all()


def test_fr_ui_002_03_enrolment_page_shows_qr_secret_and_uri(flows, client, user):
    flows.login(user["email"])
    page = client.get("/account/security/totp").get_data(as_text=True)
    assert "<svg" in page and 'class="segno"' in page
    secret = mfa_steps.secret_on(page)
    assert len(secret) == 32
    assert "otpauth://totp/" in page and f"secret={secret}" in page


def test_fr_ui_002_03_totp_is_active_only_after_a_first_code(flows, client, user, app):
    flows.login(user["email"])
    page = client.get("/account/security/totp").get_data(as_text=True)
    secret = mfa_steps.secret_on(page)
    wrong_code = "000000" if code(secret) != "000000" else "111111"
    wrong = client.post("/account/security/totp", data={"csrf_token": csrf_from(page),
                                                         "code": wrong_code})
    assert wrong.status_code == 400
    with app.app_context():
        row = db.session.scalar(db.select(MfaMethod).where(MfaMethod.user_id == user["id"]))
        assert row.confirmed_at is None
    got = client.post("/account/security/totp", data={"csrf_token": csrf_from(page),
                                                       "code": code(secret)})
    assert got.status_code == 200
    assert len(mfa_steps.recovery_codes_on(got.get_data(as_text=True))) == 10


def test_nfr_ui_002_02_totp_secret_is_encrypted_at_rest_with_its_key_id(enrolled, app, user):
    with app.app_context():
        row = db.session.scalar(db.select(MfaMethod).where(MfaMethod.user_id == user["id"]))
        assert row.secret_encrypted.startswith("dev.")
        assert enrolled["secret"] not in row.secret_encrypted


def test_fr_ui_002_03_login_asks_the_second_factor_before_any_session(enrolled, flows, client,
                                                                      user, app):
    response = flows.login(user["email"])
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login/verify")
    assert "idp_session=" not in " ".join(response.headers.getlist("Set-Cookie"))
    assert live_session(app, user["id"]) == []
    page = client.get("/login/verify").get_data(as_text=True)
    assert 'name="code"' in page and 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page
    assert client.get("/account/security").status_code == 302  # not signed in yet
    done = second_step(client, code(enrolled["secret"]))
    assert done.status_code == 302 and done.headers["Location"] == "/"
    [login] = live_session(app, user["id"])
    assert login.acr == ACR_MFA and login.amr == ["pwd", "otp", "mfa"]


def test_fr_ui_002_03_a_code_one_step_old_is_accepted(enrolled, flows, client, user):
    flows.login(user["email"])
    assert second_step(client, code(enrolled["secret"], -1)).status_code == 302


def test_fr_ui_002_03_a_code_two_steps_away_is_refused(enrolled, flows, client, user):
    flows.login(user["email"])
    refused = second_step(client, code(enrolled["secret"], 2))
    assert refused.status_code == 400
    assert mfa_steps.field_errors(refused)


def test_fr_ui_002_03_replayed_totp_code_is_refused(enrolled, flows, client, user, app, clock):
    used = code(enrolled["secret"])
    flows.login(user["email"])
    assert second_step(client, used).status_code == 302
    mfa_steps.logout(client)
    flows.login(user["email"])
    replay = second_step(client, used)
    assert replay.status_code == 400
    with app.app_context():
        failure = events(user_id=user["id"], event="mfa:challenge:failure")[0]
        assert failure.detail["reason"] == "replayed"
    clock.tick(30)
    assert second_step(client, code(enrolled["secret"])).status_code == 302


def test_fr_ui_002_03_the_half_done_login_expires(enrolled, flows, client, user, clock):
    flows.login(user["email"])
    clock.tick(601)
    page = client.get("/login/verify")
    assert page.status_code == 400
    response = client.post("/login/verify", data={
        "csrf_token": csrf_from(client.get("/login").get_data(as_text=True)),
        "code": code(enrolled["secret"]), "method": "totp"})
    assert response.status_code == 400
    assert 'href="/login"' in response.get_data(as_text=True)


def test_next_and_remember_survive_the_second_step(enrolled, flows, client, user, app):
    response = flows.login(user["email"], next_url="/account/profile", remember=True)
    assert response.headers["Location"].endswith("/login/verify")
    done = second_step(client, code(enrolled["secret"]))
    assert done.headers["Location"] == "/account/profile"
    [login] = live_session(app, user["id"])
    assert login.remember is True
    cookie = [h for h in done.headers.getlist("Set-Cookie") if h.startswith("idp_session=")]
    assert "Max-Age" in cookie[0] or "Expires" in cookie[0]


def test_br_ui_010_second_factor_events_are_audited(enrolled, flows, client, user, app):
    flows.login(user["email"])
    second_step(client, "000000" if code(enrolled["secret"]) != "000000" else "111111")
    second_step(client, code(enrolled["secret"]))
    with app.app_context():
        names = {row.event for row in events(user_id=user["id"])}
    assert {"mfa:method:enrolled", "mfa:recovery_codes:regenerated", "mfa:challenge:started",
            "mfa:challenge:failure", "mfa:challenge:success"} <= names
    with app.app_context():
        row = events(user_id=user["id"], event="mfa:challenge:failure")[0]
        assert row.ip and row.user_agent is not None and row.created_at


def test_a_password_alone_cannot_enrol_a_new_factor_on_an_account_that_has_one(
        enrolled, flows, client, user):
    flows.login(user["email"])
    assert client.get("/login/enrol").status_code == 400
