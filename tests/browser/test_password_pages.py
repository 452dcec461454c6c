"""The password pages in a real browser, in Arabic and English: change the password
(FR-UI-003-02), recover it by an emailed link and by an SMS code (FR-UI-003-03). Each page is
saved as test-artifacts/screenshots/password-<page>-<lang>.png (and -phone.png)."""

import re

import pytest

from tests.browser.journey import BROWSER_TEST
from tests.browser.journey import LANGUAGES
from tests.browser.journey import PHONE
from tests.browser.journey import check_page
from tests.browser.journey import log_in
from tests.browser.journey import submit
from tests.flows import PASSWORD

pytestmark = BROWSER_TEST

NEW = "Window-seat-77#"
LINK = re.compile(r"https?://\S+/password/reset\?\S+")


@pytest.fixture
def user(live_server):
    return live_server.flows.make_user(phone="+967771234567")




def set_new_password(page, password: str = NEW) -> None:
    page.fill("input[name=new_password]", password)
    page.fill("input[name=confirm_password]", password)
    submit(page, "main form button[type=submit]")


def can_log_in(new_page, lang, identifier, password) -> bool:
    page = new_page(lang)
    page.goto("/login")
    log_in(page, identifier, password)
    return "/login" not in page.url


@pytest.mark.parametrize("lang", LANGUAGES)
def test_fr_ui_003_02_change_password_in_the_browser(new_page, live_server, user, lang):
    page = new_page(lang)
    page.goto("/account/password")
    assert "/login" in page.url  # asks to sign in first, then comes back
    log_in(page, user["email"])
    assert page.url == live_server.url + "/account/password"
    assert page.get_attribute("input[name=current_password]", "autocomplete") == \
        "current-password"
    assert page.get_attribute("input[name=new_password]", "autocomplete") == "new-password"
    check_page(page, "password-change", lang)

    page.fill("input[name=current_password]", "Not-my-password-1")
    set_new_password(page)
    assert page.locator(".field-error").count() == 1
    assert page.input_value("input[name=current_password]") == ""  # never echoed
    check_page(page, "password-change-error", lang)

    page.fill("input[name=current_password]", PASSWORD)
    set_new_password(page, "password")  # breaks the policy: the rule is named
    assert page.locator("#new_password ~ .field-error").count() == 1

    page.fill("input[name=current_password]", PASSWORD)
    set_new_password(page)
    assert page.url == live_server.url + "/account/password/changed"
    check_page(page, "password-changed", lang)
    assert can_log_in(new_page, lang, user["email"], NEW)


def test_fr_ui_003_02_change_password_works_without_javascript(new_page, live_server, user):
    page = new_page("ar", java_script_enabled=False)
    page.goto("/login?next=/account/password")
    log_in(page, "771234567")
    page.fill("input[name=current_password]", PASSWORD)

    set_new_password(page)

    assert page.url == live_server.url + "/account/password/changed"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_fr_ui_003_03_recover_by_email_in_the_browser(new_page, live_server, user, outbox,
                                                      lang):
    page = new_page(lang)
    page.goto("/login")
    with page.expect_navigation():
        page.click("a[href='/password/forgot']")
    assert page.get_attribute("input[name=identifier]", "autocomplete") == "username"
    check_page(page, "password-forgot", lang)

    page.fill("input[name=identifier]", user["email"])
    submit(page, "main form button[type=submit]")
    assert page.url == live_server.url + "/password/forgot/sent"
    check_page(page, "password-sent", lang)

    outbox.deliver()
    [email] = [m for m in outbox.emails if m.to == user["email"]]
    link = LINK.search(email.body).group(0)
    assert link.startswith(live_server.url + "/password/reset?token=")
    page.goto(link)
    check_page(page, "password-reset", lang)

    set_new_password(page)
    assert page.url == live_server.url + "/password/reset/done"
    check_page(page, "password-done", lang)

    page.goto(link)  # used: it does not work twice
    assert page.locator("a[href='/password/forgot']").is_visible()
    check_page(page, "password-link-invalid", lang)
    assert can_log_in(new_page, lang, user["email"], NEW)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_fr_ui_003_03_recover_by_sms_code_in_the_browser(new_page, live_server, user, outbox,
                                                         lang):
    page = new_page(lang, viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto("/password/forgot")
    page.fill("input[name=identifier]", "771234567")
    submit(page, "main form button[type=submit]")
    assert page.url.startswith(live_server.url + "/password/reset/code")
    assert page.input_value("input[name=phone]") == "771234567"
    assert page.get_attribute("input[name=code]", "autocomplete") == "one-time-code"
    assert page.get_attribute("input[name=code]", "inputmode") == "numeric"
    check_page(page, "password-code", lang)

    outbox.deliver()
    page.fill("input[name=code]", "000000" if outbox.last_code(user["phone"]) != "000000"
              else "111111")
    set_new_password(page)
    assert page.get_by_role("alert").first.is_visible()  # wrong code, one try spent
    check_page(page, "password-code-error", lang)

    page.fill("input[name=code]", outbox.last_code(user["phone"]))
    set_new_password(page)
    assert page.url == live_server.url + "/password/reset/done"
    assert can_log_in(new_page, lang, "771234567", NEW)
