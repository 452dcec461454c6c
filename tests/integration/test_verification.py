"""The signup's email link (FR-UI-001-03) and SMS code (FR-UI-001-04) through the pages:
single use (also under concurrent submissions), expiry, a new link replacing the old one, five
tries per code, codes typed in Arabic digits, and the growing wait between codes (EC-UI-003)."""

import threading
from urllib.parse import urlsplit

import pytest

from tests.flows import PASSWORD
from tests.flows import Flows
from tests.flows import csrf_from
from tests.integration.signup_steps import CUSTOMER
from tests.integration.signup_steps import account
from tests.integration.signup_steps import confirm_link
from tests.integration.signup_steps import email_link
from tests.integration.signup_steps import enter_code
from tests.integration.signup_steps import events
from tests.integration.signup_steps import open_link
from tests.integration.signup_steps import other_browser
from tests.integration.signup_steps import press
from tests.integration.signup_steps import sign_up
from tests.integration.signup_steps import text_of

LINK_USED = "This link is not valid or has been used already."
LINK_EXPIRED = "This link has expired. Ask for a new one."
CODE_EXPIRED = "This code has expired. Ask for a new code."
TOO_MANY = "Too many wrong codes: this code no longer works."
RESEND = "/signup/verify/resend-code"


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def signed_up(app, client, outbox):
    """A customer who has just signed up in ``client``; messages delivered."""
    assert sign_up(client).status_code == 302
    outbox.deliver()
    return account(app)


def test_fr_ui_001_03_reused_link_is_refused(app, client, outbox, signed_up):
    link = email_link(outbox)
    assert confirm_link(client, link).status_code == 302
    again = open_link(client, link)
    assert again.status_code == 400 and LINK_USED in text_of(again)
    token = urlsplit(link).query.split("token=")[1].split("&")[0]
    page = client.get("/signup")  # any form of this browser gives a CSRF token
    replay = client.post("/signup/verify-email", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "token": token})
    assert replay.status_code == 400 and LINK_USED in text_of(replay)
    assert "account:verification:failed" in events(app)


def test_fr_ui_001_03_link_is_single_use_under_concurrent_submissions(app, client, outbox,
                                                                     signed_up):
    link = email_link(outbox)
    token = urlsplit(link).query.split("token=")[1].split("&")[0]
    browsers = [other_browser(app).client for _ in range(4)]
    forms = []
    for browser in browsers:
        page = open_link(browser, link).get_data(as_text=True)
        forms.append({"csrf_token": csrf_from(page), "token": token})
    barrier = threading.Barrier(len(browsers))
    statuses = []

    def submit(browser, form):
        barrier.wait(timeout=10)
        statuses.append(browser.post("/signup/verify-email", data=form).status_code)

    threads = [threading.Thread(target=submit, args=pair) for pair in zip(browsers, forms,
                                                                          strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 400, 400, 400]
    assert events(app, "account:verification:confirmed").count(
        "account:verification:confirmed") == 1


def test_fr_ui_001_03_expired_link_is_refused(app, client, outbox, clock):
    sign_up(client)
    outbox.deliver()
    clock.tick(app.config["IDP_EMAIL_LINK_SECONDS"] + 1)
    page = open_link(client, email_link(outbox))
    assert page.status_code == 400 and LINK_EXPIRED in text_of(page)
    # A day later this browser's marker is gone too: sign in, then ask for a new link.
    assert 'href="/login"' in page.get_data(as_text=True)
    login = Flows(app, client).login(CUSTOMER["email"], PASSWORD)
    assert login.headers["Location"] == "/signup/verify"
    assert 'href="/signup/verify"' in open_link(client, email_link(outbox)).get_data(
        as_text=True)
    assert press(client, "/signup/verify/resend-email").status_code == 302
    outbox.deliver()
    assert confirm_link(client, email_link(outbox)).status_code == 302
    assert account(app).email_verified_at is not None


def test_fr_ui_001_03_new_link_replaces_the_old_one(app, client, outbox, clock):
    sign_up(client)
    outbox.deliver()
    first = email_link(outbox)
    clock.tick(app.config["IDP_VERIFICATION_RESEND_SECONDS"])
    response = press(client, "/signup/verify/resend-email")
    assert response.status_code == 302
    assert "We have sent a new link" in text_of(client.get(response.headers["Location"]))
    outbox.deliver()
    second = email_link(outbox)
    assert second != first
    assert open_link(client, first).status_code == 400
    assert confirm_link(client, second).status_code == 302


def test_fr_ui_001_04_wrong_code_five_times_kills_the_code(app, client, outbox, signed_up):
    code = outbox.last_code(CUSTOMER["phone"])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for tries_left in (4, 3, 2, 1):
        response = enter_code(client, wrong)
        assert response.status_code == 400
        assert f"The code is not correct. Tries left: {tries_left}." in text_of(response)
    response = enter_code(client, wrong)
    assert TOO_MANY in text_of(response)
    response = enter_code(client, code)  # the right code, too late
    assert response.status_code == 400 and TOO_MANY in text_of(response)
    assert account(app).phone_verified_at is None


def test_fr_ui_001_04_code_with_arabic_digits_and_spaces_is_accepted(app, client, outbox,
                                                                     signed_up):
    code = outbox.last_code(CUSTOMER["phone"])
    arabic = " ".join("٠١٢٣٤٥٦٧٨٩"[int(d)] for d in code)
    response = enter_code(client, arabic)
    assert response.status_code == 302
    assert account(app).phone_verified_at is not None


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Enter the code we sent you."), ("12345", "The code has 6 digits."),
    ("abcdef", "The code has 6 digits."), ("1" * 40, "This is too long.")])
