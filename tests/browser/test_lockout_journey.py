"""Locked out and back in, in a real browser, in Arabic and English (BR-UI-006, EC-UI-004):
five wrong passwords show the locked page, which emails an unlock link; the link unlocks the
account and the right password signs in. Screenshots: lockout-<page>-<lang>.png."""

import re

import pytest

from tests.browser.journey import BROWSER_TEST
from tests.browser.journey import LANGUAGES
from tests.browser.journey import check_page
from tests.browser.journey import log_in
from tests.browser.journey import submit

pytestmark = BROWSER_TEST

WRONG = "Not-my-password-1"
UNLOCK_LINK = re.compile(r"https?://\S+/login/unlock/confirm\?\S+")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_ec_ui_004_locked_after_five_failures_and_unlocked_by_email(new_page, live_server,
                                                                     outbox, lang):
    user = live_server.flows.make_user(email=f"locked-{lang}@example.com",
                                       phone="+96777123456" + ("1" if lang == "ar" else "2"))
    page = new_page(lang)
    page.goto("/login")
    for _ in range(4):
        log_in(page, user["email"], WRONG)
        assert page.locator("input[name=password]").is_visible()

    log_in(page, user["email"], WRONG)

    assert page.locator("#locked").is_visible()
    assert page.input_value("input[name=identifier]") == user["email"]
    check_page(page, "lockout-locked", lang)

    submit(page, "main form button[type=submit]")
    assert page.url == live_server.url + "/login/unlock/sent"
    check_page(page, "lockout-sent", lang)

    outbox.deliver()
    [email] = [m for m in outbox.emails if m.to == user["email"]]
    link = UNLOCK_LINK.search(email.body).group(0)
    page.goto(link)
    check_page(page, "lockout-confirm", lang)
    submit(page, "main form button[type=submit]")
    assert page.locator("#unlocked").is_visible()
    check_page(page, "lockout-unlocked", lang)

    page.goto("/login")
    log_in(page, user["email"])
    assert "/login" not in page.url
