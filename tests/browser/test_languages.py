"""The hosted pages in Arabic (right to left) and English: how the language is chosen, switched
and remembered."""

import pytest

from tests.browser.journey import BROWSER_TEST
from tests.browser.journey import SIGN_IN
from tests.browser.journey import authorize_path
from tests.browser.journey import language_and_direction
from tests.browser.journey import log_in

pytestmark = BROWSER_TEST


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("en", "ltr")])
def test_page_language_and_direction_follow_the_browser(new_page, lang, direction):
    page = new_page(lang)

    page.goto("/login")

    assert language_and_direction(page) == (lang, direction)
    assert page.evaluate("getComputedStyle(document.body).direction") == direction
    assert page.locator("h1").inner_text() == SIGN_IN[lang]


def test_arabic_is_the_language_when_the_browser_asks_for_neither(browser, live_server):
    context = browser.new_context(locale="fr-FR", base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto("/login")
        assert language_and_direction(page) == ("ar", "rtl")
    finally:
        context.close()


def test_language_switch_changes_the_language_and_is_remembered(new_page):
    page = new_page("ar")
    page.goto("/login?next=/")
    assert language_and_direction(page) == ("ar", "rtl")

    with page.expect_navigation():
        page.click("nav.languages a[hreflang=en]")

    assert language_and_direction(page) == ("en", "ltr")
    assert page.locator("h1").inner_text() == "Sign in"
    assert page.input_value("input[name=next]") == "/"  # the switch keeps the page's query
    assert page.locator("nav.languages [aria-current]").inner_text() == "English"
    page.goto("/")  # no ?lang= any more: the cookie remembers it, over Accept-Language
    assert language_and_direction(page) == ("en", "ltr")

    with page.expect_navigation():
        page.click("nav.languages a[hreflang=ar]")
    page.goto("/login")
    assert language_and_direction(page) == ("ar", "rtl")


@pytest.fixture
def rp(live_server):
    live_server.flows.make_user()
    return live_server.flows.make_client()


def test_oidc_3_1_2_1_ui_locales_en_gives_english_login_page(new_page, live_server, rp):
    page = new_page("ar")  # an Arabic browser, but the application asks for English
    path, _params = authorize_path(live_server, rp, ui_locales="en-GB ar")

    page.goto(path)

    assert "/login" in page.url
    assert language_and_direction(page) == ("en", "ltr")
    assert page.locator("h1").inner_text() == SIGN_IN["en"]


def test_oidc_3_1_2_1_ui_locales_en_gives_english_consent_page(new_page, live_server, rp):
    page = new_page("ar")
    path, _params = authorize_path(live_server, rp, ui_locales="en-GB ar")
    page.goto(path)

    log_in(page, "771234567")

    assert language_and_direction(page) == ("en", "ltr")
    assert page.get_by_role("button", name="Allow").is_visible()