def test_fr_ui_001_04_malformed_code_spends_no_try(app, client, outbox, signed_up, typed,
                                                  message):
    response = enter_code(client, typed)
    assert response.status_code == 400 and message in text_of(response)
    assert enter_code(client, outbox.last_code(CUSTOMER["phone"])).status_code == 302


def test_fr_ui_001_04_expired_code_is_refused(app, client, outbox, clock):
    sign_up(client)
    outbox.deliver()
    clock.tick(app.config["IDP_PHONE_CODE_SECONDS"] + 1)
    response = enter_code(client, outbox.last_code(CUSTOMER["phone"]))
    assert response.status_code == 400 and CODE_EXPIRED in text_of(response)


def test_ec_ui_003_resend_waits_30_then_60_then_120_seconds(app, client, outbox, clock,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "IDP_SIGNUP_RESEND_RATE_LIMIT", "100 per hour")
    sign_up(client)
    for wait in (30, 60, 120, 240):
        early = press(client, RESEND)
        assert early.status_code == 429
        # At least the wait; Flask-Limiter raises it to its own window's reset.
        assert int(early.headers["Retry-After"]) >= wait
        assert f"Wait {wait} seconds before asking for a new code." in text_of(early)
        assert f"You can ask for a new code in {wait} seconds." in text_of(early)
        clock.tick(wait - 1)
        assert press(client, RESEND).status_code == 429
        clock.tick(1)
        sent = press(client, RESEND)
        assert sent.status_code == 302, wait
        assert "We have sent a new code by SMS." in text_of(client.get(sent.headers["Location"]))
    outbox.deliver()
    codes = [sms.text[:6] for sms in outbox.sms]
    assert len(codes) == 5  # the signup's and four resends
    assert enter_code(client, codes[-2]).status_code == 400  # an earlier code no longer works
    assert enter_code(client, codes[-1]).status_code == 302


def test_ec_ui_003_new_code_after_too_many_wrong_ones(app, client, outbox, clock):
    sign_up(client)
    outbox.deliver()
    for _ in range(5):
        enter_code(client, "000000" if outbox.last_code(CUSTOMER["phone"]) != "000000"
                   else "111111")
    clock.tick(30)
    assert press(client, RESEND).status_code == 302
    outbox.deliver()
    assert enter_code(client, outbox.last_code(CUSTOMER["phone"])).status_code == 302


def test_ec_ui_003_resends_are_rate_limited_per_address(app, client, monkeypatch, clock):
    monkeypatch.setitem(app.config, "IDP_SIGNUP_RESEND_RATE_LIMIT", "1 per hour")
    sign_up(client)
    clock.tick(30)
    assert press(client, RESEND).status_code == 302
    clock.tick(60)  # the code's own wait is over; the address's limit is not
    limited = press(client, RESEND)
    assert limited.status_code == 429
    assert "Too many attempts" in text_of(limited)


# --- a pending account signing in -------------------------------------------------------------
