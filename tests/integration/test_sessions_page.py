"""FR-UI-005-04/05: the account's sessions page and /api/account/sessions."""

import re

import pytest

from tests.flows import Flows
from tests.flows import csrf_from

CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/130.0.0.0 Mobile Safari/537.36")
FIREFOX_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 "
                   "Firefox/130.0")


def _device(app, user, agent) -> Flows:
    device = Flows(app, app.test_client())
    device.client.environ_base["HTTP_USER_AGENT"] = agent
    device.login(user["email"])
    return device


@pytest.fixture
def phone(app, user):
    return _device(app, user, CHROME_ANDROID)


@pytest.fixture
def laptop(app, user):
    return _device(app, user, FIREFOX_WINDOWS)


def _current_sid(device) -> str:
    page = device.client.get("/account/sessions").get_data(as_text=True)
    return re.search(r'class="badge">.*?action="/account/sessions/([^/"]+)/end"', page,
                     re.DOTALL).group(1)


def _session_ids(page: str) -> list[str]:
    return re.findall(r'action="/account/sessions/([^/"]+)/end"', page)


def test_fr_ui_005_04_lists_every_session_with_device_ip_and_times(phone, laptop):
    response = laptop.client.get("/account/sessions?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Chrome Mobile · Android" in page
    assert "Firefox · Windows" in page
    assert page.count("This device") == 1
    assert page.index("This device") > page.index("Firefox · Windows")
    assert "127.0.0.1" in page
    assert len(_session_ids(page)) == 2


def test_fr_ui_005_04_needs_a_login(client):
    response = client.get("/account/sessions")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_fr_ui_005_04_end_another_session(phone, laptop, rp, user):
    phone_tokens = phone.tokens_for(rp, user, scope="openid offline_access")
    phone_sid = _current_sid(phone)
    page = laptop.client.get("/account/sessions").get_data(as_text=True)
    assert phone_sid in _session_ids(page) and phone_sid != _current_sid(laptop)
    response = laptop.client.post(f"/account/sessions/{phone_sid}/end",
                                  data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert phone.client.get("/account/sessions").status_code == 302  # signed out there
    assert laptop.client.get("/account/sessions").status_code == 200
    assert phone.refresh(rp, phone_tokens["refresh_token"]).status_code == 400


def test_fr_ui_005_04_cannot_end_another_users_session(phone, app, flows):
    stranger = flows.make_user(email="salem@example.com", phone="+967771234568")
    other = _device(app, stranger, FIREFOX_WINDOWS)
    [phone_sid] = _session_ids(phone.client.get("/account/sessions").get_data(as_text=True))
    page = other.client.get("/account/sessions").get_data(as_text=True)
    response = other.client.post(f"/account/sessions/{phone_sid}/end",
                                 data={"csrf_token": csrf_from(page)})
    assert response.status_code == 404
    assert phone.client.get("/account/sessions").status_code == 200


def test_fr_ui_005_05_end_all_other_sessions(phone, laptop, app, user):
    tablet = _device(app, user, CHROME_ANDROID.replace("Pixel 8", "SM-X200"))
    page = laptop.client.get("/account/sessions?lang=en").get_data(as_text=True)
    response = laptop.client.post("/account/sessions/end-others",
                                  data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    page = laptop.client.get(response.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert "2 sessions were ended." in page
    assert len(_session_ids(page)) == 1
    for device in (phone, tablet):
        assert device.client.get("/account/sessions").status_code == 302


def test_fr_ui_005_05_end_all_sessions_this_one_too(phone, laptop):
    page = laptop.client.get("/account/sessions").get_data(as_text=True)
    response = laptop.client.post("/account/sessions/end-all",
                                  data={"csrf_token": csrf_from(page)})
    assert response.status_code == 200
    assert any(h.startswith("idp_session=;") or h.startswith('idp_session="";')
               for h in response.headers.getlist("Set-Cookie"))
    for device in (phone, laptop):
        assert device.client.get("/account/sessions").status_code == 302


def test_fr_ui_005_04_ending_without_csrf_token_is_refused(phone, laptop):
    response = laptop.client.post("/account/sessions/end-others", data={})
    assert response.status_code == 400
    assert phone.client.get("/account/sessions").status_code == 200


# --- /api/account/sessions ---


def _bearer(tokens):
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_fr_ui_005_04_api_lists_sessions_and_marks_the_tokens_own(phone, laptop, rp, user):
    tokens = laptop.tokens_for(rp, user, scope="openid")
    response = laptop.client.get("/api/account/sessions", headers=_bearer(tokens))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    sessions = response.get_json()["sessions"]
    assert len(sessions) == 2
    [current] = [s for s in sessions if s["current"]]
    assert (current["browser"], current["os"]) == ("Firefox", "Windows")
    assert {"id", "ip", "created_at", "last_seen_at", "device"} <= set(current)


def test_fr_ui_005_04_api_ends_one_session(phone, laptop, rp, user):
    tokens = laptop.tokens_for(rp, user, scope="openid")
    sessions = laptop.client.get("/api/account/sessions", headers=_bearer(tokens)).get_json()
    [other] = [s for s in sessions["sessions"] if not s["current"]]
    response = laptop.client.delete(f"/api/account/sessions/{other['id']}",
                                    headers=_bearer(tokens))
    assert response.status_code == 204
    assert phone.client.get("/account/sessions").status_code == 302
    again = laptop.client.delete(f"/api/account/sessions/{other['id']}", headers=_bearer(tokens))
    assert again.status_code == 404


def test_fr_ui_005_05_api_ends_others_then_all(phone, laptop, rp, user):
    tokens = laptop.tokens_for(rp, user, scope="openid")
    response = laptop.client.delete("/api/account/sessions", headers=_bearer(tokens))
    assert response.get_json() == {"ended": 1}
    assert laptop.client.get("/account/sessions").status_code == 200
    response = laptop.client.delete("/api/account/sessions?which=all", headers=_bearer(tokens))
    assert response.get_json() == {"ended": 1}
    assert laptop.client.get("/account/sessions").status_code == 302
    # the token was issued under the ended session: it is revoked with it
    assert laptop.client.get("/api/account/sessions",
                             headers=_bearer(tokens)).status_code == 401


def test_api_needs_a_users_token(client, flows):
    assert client.get("/api/account/sessions").status_code == 401
    service = flows.make_service(scope="openid")
    token = flows.client_credentials(service, scope="openid").get_json()
    response = client.get("/api/account/sessions", headers=_bearer(token))
    assert response.status_code == 403
