"""Recovering a forgotten password (FR-UI-003-03): by an emailed single-use link or an SMS code,
the same reply whether the account exists or not, expiry, single use (also under concurrent
submissions), five tries per code, rate limits; afterwards every session and refresh token ends
(FR-UI-005) and the user is told (FR-UI-003-04)."""

import re
import threading
from urllib.parse import urlsplit

import pytest

from idp import audit
from idp.audit import AuditEvent
from tests.flows import PASSWORD
from tests.flows import Flows
from tests.flows import csrf_from
from tests.flows import query_of

NEW = "Window-seat-77#"
OFFLINE = "openid email offline_access"
LINK = re.compile(r"https?://\S+/password/reset\?\S+")
CODE_SENT = "If an account exists for this phone number, we have sent it a code by SMS."
EMAIL_SENT = "If an account exists for this email address, we have sent it a link"
LINK_INVALID = "This link has expired or has been used already."


def device(app) -> Flows:
    """A browser of its own, asking for English pages (the default language is Arabic)."""
    flows = Flows(app, app.test_client())
    flows.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return flows


@pytest.fixture
def browser(app):
    return device(app)


def forgot(browser, identifier):
    page = browser.client.get("/password/forgot")
    return browser.client.post("/password/forgot", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "identifier": identifier})


def emailed_link(outbox, to) -> str:
    """The reset link of the last email to ``to``."""
    outbox.deliver()
    links = [LINK.search(m.body) for m in outbox.emails if m.to == to]
    links = [found.group(0) for found in links if found]
    assert links, f"no reset link was sent to {to}"
    return links[-1]


def told_of_change(app, outbox, user) -> bool:
    """The password_changed email arrived: it links to the recovery page."""
    outbox.deliver()
    forgot_url = app.config["IDP_ISSUER"] + "/password/forgot"
    return any(forgot_url in m.body for m in outbox.emails if m.to == user["email"])


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def reset_by_link(browser, link_path, new=NEW, confirm=None):
    page = browser.client.get(link_path)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = query_of(link_path)["token"]
    return browser.client.post("/password/reset", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "token": token,
        "new_password": new, "confirm_password": new if confirm is None else confirm})


def reset_by_code(browser, phone, code, new=NEW):
    page = browser.client.get("/password/reset/code")
    return browser.client.post("/password/reset/code", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "phone": phone, "code": code,
        "new_password": new, "confirm_password": new})


def can_log_in(app, identifier, password) -> bool:
    return device(app).login(identifier, password).status_code == 302


def signed_in(browser) -> bool:
    return browser.client.get("/account/password").status_code == 200


def logged_event(app, user, event):
    with app.app_context():
        return audit.services.events(user_id=user["id"], event=event)


def test_fr_ui_003_03_login_page_links_to_recovery(browser):
    page = browser.client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Forgot your password?" in page


def test_fr_ui_003_03_recover_by_email_end_to_end(app, browser, user, rp, outbox):
    signed_in_elsewhere = device(app)
    tokens = signed_in_elsewhere.tokens_for(rp, user, scope=OFFLINE)

    response = forgot(browser, "Amina@Example.com")
    assert response.status_code == 302
    assert response.headers["Location"] == "/password/forgot/sent"
    assert EMAIL_SENT in browser.client.get("/password/forgot/sent").get_data(as_text=True)
    link = emailed_link(outbox, user["email"])
    assert link.startswith(app.config["IDP_ISSUER"] + "/password/reset?token=")
    page = browser.client.get(path_of(link)).get_data(as_text=True)
    assert page.count('autocomplete="new-password"') == 2

    response = reset_by_link(browser, path_of(link))

    assert response.status_code == 302
    assert response.headers["Location"] == "/password/reset/done"
    assert can_log_in(app, user["email"], NEW)
    assert not can_log_in(app, user["email"], PASSWORD)
    assert not signed_in(signed_in_elsewhere)
    refused = signed_in_elsewhere.refresh(rp, tokens["refresh_token"])
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_grant"
    assert told_of_change(app, outbox, user)
    assert [m.to for m in outbox.sms] == [user["phone"]]  # told by SMS too
    [record] = logged_event(app, user, AuditEvent.Password.Reset)
    assert record.detail["channel"] == "email"


