"""Signing in to a relying party in a real browser: authorize, log in, consent, back to the
client with a code (RFC 6749 §4.1.2, RFC 9207 ``iss``)."""

import pytest

from tests.browser.journey import ALLOW
from tests.browser.journey import BROWSER_TEST
from tests.browser.journey import SIGN_IN
from tests.browser.journey import WRONG_CREDENTIALS
from tests.browser.journey import authorize_path
from tests.browser.journey import decide
from tests.browser.journey import exchange_code
from tests.browser.journey import log_in
from tests.browser.journey import to_client

pytestmark = BROWSER_TEST


@pytest.fixture
def user(live_server):
    return live_server.flows.make_user(phone="+967771234567")


@pytest.fixture
def rp(live_server):
    # Not first party: the user is asked for consent.
    return live_server.flows.make_client(name="Saba Bus Lines")


def _sign_in_to_client(page, live_server, rp, identifier, lang, **extra) -> tuple[dict, dict]:
    path, params = authorize_path(live_server, rp, **extra)
    page.goto(path)
    assert "/login" in page.url
    assert page.locator("h1").inner_text() == SIGN_IN[lang]
    log_in(page, identifier)
    assert page.url.startswith(live_server.url + "/authorize?")
    assert "Saba Bus Lines" in page.locator("h1").inner_text()  # the consent page
    return decide(page, "allow"), params


def test_fr_ui_002_01_login_by_phone_in_arabic(new_page, live_server, user, rp):
    page = new_page("ar")

    # The number as Yemenis write it at home, without +967.
    query, params = _sign_in_to_client(page, live_server, rp, "771234567", "ar")

    assert query["state"] == params["state"]
    assert query["iss"] == live_server.url
    tokens = exchange_code(live_server, rp, query["code"], params["_verifier"])
    assert tokens["id_token"] and tokens["access_token"]


def test_fr_ui_002_01_login_by_email_in_english(new_page, live_server, user, rp):
    page = new_page("en")

    query, params = _sign_in_to_client(page, live_server, rp, user["email"], "en")

    assert query["state"] == params["state"]
    assert query["iss"] == live_server.url
    assert exchange_code(live_server, rp, query["code"], params["_verifier"])["id_token"]


def test_consent_page_names_the_client_and_what_it_may_see(new_page, live_server, user, rp):
    page = new_page("ar")
    path, _params = authorize_path(live_server, rp, scope="openid phone")
    page.goto(path)
    log_in(page, "771234567")

    assert page.locator("h1").inner_text() == "يطلب Saba Bus Lines استخدام حسابك"
    assert page.locator(".scopes li").all_inner_texts() == ["التحقق من هويتك",
                                                            "الاطلاع على رقم هاتفك"]
    assert page.get_by_role("button", name=ALLOW["ar"]).is_visible()


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_fr_ui_002_01_wrong_password_shows_error_and_keeps_identifier(
        new_page, live_server, user, rp, lang):
    page = new_page(lang)
    path, _params = authorize_path(live_server, rp)
    page.goto(path)

    log_in(page, "771234567", "not-the-password")

    assert page.get_by_role("alert").first.inner_text() == WRONG_CREDENTIALS[lang]
    assert page.input_value("input[name=identifier]") == "771234567"
    assert page.input_value("input[name=password]") == ""
    assert page.evaluate("document.activeElement.name") == "password"
    # The next step is kept: the right password now goes on to the consent page.
    log_in(page, "771234567")
    assert page.url.startswith(live_server.url + "/authorize?")


def test_rfc6749_4_1_2_1_consent_deny_returns_access_denied(new_page, live_server, user, rp):
    page = new_page("ar")
    path, params = authorize_path(live_server, rp)
    page.goto(path)
    log_in(page, "771234567")

    query = decide(page, "deny")

    assert query["error"] == "access_denied"
    assert query["state"] == params["state"]
    assert query["iss"] == live_server.url
    assert "code" not in query


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_fr_ui_002_01_login_and_consent_work_without_javascript(new_page, live_server, user, rp,
                                                                lang):
    page = new_page(lang, java_script_enabled=False)

    query, params = _sign_in_to_client(page, live_server, rp, "771234567", lang)

    assert query["state"] == params["state"]
    assert query["code"]


def test_signed_in_user_goes_straight_back_after_consent(new_page, live_server, user, rp):
    page = new_page("en")
    _sign_in_to_client(page, live_server, rp, "771234567", "en")
    path, params = authorize_path(live_server, rp)

    # The same browser: signed in, and the consent is remembered.
    query = to_client(page, lambda: page.goto(path))

    assert query["state"] == params["state"]


@pytest.mark.parametrize(("remember", "lasts"), [(True, True), (False, False)])
def test_fr_ui_002_02_keep_me_signed_in_makes_the_login_outlive_the_browser(
        new_page, live_server, user, remember, lasts):
    page = new_page("ar")
    page.goto("/login")
    if remember:
        page.check("input[name=remember]")

    log_in(page, "771234567")

    with live_server.app.app_context():
        from idp.sessions.services import cookie_name

        name = cookie_name()
    cookie = next(c for c in page.context.cookies() if c["name"] == name)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # A browser-session cookie has no expiry (-1); a remembered login lasts for days.
    assert (cookie["expires"] > 0) is lasts
