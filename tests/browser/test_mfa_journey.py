"""Second factors in a real browser (FR-UI-002-03): enrol an authenticator app by reading the
key off the page, sign in to a client that asks acr_values for a second factor, use a recovery
code, and an SMS code as second factor. Screenshots of the enrolment and second-step pages in
Arabic and English."""

import time

import pyotp
import pytest

from tests.browser.journey import BROWSER_TEST
from tests.browser.journey import authorize_path
from tests.browser.journey import check_page
from tests.browser.journey import decide
from tests.browser.journey import exchange_code
from tests.browser.journey import log_in
from tests.browser.journey import submit

pytestmark = BROWSER_TEST

ACR_MFA = "urn:bus-booking:acr:mfa"


def second_step(page, code: str, method: str) -> None:
    page.check(f"input[name=method][value={method}]")
    page.fill("input[name=code]", code)
    submit(page, "form button.primary")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_fr_ui_002_03_totp_recovery_and_sms_second_factors(new_page, live_server, outbox, lang):
    import jwt

    flows = live_server.flows
    user = flows.make_user(email=f"mfa-{lang}@example.com", phone=f"+96777123450{len(lang)}"
                           if lang == "ar" else "+967771234599")
    rp = flows.make_client(name="Saba Bus Lines")

    # Enrol: the key is read off the page, as a person types it into an app.
    page = new_page(lang)
    page.goto("/login")
    log_in(page, user["email"])
    page.goto("/account/security/totp")
    assert page.locator("svg.segno").count() == 1
    check_page(page, "mfa-enrol", lang)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    submit(page, "form button.primary")
    recovery = page.locator(".recovery-codes code").all_inner_texts()
    assert len(recovery) == 10

    # A client asking for a second factor: password, then the code, then the ID token says so.
    page = new_page(lang)
    path, params = authorize_path(live_server, rp, acr_values=ACR_MFA)
    page.goto(path)
    log_in(page, user["email"])
    assert "/login/verify" in page.url
    assert page.locator("input[name=code]").get_attribute("autocomplete") == "one-time-code"
    check_page(page, "mfa-second-step", lang)
    # The enrolment spent this step's code: the next step's is within the accepted window.
    second_step(page, pyotp.TOTP(secret).at(time.time() + 30), "totp")
    query = decide(page, "allow")
    tokens = exchange_code(live_server, rp, query["code"], params["_verifier"])
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["acr"] == ACR_MFA and "mfa" in claims["amr"]

    # A recovery code, on another browser.
    page = new_page(lang)
    page.goto("/login")
    log_in(page, user["email"])
    second_step(page, recovery[0], "recovery")
    assert page.url.rstrip("/") == live_server.url

    # An SMS code: switched on from the security page, then sent at the next sign-in.
    page.goto("/account/security")
    submit(page, "button[name=send][value=sms]")
    outbox.deliver()
    page.fill("input[name=code]", outbox.last_code(user["phone"]))
    submit(page, "form button.primary")
    page = new_page(lang)
    page.goto("/login")
    log_in(page, user["email"])
    submit(page, "button[name=send][value=sms]")  # the app comes first; ask for an SMS
    outbox.deliver()
    second_step(page, outbox.last_code(user["phone"]), "sms")
    assert page.url.rstrip("/") == live_server.url
