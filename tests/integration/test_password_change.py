"""Changing the password with the current one (FR-UI-003-02): the page, each refusal, the
other sessions and refresh tokens that end with it (FR-UI-005), the notification (FR-UI-003-04),
and the last five passwords (FR-UI-003-05)."""

import pytest

from idp import audit
from idp.audit import AuditEvent
from tests.flows import PASSWORD
from tests.flows import Flows
from tests.flows import csrf_from

NEW = "Window-seat-77#"
OFFLINE = "openid email offline_access"


def change(flows, current, new, confirm=None):
    page = flows.client.get("/account/password")
    assert page.status_code == 200, page.status_code
    return flows.client.post("/account/password", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "current_password": current,
        "new_password": new, "confirm_password": new if confirm is None else confirm})


def signed_in(flows) -> bool:
    return flows.client.get("/account/password").status_code == 200


def events(app, user, event):
    with app.app_context():
        return audit.services.events(user_id=user["id"], event=event)


@pytest.fixture(autouse=True)
def in_english(flows):
    """The messages asserted are the English ones (the pages default to Arabic)."""
    flows.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def other_device(app) -> Flows:
    device = Flows(app, app.test_client())
    device.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return device


@pytest.fixture
def signed_in_user(flows, user):
    assert flows.login(user["email"]).status_code == 302
    return user


