"""Changing the email address or phone number (FR-UI-006-03): nothing changes until the new
address is verified, the old one is then told, a taken address is refused (also when it is
taken between the request and the confirmation), and each step is audited."""

import re
from urllib.parse import urlsplit

import pytest

from idp import audit
from idp.accounts.services import get_user
from idp.accounts.services import phone_number
from idp.audit import AuditEvent
from tests.flows import PASSWORD
from tests.flows import Flows
from tests.flows import csrf_from

NEW_EMAIL = "amina.new@example.com"
NEW_PHONE = "+967771112233"
LINK = re.compile(r"https?://\S+/account/email/verify\?\S+")


@pytest.fixture(autouse=True)
def in_english(flows):
    flows.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def signed_in_user(flows, user):
    assert flows.login(user["email"]).status_code == 302
    return user


def post_form(flows, path, **fields):
    page = flows.client.get(path)
    assert page.status_code == 200, page.status_code
    return flows.client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                         **fields})


def ask_email_change(flows, email=NEW_EMAIL, password=PASSWORD):
    return post_form(flows, "/account/profile/email", email=email, current_password=password)


def ask_phone_change(flows, phone=NEW_PHONE, password=PASSWORD):
    return post_form(flows, "/account/profile/phone", phone=phone, current_password=password)


def enter_code(flows, code, action="confirm"):
    return post_form(flows, "/account/profile/phone/code", code=code, action=action)


def link_sent_to(outbox, address) -> str:
    outbox.deliver()
    bodies = [email.body for email in outbox.emails if email.to == address]
    assert bodies, f"nothing was sent to {address}"
    link = LINK.search(bodies[-1]).group(0)
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def open_link(client, path):
    """Open the link, then press its Confirm button, as the user does."""
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    text = page.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', text).group(1)
    return client.post("/account/email/verify", data={"csrf_token": csrf_from(text),
                                                      "token": token})


def contacts(app, user):
    with app.app_context():
        stored = get_user(user["id"])
        return stored.email, phone_number(stored)


def events(app, user, event):
    with app.app_context():
        return audit.services.events(user_id=user["id"], event=event)


# --- email -----------------------------------------------------------------------------------


