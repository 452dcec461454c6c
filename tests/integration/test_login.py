"""The hosted login and logout pages: no account enumeration, identifiers as people type them,
a fresh HttpOnly session cookie at every login, logout by POST only, no open redirect."""

import re
from datetime import UTC
from datetime import datetime

import pytest
from freezegun import freeze_time

from tests.flows import csrf_from
from tests.flows import query_of

COOKIE = "idp_session"


def session_cookie(response) -> dict | None:
    """The attributes of the session cookie the response sets, lower-cased, or None."""
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name == COOKIE:
            value, *attributes = [part.strip() for part in rest.split(";")]
            parsed = {"value": value}
            for attribute in attributes:
                key, _, attr_value = attribute.partition("=")
                parsed[key.lower()] = attr_value or True
            return parsed
    return None


def page_without_variables(response, *identifiers) -> str:
    """The page with what legitimately differs between two renders taken out."""
    text = response.get_data(as_text=True)
    text = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", text)
    for identifier in identifiers:
        text = text.replace(identifier, "IDENTIFIER")
    return text


def alert_of(response) -> str:
    match = re.search(r'<p class="alert" role="alert">(.*?)</p>', response.get_data(as_text=True),
                      re.S)
    assert match, "no error shown"
    return match.group(1).strip()


def authorizes(flows, rp) -> bool:
    """True if the browser's session is accepted by /authorize without logging in."""
    response = flows.authorize(flows.authorize_params(rp, prompt="none"))
    return "code" in query_of(response.headers["Location"])


# --- failed logins (no account enumeration) ---


def test_nfr_ui_002_unknown_account_and_wrong_password_get_the_same_page(flows, user):
    wrong_password = flows.login(user["email"], "not-the-password")
    unknown = flows.login("nobody@example.com", "not-the-password")
    assert wrong_password.status_code == unknown.status_code
    assert alert_of(wrong_password) == alert_of(unknown)
    assert (page_without_variables(wrong_password, user["email"])
            == page_without_variables(unknown, "nobody@example.com"))
    assert session_cookie(wrong_password) is None and session_cookie(unknown) is None


def test_nfr_ui_002_unknown_phone_and_wrong_password_get_the_same_message(flows, user):
    wrong_password = flows.login("771234567", "not-the-password")
    unknown = flows.login("771234599", "not-the-password")
    malformed = flows.login("not an identifier", "not-the-password")
    assert alert_of(wrong_password) == alert_of(unknown) == alert_of(malformed)
    assert wrong_password.status_code == unknown.status_code == malformed.status_code


def test_nfr_ui_002_failed_login_does_not_echo_the_password(flows, user):
    response = flows.login(user["email"], "Secret-Guess-123")
    assert "Secret-Guess-123" not in response.get_data(as_text=True)


def test_nfr_ui_002_04_login_without_csrf_token_is_refused(flows, user, client):
    response = client.post("/login", data={"identifier": user["email"],
                                           "password": user["password"]})
    assert response.status_code == 400
    assert session_cookie(response) is None


# --- identifiers as people type them (FR-UI-002-01) ---


@pytest.mark.parametrize("identifier", ["amina@example.com", "AMINA@EXAMPLE.COM",
                                        "Amina@Example.Com", "  amina@example.com  "])
def test_fr_ui_002_01_login_by_email_in_any_case(flows, user, identifier):
    response = flows.login(identifier)
    assert response.status_code == 302, alert_of(response)
    assert session_cookie(response)["value"]


@pytest.mark.parametrize("identifier", ["771234567", "77 123 4567", "+967771234567",
                                        "+967 77 123 4567", "00967771234567"])
def test_fr_ui_002_01_login_by_phone_number_local_or_international(flows, user, identifier):
    response = flows.login(identifier)
    assert response.status_code == 302, alert_of(response)
    assert session_cookie(response)["value"]


# --- the session cookie (NFR-UI-002-04: session hijacking and fixation) ---


def test_nfr_ui_002_04_session_cookie_is_httponly_samesite_lax_on_root_path(flows, user):
    cookie = session_cookie(flows.login(user["email"]))
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    assert cookie["path"] == "/"
    assert "expires" not in cookie and "max-age" not in cookie  # ends with the browser


def test_fr_ui_002_02_remember_me_cookie_outlives_the_browser(flows, user, app):
    with freeze_time(datetime.now(UTC).replace(microsecond=0)):
        cookie = session_cookie(flows.login(user["email"], remember=True))
    assert int(cookie["max-age"]) == app.config["IDP_SESSION_REMEMBER_SECONDS"]
    assert cookie["httponly"] is True


def test_nfr_ui_002_04_session_cookie_is_new_at_each_login_and_old_one_stops_working(
        flows, user, rp, client):
    flows.code_for(rp, user)  # logs in and remembers consent
    first = client.get_cookie(COOKIE).value
    second_login = flows.login(user["email"])
    second = session_cookie(second_login)["value"]
    assert second != first
    assert authorizes(flows, rp)

    client.set_cookie(COOKIE, first)
    assert not authorizes(flows, rp)


def test_nfr_ui_002_04_cookie_planted_before_login_is_replaced(flows, user, client):
    client.set_cookie(COOKIE, "planted-by-attacker")
    cookie = session_cookie(flows.login(user["email"]))
    assert cookie["value"] != "planted-by-attacker"


# --- logout ---


def test_fr_ui_005_logout_by_get_only_shows_a_form(flows, user, rp, client):
    flows.code_for(rp, user)
    response = client.get("/logout")
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert session_cookie(response) is None
    assert authorizes(flows, rp)


@pytest.mark.parametrize("form", [{}, {"csrf_token": "forged"}])
def test_fr_ui_005_logout_post_without_csrf_token_is_refused(flows, user, rp, client, form):
    flows.code_for(rp, user)
    response = client.post("/logout", data=form)
    assert response.status_code == 400
    assert authorizes(flows, rp)


def test_fr_ui_005_logout_ends_the_session_and_old_cookie_no_longer_authorizes(flows, user, rp,
                                                                                client):
    flows.code_for(rp, user)
    old = client.get_cookie(COOKIE).value
    page = client.get("/logout").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 200
    cleared = session_cookie(response)
    assert cleared is not None and cleared["value"] in {"", '""'}

    client.set_cookie(COOKIE, old)  # as if the browser kept it, or it was stolen
    response = flows.authorize(flows.authorize_params(rp))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?")


def test_fr_ui_005_logout_revokes_tokens_issued_in_the_session(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope="openid email")
    page = flows.client.get("/logout").get_data(as_text=True)
    flows.client.post("/logout", data={"csrf_token": csrf_from(page)})
    assert flows.userinfo(tokens["access_token"]).status_code == 401


# --- the next parameter (no open redirect, RFC 9700 §4.11) ---


@pytest.mark.parametrize("next_url", [
    "//evil.example",
    "//evil.example/authorize",
    "https://evil.example",
    "https://evil.example/authorize?client_id=x",
    "http://localhost.evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "evil.example",
])
def test_rfc9700_4_11_off_site_next_is_ignored(flows, user, next_url):
    response = flows.login(user["email"], next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_rfc9700_4_11_on_site_next_is_followed(flows, user, rp):
    next_url = "/authorize?client_id=x&scope=openid"
    response = flows.login(user["email"], next_url=next_url)
    assert response.headers["Location"] == next_url

