"""The user's journey through the hosted pages in a real browser, step by step, and what to
check on each page (direction, untranslated text, fitting a phone screen)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import Request
from urllib.request import urlopen

import pytest
from babel.messages.pofile import read_po

try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # the test extras are not installed: BROWSER_TEST skips
    PlaywrightError = None

from tests.conftest import ROOT
from tests.flows import PASSWORD
from tests.flows import REDIRECT_URI
from tests.flows import query_of

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CATALOGUE = ROOT / "idp/translations/ar/LC_MESSAGES/messages.po"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}  # a common phone in CSS pixels
DIRECTION = {"ar": "rtl", "en": "ltr"}
LANGUAGES = ("ar", "en")

#: For every browser test module: ``-m "not browser"`` leaves them out (the PostgreSQL run does),
#: and without Chromium they skip instead of failing.
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian chromium not installed: apt-get install chromium"),
    pytest.mark.skipif(PlaywrightError is None, reason="playwright not installed: pip install "
                                                       "-e '.[test]'"),
]

#: The visible words of each page in each language, to know the page is the one expected.
SIGN_IN = {"ar": "تسجيل الدخول", "en": "Sign in"}
ALLOW = {"ar": "السماح", "en": "Allow"}
DENY = {"ar": "رفض", "en": "Deny"}
WRONG_CREDENTIALS = {"ar": "البريد الإلكتروني أو رقم الهاتف أو كلمة المرور غير صحيحة.",
                     "en": "The email, phone number or password is not correct."}


def authorize_path(server, rp: dict, **extra) -> tuple[str, dict]:
    """The path of an authorization request with PKCE, and its parameters (with
    ``_verifier``)."""
    params = server.flows.authorize_params(rp, **extra)
    query = {k: v for k, v in params.items() if not k.startswith("_")}
    return "/authorize?" + urlencode(query), params


def submit(page, selector: str) -> None:
    """Press a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def log_in(page, identifier: str, password: str = PASSWORD) -> None:
    page.fill("input[name=identifier]", identifier)
    page.fill("input[name=password]", password)
    submit(page, "form button[type=submit]")


def to_client(page, action) -> dict:
    """Run ``action`` (a click, a goto) that ends at the client's redirect URI; return the query
    the client is called with.

    The redirect URI does not exist, so that navigation fails; and Playwright cannot route the
    target of a redirect, so the request itself is read."""
    with page.expect_request(lambda request: request.url.startswith(REDIRECT_URI + "?")
                             and request.is_navigation_request()) as sent:
        try:
            action()
        except PlaywrightError as exc:  # page.goto reports the failed navigation
            assert "ERR_NAME_NOT_RESOLVED" in str(exc), exc
    return query_of(sent.value.url)


def decide(page, decision: str) -> dict:
    """Allow or deny on the consent page; the client's query."""
    return to_client(page, lambda: page.click(f"button[name=decision][value={decision}]"))


def exchange_code(server, rp: dict, code: str, verifier: str) -> dict:
    """The client's back channel: the code for tokens (RFC 6749 §4.1.3, RFC 7636 §4.5)."""
    raw = f"{rp['client_id']}:{rp['client_secret']}".encode()
    request = Request(server.url + "/token", data=urlencode({
        "grant_type": "authorization_code", "code": code, "redirect_uri": rp["redirect_uri"],
        "code_verifier": verifier}).encode(),
        headers={"Authorization": "Basic " + base64.b64encode(raw).decode()})
    with urlopen(request, timeout=10) as response:  # noqa: S310 (our own test server)
        return json.load(response)


def language_and_direction(page) -> tuple[str, str]:
    return tuple(page.evaluate("[document.documentElement.lang, document.documentElement.dir]"))


def has_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth")


def untranslated_text(page) -> list[str]:
    """English sentences of the catalogue that show on the page (for Arabic pages)."""
    text = page.inner_text("body")
    with CATALOGUE.open("rb") as po:
        # A plural entry's id is its (singular, plural) pair: both are English to look for.
        ids = [msgid for message in read_po(po) if message.id
               for msgid in (message.id if isinstance(message.id, tuple) else (message.id,))]
    fragments = {part.strip() for msgid in ids for part in re.split(r"%\(\w+\)s", msgid)}
    return sorted(f for f in fragments if len(f) > 3 and f in text)


def screenshot(page, name: str) -> Path:
    """A full-page PNG in test-artifacts/screenshots/ (git-ignored), for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_page(page, name: str, lang: str) -> None:
    """The page is in ``lang`` with its direction, shows no catalogue English when Arabic, and
    fits a phone without sideways scrolling; full-page screenshots at desktop and phone size
    (``<name>-<lang>.png``, ``<name>-<lang>-phone.png``)."""
    assert language_and_direction(page) == (lang, DIRECTION[lang]), name
    if lang == "ar":
        assert untranslated_text(page) == [], name
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-{lang}")
    page.set_viewport_size(PHONE)
    assert not has_horizontal_scroll(page), name
    screenshot(page, f"{name}-{lang}-phone")
    page.set_viewport_size(DESKTOP)
