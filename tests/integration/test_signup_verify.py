"""Finishing a signup (BR-UI-003/004): the email link and the SMS code in either order, in
one browser or two; the account active only with both; a pending account signing in is taken
to finish (and nothing more); starting again with other addresses."""



import pytest

from idp.accounts.models import UserStatus
from tests.flows import PASSWORD
from tests.flows import Flows
from tests.integration.signup_steps import CUSTOMER
from tests.integration.signup_steps import account
from tests.integration.signup_steps import confirm_link
from tests.integration.signup_steps import count_users
from tests.integration.signup_steps import email_link
from tests.integration.signup_steps import enter_code
from tests.integration.signup_steps import events
from tests.integration.signup_steps import has_login_session
from tests.integration.signup_steps import open_link
from tests.integration.signup_steps import other_browser
from tests.integration.signup_steps import press
from tests.integration.signup_steps import sign_up
from tests.integration.signup_steps import text_of
from tests.integration.signup_steps import verify_page


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def signed_up(app, client, outbox):
    """A customer who has just signed up in ``client``; messages delivered."""
    assert sign_up(client).status_code == 302
    outbox.deliver()
    return account(app)


def test_br_ui_003_account_active_only_after_email_and_phone_verified(app, client, outbox,
                                                                      signed_up):
    assert signed_up.status == UserStatus.PENDING
    assert not signed_up.email_verified_at and not signed_up.phone_verified_at
    page = text_of(verify_page(client))
    assert CUSTOMER["email"] in page and "+967 771 111 222" in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page

    response = confirm_link(client, email_link(outbox))  # the email first, this time
    assert response.status_code == 302
    assert response.headers["Location"] == "/signup/verify?done=email_verified"
    user = account(app)
    assert user.email_verified_at and not user.phone_verified_at
    assert user.status == UserStatus.PENDING
    assert not has_login_session(client)
    assert "Your email address is confirmed." in text_of(client.get(response.headers["Location"]))

    response = enter_code(client, outbox.last_code(CUSTOMER["phone"]))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = account(app)
    assert user.status == UserStatus.ACTIVE and user.phone_verified_at
    assert has_login_session(client)
    assert events(app).count("account:activated") == 1


def test_br_ui_004_phone_code_alone_does_not_activate(app, client, outbox, signed_up):
    response = enter_code(client, outbox.last_code(CUSTOMER["phone"]))
    assert response.status_code == 302
    assert "Your phone number is confirmed." in text_of(client.get(response.headers["Location"]))
    assert account(app).status == UserStatus.PENDING
    assert not has_login_session(client)
    # The verify page no longer asks for a code.
    assert 'name="code"' not in verify_page(client).get_data(as_text=True)


def test_fr_ui_001_03_link_opened_in_another_browser_verifies_without_signing_in(
        app, client, outbox, signed_up):
    other = other_browser(app)
    page = open_link(other.client, email_link(outbox))
    assert page.status_code == 200 and CUSTOMER["email"] in text_of(page)
    assert account(app).email_verified_at is None  # opening the link spends nothing
    response = confirm_link(other.client, email_link(outbox))
    assert response.status_code == 200
    assert "One step is left" in text_of(response)
    assert not has_login_session(other.client)
    enter_code(client, outbox.last_code(CUSTOMER["phone"]))
    assert account(app).status == UserStatus.ACTIVE


def test_fr_ui_001_03_link_last_in_another_browser_activates_and_asks_to_sign_in(
        app, client, outbox, signed_up):
    enter_code(client, outbox.last_code(CUSTOMER["phone"]))
    other = other_browser(app)
    response = confirm_link(other.client, email_link(outbox))
    assert response.status_code == 200
    assert "Your account is ready. Sign in to continue." in text_of(response)
    assert account(app).status == UserStatus.ACTIVE
    assert not has_login_session(other.client)
    # The signup browser learns it is done and is asked to sign in, keeping ``next``.
    response = verify_page(client)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_br_ui_003_pending_login_is_taken_to_finish_verification(app, outbox, rp, flows):
    sign_up(flows.client)
    outbox.deliver()
    laptop = other_browser(app)
    params = laptop.authorize_params(rp)
    to_login = laptop.authorize(params)
    next_url = to_login.headers["Location"].split("next=")[1]
    from urllib.parse import unquote

    next_url = unquote(next_url.split("&")[0])
    response = laptop.login(CUSTOMER["email"], PASSWORD, next_url=next_url)
    assert response.status_code == 302 and response.headers["Location"] == "/signup/verify"
    assert not has_login_session(laptop.client)  # only the marker: no client can be authorized
    still = laptop.authorize(params)
    assert still.status_code == 302 and "/login" in still.headers["Location"]
    enter_code(laptop.client, outbox.last_code(CUSTOMER["phone"]))
    done = confirm_link(laptop.client, email_link(outbox))
    assert done.headers["Location"] == next_url  # the authorization request resumes
    assert has_login_session(laptop.client)


def test_br_ui_003_pending_login_with_wrong_password_learns_nothing(app, client, signed_up):
    laptop = other_browser(app)
    response = laptop.login(CUSTOMER["email"], "Wrong-password-1!")
    assert response.status_code == 200
    assert "The email, phone number or password is not correct." in text_of(response)
    assert laptop.client.get("/signup/verify").headers["Location"].startswith("/login")


def test_br_ui_003_the_marker_expires(app, client, outbox, clock):
    sign_up(client)
    outbox.deliver()
    clock.tick(app.config["IDP_SIGNUP_PENDING_SECONDS"] + 1)
    response = verify_page(client)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    login = Flows(app, client).login(CUSTOMER["phone"], PASSWORD)
    assert login.headers["Location"] == "/signup/verify"


def test_br_ui_003_an_office_waiting_for_approval_is_not_sent_to_verify(app, flows):
    office_rep = flows.make_user(email="office@example.com", phone="+967771111999",
                                 verified=False)
    response = other_browser(app).login(office_rep["email"], PASSWORD)
    assert response.status_code == 200
    assert "This account is not active." in text_of(response)


def test_uc_ui_001_start_again_frees_the_addresses_and_keeps_what_was_typed(app, client, outbox,
                                                                           signed_up):
    response = press(client, "/signup/verify/start-again")
    assert response.status_code == 302 and response.headers["Location"] == "/signup"
    assert count_users(app) == 0
    page = client.get("/signup").get_data(as_text=True)
    assert f'value="{CUSTOMER["email"]}"' in page and 'value="+967 771 111 222"' in page
    assert open_link(client, email_link(outbox)).status_code == 400  # its links died with it
    assert sign_up(client, email="huda.amri@example.com").status_code == 302
    assert "account:signup:cancelled" in events(app)