def test_fr_ui_003_03_recover_by_sms_end_to_end(app, browser, user, rp, outbox):
    tokens = browser.tokens_for(rp, user, scope=OFFLINE)

    response = forgot(browser, "77 123 4567")  # as typed at home

    assert response.status_code == 302
    assert response.headers["Location"] == "/password/reset/code?sent=1"
    page = browser.client.get("/password/reset/code?sent=1").get_data(as_text=True)
    assert CODE_SENT in page
    assert 'value="77 123 4567"' in page  # the number carried over
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    outbox.deliver()
    code = outbox.last_code(user["phone"])

    response = reset_by_code(browser, "77 123 4567", code)

    assert response.status_code == 302
    assert response.headers["Location"] == "/password/reset/done"
    assert can_log_in(app, "771234567", NEW)
    assert not signed_in(browser)
    refused = browser.refresh(rp, tokens["refresh_token"])
    assert refused.status_code == 400 and refused.get_json()["error"] == "invalid_grant"
    assert told_of_change(app, outbox, user)
    assert [m.to for m in outbox.sms] == [user["phone"]] * 2  # the code, then the notice


def test_fr_ui_003_03_code_in_arabic_indic_digits_is_accepted(app, browser, user, outbox):
    forgot(browser, user["phone"])
    outbox.deliver()
    code = outbox.last_code(user["phone"])
    arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))

    assert reset_by_code(browser, user["phone"], arabic).status_code == 302


@pytest.mark.parametrize(("known", "unknown"), [
    ("amina@example.com", "nobody@example.com"),
    ("+967771234567", "+967779999999"),
])
def test_fr_ui_003_03_same_reply_whether_the_account_exists_or_not(app, user, outbox, known,
                                                                   unknown):
    replies = []
    for identifier in (known, unknown):
        browser = device(app)
        response = forgot(browser, identifier)
        following = browser.client.get(response.headers["Location"]).get_data(as_text=True)
        following = re.sub(r'value="[^"]*"', "", following)  # CSRF token, the number typed
        replies.append((response.status_code, response.headers["Location"], following))

    assert replies[0] == replies[1]
    outbox.deliver()
    assert {m.to for m in outbox.emails + outbox.sms} == {known}


def test_fr_ui_003_03_disabled_account_gets_no_message(app, flows, browser, user, outbox):
    flows.set_user_status(user, "disabled")

    assert forgot(browser, user["email"]).headers["Location"] == "/password/forgot/sent"
    outbox.deliver()
    assert outbox.emails == []


def test_fr_ui_003_03_malformed_identifier_is_shown_with_what_was_typed(browser):
    response = forgot(browser, "not an address")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Enter a valid" in page
    assert 'value="not an address"' in page


def test_fr_ui_003_03_link_expires_after_30_minutes(app, browser, user, outbox, clock):
    forgot(browser, user["email"])
    link = path_of(emailed_link(outbox, user["email"]))
    clock.tick(29 * 60)
    assert browser.client.get(link).status_code == 200

    clock.tick(61)

    response = browser.client.get(link)
    assert response.status_code == 400
    assert LINK_INVALID in response.get_data(as_text=True)
    assert can_log_in(app, user["email"], PASSWORD)


def test_fr_ui_003_03_link_works_once(app, browser, user, outbox):
    forgot(browser, user["email"])
    link = path_of(emailed_link(outbox, user["email"]))
    page = browser.client.get(link).get_data(as_text=True)
    assert reset_by_link(browser, link).status_code == 302

    assert LINK_INVALID in browser.client.get(link).get_data(as_text=True)
    again = browser.client.post("/password/reset", data={
        "csrf_token": csrf_from(page), "token": query_of(link)["token"],
        "new_password": "Another-seat-88#", "confirm_password": "Another-seat-88#"})
    assert again.status_code == 400
    assert can_log_in(app, user["email"], NEW)
    assert logged_event(app, user, AuditEvent.Password.ResetFailed)


def test_fr_ui_003_03_a_newer_request_replaces_the_older_link(app, browser, user, outbox):
    forgot(browser, user["email"])
    first = path_of(emailed_link(outbox, user["email"]))
    forgot(browser, user["email"])
    second = path_of(emailed_link(outbox, user["email"]))

    assert first != second
    assert browser.client.get(first).status_code == 400
    assert browser.client.get(second).status_code == 200


def test_fr_ui_003_01_policy_applies_on_reset_and_the_link_stays_usable(app, browser, user,
                                                                        outbox):
    forgot(browser, user["email"])
    link = path_of(emailed_link(outbox, user["email"]))

    refused = reset_by_link(browser, link, new="password")

    assert refused.status_code == 200
    assert "Use at least 8 characters." not in refused.get_data(as_text=True)
    assert "Include at least one digit (0-9)." in refused.get_data(as_text=True)
    assert reset_by_link(browser, link, new=PASSWORD).status_code == 200  # reused: refused
    assert reset_by_link(browser, link).status_code == 302