def test_fr_ui_003_02_change_page_needs_a_login(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account/password"


def test_fr_ui_003_02_page_has_the_right_autocomplete_and_csrf(flows, signed_in_user):
    page = flows.client.get("/account/password").get_data(as_text=True)
    assert 'name="current_password"' in page and 'autocomplete="current-password"' in page
    assert page.count('autocomplete="new-password"') == 2
    assert 'autocomplete="username"' in page and signed_in_user["email"] in page
    assert csrf_from(page)


def test_fr_ui_003_02_change_password_with_the_current_one(app, flows, signed_in_user, outbox):
    response = change(flows, PASSWORD, NEW)

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password/changed"
    assert signed_in(flows)  # this session stays
    done = flows.client.get("/account/password/changed").get_data(as_text=True)
    assert "Your password has been changed" in done
    other = other_device(app)
    assert other.login(signed_in_user["email"], PASSWORD).status_code == 200  # refused
    assert other.login(signed_in_user["email"], NEW).status_code == 302
    [record] = events(app, signed_in_user, AuditEvent.Password.Changed)
    assert record.session_id


def test_fr_ui_003_02_wrong_current_password_is_refused(app, flows, signed_in_user):
    response = change(flows, "Not-my-password-1", NEW)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Your current password is not correct." in page
    assert "Not-my-password-1" not in page and NEW not in page  # never echoed
    other = other_device(app)
    assert other.login(signed_in_user["email"], PASSWORD).status_code == 302
    [record] = events(app, signed_in_user, AuditEvent.Password.ChangeFailed)
    assert record.result == "failure"


@pytest.mark.parametrize(("new", "message"), [
    ("Bus-42!", "Use at least 8 characters."),
    ("Seat-booking-x", "Include at least one digit (0-9)."),
    ("Seatbooking42x", "Include at least one symbol"),
    ("Password1!", "This password is too common"),
    ("Amina#2024x", "Do not use your name, email address or phone number"),
    ("Seat-771234567!", "Do not use your name, email address or phone number"),
    (PASSWORD, "Choose a password you have not used for your last 5 passwords."),
])
def test_fr_ui_003_01_policy_refusals_show_on_the_new_password_field(flows, signed_in_user,
                                                                     new, message):
    response = change(flows, PASSWORD, new)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert f'value="{new}"' not in page
    # The message sits after the new-password input, before the confirmation's.
    assert page.index('name="new_password"') < page.index(message) < page.index(
        'name="confirm_password"')


def test_fr_ui_003_02_confirmation_must_match(flows, signed_in_user):
    page = change(flows, PASSWORD, NEW, confirm=NEW + "x").get_data(as_text=True)
    assert "The two passwords are not the same." in page


def test_fr_ui_003_02_other_sessions_end_and_refresh_tokens_are_revoked(app, flows,
                                                                         signed_in_user, rp):
    here = flows.tokens_for(rp, signed_in_user, scope=OFFLINE)  # under this session
    phone = other_device(app)  # the same user on another device
    there = phone.tokens_for(rp, signed_in_user, scope=OFFLINE)
    assert signed_in(phone)

    assert change(flows, PASSWORD, NEW).status_code == 302

    assert not signed_in(phone)
    assert signed_in(flows)
    for tokens in (here, there):  # every refresh token, this session's too
        response = flows.refresh(rp, tokens["refresh_token"])
        assert response.status_code == 400
        assert response.get_json()["error"] == "invalid_grant"
        assert flows.introspect(flows.make_service(name=f"rs-{id(tokens)}"),
                                tokens["access_token"]).get_json()["active"] is False


def test_fr_ui_003_04_change_is_notified_by_email_and_sms(flows, signed_in_user, outbox):
    change(flows, PASSWORD, NEW)

    outbox.deliver()
    assert [m.to for m in outbox.emails] == [signed_in_user["email"]]
    assert [m.to for m in outbox.sms] == [signed_in_user["phone"]]


def test_fr_ui_003_05_last_five_passwords_cannot_be_reused(app, flows, signed_in_user,
                                                           monkeypatch):
    monkeypatch.setitem(app.config, "IDP_PASSWORD_CHANGE_RATE_LIMIT", "100 per minute")
    passwords = [PASSWORD, "Route-one-11!", "Route-two-22!", "Route-three-33!",
                 "Route-four-44!"]
    for old, new in zip(passwords, passwords[1:], strict=False):
        assert change(flows, old, new).status_code == 302
    for earlier in passwords:  # the current one and the four before it
        page = change(flows, passwords[-1], earlier).get_data(as_text=True)
        assert "you have not used for your last 5 passwords" in page, earlier

    assert change(flows, passwords[-1], "Route-five-55!").status_code == 302
    # The first password is now the sixth last: it may come back.
    assert change(flows, "Route-five-55!", PASSWORD).status_code == 302


def test_fr_ui_003_02_change_is_rate_limited_per_user(app, flows, signed_in_user, monkeypatch):
    monkeypatch.setitem(app.config, "IDP_PASSWORD_CHANGE_RATE_LIMIT", "2 per minute")
    for _ in range(2):
        assert change(flows, "Wrong-password-1", NEW).status_code == 200

    response = change(flows, "Wrong-password-1", NEW)

    assert response.status_code == 429
    assert response.headers["Retry-After"]


def test_fr_ui_003_05_set_password_checks_policy_and_history_for_signup(app, ctx):
    from idp.accounts.errors import PasswordNeedsSymbol
    from idp.accounts.errors import PasswordReused
    from idp.accounts.models import User
    from idp.accounts.passwords import set_password
    from idp.accounts.services import create_user
    from idp.extensions import db
    from idp.security.passwords import verify_password

    user = create_user(email="new@example.com", phone=None, password=None, name="Nadia Omar")
    with pytest.raises(PasswordNeedsSymbol):
        set_password(user, "Seatbooking42")
    set_password(user, PASSWORD)
    db.session.commit()
    with pytest.raises(PasswordReused):
        set_password(user, PASSWORD)

    stored = db.session.get(User, user.id)
    assert verify_password(stored.password_hash, PASSWORD).ok
    assert stored.password_hash.startswith("$argon2id$")
    [record] = audit.services.events(user_id=user.id, event=AuditEvent.Password.Set)
    assert record.detail is None  # nothing of the password in the log


def test_fr_ui_003_02_the_kept_session_gets_a_new_cookie_secret(app, flows, signed_in_user):
    """A password change is a privilege change (issue 6): the session this browser keeps gets a
    new cookie secret, so a cookie copied before the change opens nothing after it."""
    before = flows.client.get_cookie("idp_session").value

    assert change(flows, PASSWORD, NEW).status_code == 302

    after = flows.client.get_cookie("idp_session").value
    assert after != before and signed_in(flows)
    thief = other_device(app)
    thief.client.set_cookie("idp_session", before)
    assert thief.client.get("/account/password").status_code == 302  # to the login page
