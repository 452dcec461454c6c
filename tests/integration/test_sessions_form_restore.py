"""EC-UI-005: a form posted on an expired session keeps what the user typed, sends the user to
log in, and brings them back to the form filled in."""

import re

from tests.flows import PASSWORD
from tests.flows import csrf_from


def _login_after(flows, user, response):
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/login?next=/account/profile"
    return flows.login(user["email"], PASSWORD, next_url="/account/profile")


def _name_value(page: str) -> str:
    return re.search(r'<input[^>]*name="name"[^>]*value="([^"]*)"', page).group(1)


def test_ec_ui_005_profile_form_posted_after_idle_timeout_is_restored(flows, user, clock):
    flows.login(user["email"])
    page = flows.client.get("/account/profile").get_data(as_text=True)
    clock.tick(flows.app.config["IDP_SESSION_IDLE_SECONDS"] + 1)
    response = flows.client.post("/account/profile", data={
        "csrf_token": csrf_from(page), "name": "Amina Al-Yemeni", "locale": "en"})
    back = _login_after(flows, user, response)
    assert back.headers["Location"] == "/account/profile"
    restored = flows.client.get("/account/profile").get_data(as_text=True)
    assert _name_value(restored) == "Amina Al-Yemeni"
    assert re.search(r'value="en"[^>]*checked|checked[^>]*value="en"', restored)
    # shown once: a later visit shows the stored profile again
    again = flows.client.get("/account/profile").get_data(as_text=True)
    assert _name_value(again) == "Amina Saleh"


def test_ec_ui_005_stale_csrf_token_from_our_own_page_still_keeps_the_input(flows, user, app):
    flows.login(user["email"])
    flows.client.get("/account/profile")
    flows.client.delete_cookie("idp_session")
    flows.client.delete_cookie("idp_form")  # the browser session ended too
    response = flows.client.post("/account/profile", data={
        "csrf_token": "stale", "name": "Amina Al-Yemeni", "locale": "en",
        "password": "never-kept"}, headers={"Origin": "http://localhost"})
    _login_after(flows, user, response)
    restored = flows.client.get("/account/profile").get_data(as_text=True)
    assert _name_value(restored) == "Amina Al-Yemeni"
    assert "never-kept" not in restored


def test_ec_ui_005_another_sites_post_is_refused_and_not_kept(flows, user):
    response = flows.client.post("/account/profile", data={
        "csrf_token": "forged", "name": "Planted"},
        headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    flows.login(user["email"])
    assert _name_value(flows.client.get("/account/profile").get_data(as_text=True)) \
        == "Amina Saleh"


def test_ec_ui_005_saved_input_expires(flows, user, clock):
    flows.login(user["email"])
    page = flows.client.get("/account/profile").get_data(as_text=True)
    flows.client.delete_cookie("idp_session")
    flows.client.post("/account/profile", data={"csrf_token": csrf_from(page),
                                                 "name": "Too late", "locale": "en"})
    clock.tick(flows.app.config["IDP_FORM_RESTORE_SECONDS"] + 1)
    flows.login(user["email"])
    assert _name_value(flows.client.get("/account/profile").get_data(as_text=True)) \
        == "Amina Saleh"
