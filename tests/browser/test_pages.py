"""Every hosted page in both languages: translated, in the right direction, readable on a phone.
Each page is saved as test-artifacts/screenshots/<page>-<lang>.png (and -phone.png) for people to
look at."""

import pytest

from tests.browser.journey import BROWSER_TEST
from tests.browser.journey import LANGUAGES
from tests.browser.journey import PHONE
from tests.browser.journey import WRONG_CREDENTIALS
from tests.browser.journey import authorize_path
from tests.browser.journey import check_page
from tests.browser.journey import has_horizontal_scroll
from tests.browser.journey import log_in
from tests.browser.journey import submit

pytestmark = BROWSER_TEST



@pytest.mark.parametrize("lang", LANGUAGES)
def test_login_page_fits_a_phone_screen(new_page, lang):
    page = new_page(lang, viewport=PHONE, is_mobile=True, has_touch=True)

    page.goto("/login")

    assert not has_horizontal_scroll(page)
    box = page.locator("input[name=identifier]").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["height"] >= 40  # a finger-sized target
    font_size = page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                              "'input[name=identifier]')).fontSize)")
    assert font_size >= 16  # smaller text makes phones zoom in on focus


def test_phone_example_keeps_its_digit_order_in_arabic(new_page):
    page = new_page("ar")

    page.goto("/login")

    # Without isolation, the groups of "77 123 4567" are laid out right to left in Arabic text.
    example = page.locator("#identifier-help bdi", has_text="4567")
    assert example.inner_text() == "77 123 4567"
    positions = example.evaluate("""bdi => [[0, 2], [3, 6], [7, 11]].map(([start, end]) => {
        const range = document.createRange();
        range.setStart(bdi.firstChild, start);
        range.setEnd(bdi.firstChild, end);
        return range.getBoundingClientRect().x;
    })""")
    assert positions == sorted(positions)


def _check_and_keep(page, name: str, lang: str, seen: list) -> None:
    check_page(page, name, lang)
    seen.append(name)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_hosted_page_in_both_languages(new_page, live_server, lang):
    user = live_server.flows.make_user(name="أمينة صالح" if lang == "ar" else "Amina Saleh")
    rp = live_server.flows.make_client(name="Saba Bus Lines")
    page = new_page(lang)
    seen = []

    path, _params = authorize_path(live_server, rp, scope="openid profile phone offline_access")
    page.goto(path)
    _check_and_keep(page, "login", lang, seen)

    log_in(page, "771234567", "wrong password")
    assert page.get_by_role("alert").first.inner_text() == WRONG_CREDENTIALS[lang]
    _check_and_keep(page, "login-error", lang, seen)

    log_in(page, user["email"])
    assert page.locator("button[name=decision]").count() == 2
    _check_and_keep(page, "consent", lang, seen)

    page.goto("/")
    assert page.locator("form[action='/logout'] button").is_visible()
    _check_and_keep(page, "home-signed-in", lang, seen)

    page.goto("/logout")
    _check_and_keep(page, "logout", lang, seen)

    submit(page, "main form button[type=submit]")
    assert page.locator("a[href='/login']").is_visible()
    _check_and_keep(page, "signed-out", lang, seen)

    page.goto("/")
    _check_and_keep(page, "home-signed-out", lang, seen)

    response = page.goto("/authorize?response_type=code&client_id=no-such-client"
                         "&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&scope=openid")
    assert response.status == 400
    assert page.url.startswith(live_server.url)  # never sent to an unknown redirect URI
    assert "invalid_client" in page.locator("code").inner_text()
    _check_and_keep(page, "authorize-error", lang, seen)

    response = page.goto("/no-such-page")
    assert response.status == 404
    _check_and_keep(page, "not-found", lang, seen)

    assert len(seen) == 9
