"""A customer signs up in a real browser, in Arabic and in English (UC-UI-001): from a client's
authorization request to the login page, "Create an account", a form with mistakes kept beside
what was typed, an address that has an account already (EC-UI-001), then the SMS code and the
email link from the outbox, and back to the client with a code.

Screenshots (test-artifacts/screenshots/signup-*.png, and -phone.png) of the empty form, the
form with errors, the account-exists answer, the verify page and the email link's page.
"""

import re

import pytest

from tests.browser.journey import BROWSER_TEST
from tests.browser.journey import authorize_path
from tests.browser.journey import check_page
from tests.browser.journey import decide
from tests.browser.journey import exchange_code
from tests.browser.journey import submit
from tests.flows import PASSWORD

pytestmark = BROWSER_TEST

LINK = re.compile(r"https?://\S+/signup/verify-email\?\S+")
TEXT = {
    "ar": {"create": "إنشاء حساب", "verify": "أكّد بريدك الإلكتروني ورقم هاتفك",
           "exists": "هذا الحساب موجود بالفعل", "terms": "يجب الموافقة على الشروط والأحكام",
           "password": "لا تستخدم اسمك أو بريدك الإلكتروني أو رقم هاتفك",
           "phone_done": "تم تأكيد رقم هاتفك.", "confirm_email": "تأكيد بريدي الإلكتروني",
           "allow": "السماح"},
    "en": {"create": "Create an account", "verify": "Confirm your email and phone",
           "exists": "This account exists already", "terms": "Accept the terms and conditions",
           "password": "Do not use your name, email address or phone number",
           "phone_done": "Your phone number is confirmed.",
           "confirm_email": "Confirm my email address", "allow": "Allow"},
}
CUSTOMER = {
    "ar": {"name": "هدى العمري", "email": "huda@example.com", "phone": "771111222",
           "e164": "+967771111222"},
    "en": {"name": "Huda <Al-Amri>", "email": "huda.amri@example.com",
           "phone": "+967 77 111 1333", "e164": "+967771111333"},
}




def fill(page, customer: dict, **changes) -> None:
    values = {"name": customer["name"], "email": customer["email"], "phone": customer["phone"],
              "password": PASSWORD, **changes}
    for field, value in values.items():
        page.fill(f"input[name={field}]", value)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_uc_ui_001_customer_signs_up_verifies_both_and_reaches_the_client(
        new_page, live_server, outbox, lang):
    text, customer = TEXT[lang], CUSTOMER[lang]
    live_server.flows.make_user(email="amina@example.com", phone="+967771234567")
    rp = live_server.flows.make_client(name="Saba Bus Lines")
    path, params = authorize_path(live_server, rp)
    page = new_page(lang)

    page.goto(path)
    assert "/login" in page.url
    with page.expect_navigation():
        page.get_by_role("link", name=text["create"]).click()
    assert "/signup?next=/authorize?response_type" in page.url  # the request travels along
    assert page.locator("h1").inner_text() == text["create"]
    check_page(page, "signup-empty", lang)

    # Mistakes: the password holds the email's name, the terms are not ticked.
    fill(page, customer, password=customer["email"].split("@")[0] + "-2024!")
    submit(page, "main form button[type=submit]")
    errors = " ".join(page.locator(".field-error").all_inner_texts())
    assert text["password"] in errors and text["terms"] in errors
    for field in ("name", "email", "phone"):
        assert page.input_value(f"input[name={field}]") == customer[field], field
    assert page.input_value("input[name=password]") == ""
    check_page(page, "signup-errors", lang)

    # An email that has an account (EC-UI-001): log in or recover, links at hand.
    fill(page, customer, email="Amina@Example.com")
    page.check("input[name=terms]")
    submit(page, "main form button[type=submit]")
    box = page.locator("#account-exists")
    assert text["exists"] in box.inner_text()
    assert "/password/forgot?identifier=" in box.locator("a").nth(1).get_attribute("href")
    assert page.input_value("input[name=email]") == "Amina@Example.com"
    check_page(page, "signup-account-exists", lang)

    fill(page, customer)
    page.check("input[name=terms]")
    submit(page, "main form button[type=submit]")
    assert page.url == live_server.url + "/signup/verify"
    assert page.locator("h1").inner_text() == text["verify"]
    assert page.get_attribute("input[name=code]", "autocomplete") == "one-time-code"
    assert page.get_attribute("input[name=code]", "inputmode") == "numeric"
    check_page(page, "signup-verify", lang)

    outbox.deliver()
    page.fill("input[name=code]", outbox.last_code(customer["e164"]))
    submit(page, "main form button.primary")
    assert text["phone_done"] in page.inner_text("main")
    check_page(page, "signup-verify-phone-done", lang)

    link = next(LINK.search(m.body).group(0) for m in outbox.emails
                if m.to == customer["email"] and LINK.search(m.body))
    page.goto(link)
    assert page.get_by_role("button", name=text["confirm_email"]).is_visible()
    check_page(page, "signup-verify-email", lang)
    submit(page, "main form button[type=submit]")

    # Active, signed in, and the authorization request resumes at the consent page.
    assert page.url.startswith(live_server.url + "/authorize?")
    query = decide(page, "allow")
    assert query["state"] == params["state"]
    tokens = exchange_code(live_server, rp, query["code"], params["_verifier"])
    assert tokens["id_token"]