def test_fr_ui_006_03_email_change_takes_effect_after_the_link(app, flows, signed_in_user,
                                                              outbox):
    response = ask_email_change(flows)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/profile/email/sent"
    sent = flows.client.get("/account/profile/email/sent").get_data(as_text=True)
    assert NEW_EMAIL in sent and signed_in_user["email"] in sent
    # Until the link is opened, the old address stays and still signs in.
    assert contacts(app, signed_in_user)[0] == signed_in_user["email"]

    path = link_sent_to(outbox, NEW_EMAIL)
    page = flows.client.get(path).get_data(as_text=True)
    assert NEW_EMAIL in page  # the page says which address it confirms
    assert contacts(app, signed_in_user)[0] == signed_in_user["email"]  # a GET changes nothing
    response = open_link(flows.client, path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/profile"
    profile = flows.client.get("/account/profile").get_data(as_text=True)
    assert "Your email address was changed." in profile and NEW_EMAIL in profile
    assert contacts(app, signed_in_user)[0] == NEW_EMAIL

    # The old address is told, once the change is made.
    told = [e for e in outbox.deliver() if getattr(e, "to", None) == signed_in_user["email"]]
    assert [e.subject for e in told] == ["The email address of your account was changed"]
    assert "a•••w@example.com" in told[0].body and NEW_EMAIL not in told[0].body
    [changed] = events(app, signed_in_user, AuditEvent.Profile.ContactChanged)
    assert changed.detail["channel"] == "email"
    assert "@" not in str(changed.detail)  # digests, not addresses
    assert events(app, signed_in_user, AuditEvent.Profile.ContactChangeRequested)

    other = Flows(app, app.test_client())
    assert other.login(NEW_EMAIL).status_code == 302
    assert other.login(signed_in_user["email"]).status_code == 200  # refused


def test_fr_ui_006_03_link_opened_without_a_session_still_confirms(app, flows,
                                                                  signed_in_user, outbox):
    ask_email_change(flows)
    path = link_sent_to(outbox, NEW_EMAIL)
    phone = app.test_client()  # the mail app on another device
    phone.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = open_link(phone, path)
    assert response.status_code == 200
    assert "Your email address is now" in response.get_data(as_text=True)
    assert contacts(app, signed_in_user)[0] == NEW_EMAIL


def test_fr_ui_006_03_link_works_once(app, flows, signed_in_user, outbox):
    ask_email_change(flows)
    path = link_sent_to(outbox, NEW_EMAIL)
    assert open_link(flows.client, path).status_code == 302
    again = flows.client.get(path)
    assert again.status_code == 400
    assert "This link is not valid or has been used already." in again.get_data(as_text=True)


def test_fr_ui_006_03_a_later_request_cancels_the_earlier_link(app, flows, signed_in_user,
                                                               outbox):
    ask_email_change(flows, email="first@example.com")
    first = link_sent_to(outbox, "first@example.com")
    ask_email_change(flows, email="second@example.com")
    assert flows.client.get(first).status_code == 400
    assert contacts(app, signed_in_user)[0] == signed_in_user["email"]


def test_fr_ui_006_03_bad_token_is_refused(flows, signed_in_user):
    for path in ("/account/email/verify", "/account/email/verify?token=forged"):
        response = flows.client.get(path)
        assert response.status_code == 400
        assert "This link is not valid" in response.get_data(as_text=True)


def test_fr_ui_006_03_email_in_use_is_refused(app, flows, signed_in_user, outbox):
    flows.make_user(email="taken@example.com", phone="+967771234568")
    response = ask_email_change(flows, email="Taken@Example.com")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This email address is used by another account." in page
    assert 'value="Taken@Example.com"' in page  # what was typed stays
    outbox.deliver()
    assert outbox.emails == []
    [refused] = events(app, signed_in_user, AuditEvent.Profile.ContactChangeRefused)
    assert refused.detail["reason"] == "in_use"


def test_fr_ui_006_03_address_taken_before_the_link_is_opened_is_refused(
        app, flows, signed_in_user, outbox):
    ask_email_change(flows)
    path = link_sent_to(outbox, NEW_EMAIL)
    flows.make_user(email=NEW_EMAIL, phone="+967771234568")  # someone signs up with it
    response = open_link(flows.client, path)
    assert response.status_code == 409
    assert "This email address is used by another account." in response.get_data(as_text=True)
    assert contacts(app, signed_in_user)[0] == signed_in_user["email"]
    assert not events(app, signed_in_user, AuditEvent.Profile.ContactChanged)
    [refused] = events(app, signed_in_user, AuditEvent.Profile.ContactChangeRefused)
    assert refused.detail["reason"] == "in_use_at_confirmation"


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"email": "not-an-address"}, "email", "Enter a valid email address."),
    ({"email": "amina@example.com"}, "email", "This is already your email address."),
    ({"email": NEW_EMAIL, "password": "wrong"}, "current_password",
     "Your current password is not correct."),
    ({"email": ""}, "email", "Enter your new email address."),
])
def test_fr_ui_006_03_email_change_refusals(app, flows, signed_in_user, outbox, fields, field,
                                            message):
    response = ask_email_change(flows, **fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="wrong"' not in page  # a password is never sent back
    outbox.deliver()
    assert outbox.emails == []
    assert contacts(app, signed_in_user)[0] == signed_in_user["email"]


# --- phone -----------------------------------------------------------------------------------


def test_fr_ui_006_03_phone_change_takes_effect_after_the_code(app, flows, signed_in_user,
                                                              outbox):
    response = ask_phone_change(flows, phone="77 111 2233")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/profile/phone/code"
    page = flows.client.get("/account/profile/phone/code").get_data(as_text=True)
    assert "+967 •••••2233" in page
    assert contacts(app, signed_in_user)[1] == signed_in_user["phone"]

    outbox.deliver()
    code = outbox.last_code(NEW_PHONE)
    response = enter_code(flows, code)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/profile"
    profile = flows.client.get("/account/profile").get_data(as_text=True)
    assert "Your phone number was changed." in profile and "•••••2233" in profile
    assert contacts(app, signed_in_user)[1] == NEW_PHONE

    told = [sms for sms in outbox.deliver() if sms.to == signed_in_user["phone"]]
    assert len(told) == 1
    assert "+967 *****2233" in told[0].text and NEW_PHONE not in told[0].text
    [changed] = events(app, signed_in_user, AuditEvent.Profile.ContactChanged)
    assert changed.detail["channel"] == "phone"
    assert Flows(app, app.test_client()).login(NEW_PHONE).status_code == 302


def test_fr_ui_006_03_wrong_code_changes_nothing(app, flows, signed_in_user, outbox):
    ask_phone_change(flows)
    outbox.deliver()
    code = outbox.last_code(NEW_PHONE)
    wrong = "000000" if code != "000000" else "111111"
    response = enter_code(flows, wrong)
    assert response.status_code == 400
    assert "The code is not correct. Tries left: 4." in response.get_data(as_text=True)
    assert contacts(app, signed_in_user)[1] == signed_in_user["phone"]
    assert enter_code(flows, code).status_code == 302  # the right one still works
    assert contacts(app, signed_in_user)[1] == NEW_PHONE


def test_fr_ui_006_03_phone_in_use_is_refused(app, flows, signed_in_user, outbox):
    flows.make_user(email="other@example.com", phone=NEW_PHONE)
    response = ask_phone_change(flows, phone="0771112233")
    assert response.status_code == 400
    assert "This phone number is used by another account." in response.get_data(as_text=True)
    outbox.deliver()
    assert outbox.sms == []


def test_fr_ui_006_03_number_taken_before_the_code_is_entered_is_refused(
        app, flows, signed_in_user, outbox):
    ask_phone_change(flows)
    outbox.deliver()
    code = outbox.last_code(NEW_PHONE)
    flows.make_user(email="other@example.com", phone=NEW_PHONE)
    response = enter_code(flows, code)
    assert response.status_code == 400
    assert "This phone number is used by another account." in response.get_data(as_text=True)
    assert contacts(app, signed_in_user)[1] == signed_in_user["phone"]


def test_ec_ui_003_new_code_waits_before_it_is_sent_again(app, flows, signed_in_user, outbox):
    ask_phone_change(flows)
    response = enter_code(flows, "", action="resend")
    assert response.status_code == 400
    assert re.search(r"Wait \d+ seconds before asking for a new code.",
                     response.get_data(as_text=True))


def test_fr_ui_006_03_code_page_without_a_pending_change_goes_back(flows, signed_in_user):
    response = flows.client.get("/account/profile/phone/code")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/profile/phone"


def test_fr_ui_006_03_phone_change_needs_the_password(app, flows, signed_in_user, outbox):
    response = ask_phone_change(flows, password="wrong")
    assert response.status_code == 400
    assert "Your current password is not correct." in response.get_data(as_text=True)
    outbox.deliver()
    assert outbox.sms == []
    [refused] = events(app, signed_in_user, AuditEvent.Profile.ContactChangeRefused)
    assert refused.detail["reason"] == "wrong_password"