def test_fr_ui_003_03_wrong_code_five_times_spends_the_code(app, browser, user, outbox):
    forgot(browser, user["phone"])
    outbox.deliver()
    code = outbox.last_code(user["phone"])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    pages = [reset_by_code(browser, user["phone"], wrong).get_data(as_text=True)
             for _ in range(5)]

    assert all("The code is not correct or has expired." in page for page in pages[:4])
    assert "Too many wrong codes. Ask for a new code." in pages[4]
    last = reset_by_code(browser, user["phone"], code)  # the right code, too late
    assert last.status_code == 200
    assert "Too many wrong codes" in last.get_data(as_text=True)
    assert can_log_in(app, user["email"], PASSWORD)


def test_fr_ui_003_03_a_rejected_password_does_not_spend_a_try(app, browser, user, outbox):
    forgot(browser, user["phone"])
    outbox.deliver()
    code = outbox.last_code(user["phone"])
    for _ in range(5):
        page = reset_by_code(browser, user["phone"], code, new="weakpassword").get_data(
            as_text=True)
        assert "Include at least one digit (0-9)." in page

    assert reset_by_code(browser, user["phone"], code).status_code == 302


def test_fr_ui_003_03_code_expires_after_30_minutes(app, browser, user, outbox, clock):
    forgot(browser, user["phone"])
    outbox.deliver()
    code = outbox.last_code(user["phone"])
    clock.tick(30 * 60 + 1)

    page = reset_by_code(browser, user["phone"], code).get_data(as_text=True)

    assert "The code is not correct or has expired." in page
    assert can_log_in(app, user["email"], PASSWORD)


def test_fr_ui_003_03_code_of_another_number_does_not_work(app, flows, browser, user, outbox):
    flows.make_user(email="salem@example.com", phone="+967772222222", name="Salem Ali")
    forgot(browser, user["phone"])
    outbox.deliver()
    code = outbox.last_code(user["phone"])

    page = reset_by_code(browser, "+967772222222", code).get_data(as_text=True)

    assert "The code is not correct or has expired." in page
    assert can_log_in(app, "salem@example.com", PASSWORD)


def test_nfr_ui_002_03_forgot_is_rate_limited_per_identifier(app, user):
    statuses = [forgot(device(app), user["email"]).status_code for _ in range(4)]

    assert statuses == [302, 302, 302, 429]


def test_nfr_ui_002_03_forgot_is_rate_limited_per_address(app, browser, monkeypatch):
    monkeypatch.setitem(app.config, "IDP_PASSWORD_FORGOT_IP_RATE_LIMIT", "2 per minute")
    statuses = [forgot(browser, f"someone{i}@example.com").status_code for i in range(2)]

    refused = forgot(browser, "someone-else@example.com")

    assert statuses == [302, 302]
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]


def test_fr_ui_003_03_concurrent_use_of_one_link_succeeds_once(app, browser, user, outbox):
    forgot(browser, user["email"])
    link = path_of(emailed_link(outbox, user["email"]))
    token = query_of(link)["token"]
    forms = []
    for index in range(2):
        other = device(app)
        page = other.client.get(link).get_data(as_text=True)
        new = f"Window-seat-7{index}#"
        forms.append((other, {"csrf_token": csrf_from(page), "token": token,
                              "new_password": new, "confirm_password": new}))
    barrier = threading.Barrier(2)
    responses = [None, None]

    def run(index):
        other, form = forms[index]
        barrier.wait(timeout=10)
        responses[index] = other.client.post("/password/reset", data=form)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(r.status_code for r in responses) == [302, 400]
    winner = next(i for i, r in enumerate(responses) if r.status_code == 302)
    assert can_log_in(app, user["email"], forms[winner][1]["new_password"])
    assert len(logged_event(app, user, AuditEvent.Password.Reset)) == 1


def test_fr_ui_003_03_concurrent_use_of_one_code_succeeds_once(app, browser, user, outbox):
    forgot(browser, user["phone"])
    outbox.deliver()
    code = outbox.last_code(user["phone"])
    forms = []
    for index in range(2):
        other = device(app)
        page = other.client.get("/password/reset/code").get_data(as_text=True)
        new = f"Window-seat-7{index}#"
        forms.append((other, {"csrf_token": csrf_from(page), "phone": user["phone"],
                              "code": code, "new_password": new, "confirm_password": new}))
    barrier = threading.Barrier(2)
    responses = [None, None]

    def run(index):
        other, form = forms[index]
        barrier.wait(timeout=10)
        responses[index] = other.client.post("/password/reset/code", data=form)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(r.status_code for r in responses) == [200, 302]
    assert len(logged_event(app, user, AuditEvent.Password.Reset)) == 1
