"""Sessions and logout in a real browser (issue 6), in Arabic and in English: two "devices"
(two browser contexts) signed in, both listed; ending the phone's session from the laptop
sends the phone's app a back-channel logout token (received by a local HTTP server); a second
login from one device keeps one session; the idle timeout mid-form, the form filled in again
after logging in (EC-UI-005); the logout confirmation. Screenshots: sessions-*.png,
logout-confirm-*.png."""

import json
import re
from urllib.request import urlopen

import jwt as pyjwt
import pytest

from idp.extensions import db
from tests.browser.journey import BROWSER_TEST
from tests.browser.journey import authorize_path
from tests.browser.journey import check_page
from tests.browser.journey import decide
from tests.browser.journey import exchange_code
from tests.browser.journey import log_in
from tests.browser.journey import submit
from tests.integration.logout_steps import BackchannelReceiver
from tests.integration.logout_steps import make_logout_client

pytestmark = BROWSER_TEST

PHONE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/130.0.0.0 Mobile Safari/537.36")
LAPTOP_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                "Gecko) Chrome/130.0.0.0 Safari/537.36")


@pytest.fixture
def user(live_server):
    return live_server.flows.make_user(phone="+967771234567")


@pytest.fixture
def receiver():
    started = BackchannelReceiver()
    yield started
    started.stop()


def _live_sessions(app, user_id) -> int:
    from idp.sessions.models import LoginSession

    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(LoginSession).where(
            LoginSession.user_id == user_id, LoginSession.ended_at.is_(None)))


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_sessions_journey(new_page, live_server, user, outbox, receiver, monkeypatch, lang):
    app = live_server.app
    rp = make_logout_client(app, backchannel_logout_uri=receiver.url)

    # The phone signs in to the booking app (tokens issued under its session).
    phone = new_page(lang, user_agent=PHONE_AGENT)
    path, params = authorize_path(live_server, rp, scope="openid")
    phone.goto(path)
    log_in(phone, user["email"])
    query = decide(phone, "allow")
    tokens = exchange_code(live_server, rp, query["code"], params["_verifier"])
    assert "id_token" in tokens

    # The laptop signs in to the account, twice: still one session for it (FR-UI-005-03).
    laptop = new_page(lang, user_agent=LAPTOP_AGENT)
    laptop.goto("/account/sessions")
    log_in(laptop, user["email"])
    laptop.goto("/login")
    log_in(laptop, user["email"])
    assert _live_sessions(app, user["id"]) == 2
    laptop.goto("/account/sessions")
    items = laptop.locator("ul.sessions > li")
    assert items.count() == 2
    assert "Chrome Mobile · Android" in items.all_inner_texts()[0] + items.all_inner_texts()[1]
    check_page(laptop, "sessions", lang)

    # End the phone's session from the laptop.
    other = laptop.locator("ul.sessions > li", has_not=laptop.locator(".badge"))
    assert "Android" in other.inner_text()
    submit(laptop, "ul.sessions > li:not(:has(.badge)) button[type=submit]")
    assert laptop.locator("ul.sessions > li").count() == 1

    # The phone's app is told through back-channel logout (a signed logout token).
    outbox.deliver()
    [post] = receiver.wait_for(1)
    token = post.form["logout_token"]
    jwks = pyjwt.PyJWKSet.from_dict(json.loads(urlopen(live_server.url + "/jwks.json").read()))
    claims = pyjwt.decode(token, jwks[pyjwt.get_unverified_header(token)["kid"]].key,
                          algorithms=["RS256"], audience=rp["client_id"],
                          issuer=live_server.url)
    id_claims = pyjwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["sid"] == id_claims["sid"]
    phone.goto("/account/sessions")
    assert "/login" in phone.url

    # The logout confirmation page (no id_token_hint: the user confirms).
    laptop.goto("/logout")
    check_page(laptop, "logout-confirm", lang)

    # EC-UI-005: the session idles out while the profile form is open.
    laptop.goto("/account/profile")
    laptop.fill("input[name=name]", "Amina Al-Yemeni")
    monkeypatch.setitem(app.config, "IDP_SESSION_IDLE_SECONDS", 0)  # idle from now on
    submit(laptop, "form[action='/account/profile'] button[type=submit]")
    assert "/login" in laptop.url
    monkeypatch.setitem(app.config, "IDP_SESSION_IDLE_SECONDS", 1800)
    log_in(laptop, user["email"])
    assert laptop.url == live_server.url + "/account/profile"
    assert laptop.input_value("input[name=name]") == "Amina Al-Yemeni"
    assert re.search(r"Amina Al-Yemeni", laptop.content())
