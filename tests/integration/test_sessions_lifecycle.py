"""Server-side sessions: idle timeout, touch without a write per request, rotation, one
session per device, user-agent binding and the cookies' attributes."""

import pytest

from idp.extensions import db
from tests.flows import Flows

COOKIE = "idp_session"


def _rows(app, user_id):
    from idp.sessions.models import LoginSession

    with app.app_context():
        return list(db.session.scalars(db.select(LoginSession).where(
            LoginSession.user_id == user_id).order_by(LoginSession.created_at)))


def _signed_in(flows) -> bool:
    return flows.client.get("/account/sessions").status_code == 200


def test_fr_ui_005_02_session_ends_after_30_idle_minutes(flows, user, clock):
    flows.login(user["email"])
    clock.tick(29 * 60)
    assert _signed_in(flows)  # activity restarts the idle time
    clock.tick(29 * 60)
    assert _signed_in(flows)
    clock.tick(30 * 60 + 1)
    assert not _signed_in(flows)
    [row] = _rows(flows.app, user["id"])
    assert row.end_reason == "expired"


def test_fr_ui_005_02_activity_is_written_at_most_once_a_minute(flows, user, clock):
    flows.login(user["email"])
    [first] = _rows(flows.app, user["id"])
    clock.tick(30)
    assert _signed_in(flows)
    assert _rows(flows.app, user["id"])[0].last_seen_at == first.last_seen_at
    clock.tick(31)
    assert _signed_in(flows)
    assert (_rows(flows.app, user["id"])[0].last_seen_at - first.last_seen_at).seconds == 61


def test_absolute_lifetime_ends_even_an_active_session(flows, user, clock):
    flows.login(user["email"])
    for _ in range(12 * 2 + 1):
        clock.tick(30 * 60 - 1)
        flows.client.get("/account/sessions")
    assert not _signed_in(flows)


def test_fr_ui_005_03_second_login_on_one_device_leaves_one_session(flows, user):
    flows.login(user["email"])
    flows.login(user["email"])
    rows = _rows(flows.app, user["id"])
    assert [row.ended_at is None for row in rows] == [False, True]
    assert rows[0].device_id == rows[1].device_id is not None


def test_br_ui_009_login_of_another_user_on_the_device_ends_the_first(flows, user):
    other = flows.make_user(email="salem@example.com", phone="+967771234568")
    flows.login(user["email"])
    flows.client.delete_cookie(COOKIE)  # the device cookie stays
    flows.login(other["email"])
    [first] = _rows(flows.app, user["id"])
    assert first.end_reason == "same_device"


def test_fr_ui_005_03_two_devices_keep_two_sessions(flows, user, app):
    flows.login(user["email"])
    Flows(app, app.test_client()).login(user["email"])
    assert [row.ended_at for row in _rows(app, user["id"])] == [None, None]


def test_session_secret_rotates_at_login(flows, user):
    flows.login(user["email"])
    first = flows.client.get_cookie(COOKIE).value
    flows.login(user["email"])
    assert flows.client.get_cookie(COOKIE).value != first


def test_rotate_gives_a_new_cookie_and_the_old_one_opens_nothing(flows, user, app):
    from idp.sessions import services

    flows.login(user["email"])
    old = flows.client.get_cookie(COOKIE).value
    with app.test_request_context("/", headers={"Cookie": f"{COOKIE}={old}"}):
        login = services.current_session()
        new = services.rotate(login)
        db.session.commit()
        response = app.make_response("")
        response = services._set_rotated_cookie(response)
        assert f"{COOKIE}={new}" in response.headers["Set-Cookie"]
        assert "HttpOnly" in response.headers["Set-Cookie"]
    flows.client.set_cookie(COOKIE, old)
    assert not _signed_in(flows)
    flows.client.set_cookie(COOKIE, new)
    assert _signed_in(flows)


def test_nfr_ui_002_04_cookie_from_another_browser_family_ends_the_session(flows, user, outbox):
    flows.login(user["email"])
    firefox = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 "
               "Firefox/130.0")
    response = flows.client.get("/account/sessions", headers={"User-Agent": firefox})
    assert response.status_code == 302  # to the login page
    [row] = _rows(flows.app, user["id"])
    assert row.end_reason == "user_agent_changed"
    [email] = outbox.deliver()
    assert email.to == user["email"]
    assert "Firefox / Windows" in email.body
    from idp.audit.services import events

    with flows.app.app_context():
        assert events(user_id=user["id"], event="session:hijack_suspected")


def test_nfr_ui_002_04_a_browser_update_keeps_the_session(flows, user):
    old = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) " \
          "Chrome/129.0.0.0 Safari/537.36"
    flows.client.environ_base["HTTP_USER_AGENT"] = old
    flows.login(user["email"])
    flows.client.environ_base["HTTP_USER_AGENT"] = old.replace("129.0", "130.0")
    assert _signed_in(flows)


def test_nfr_ui_002_04_cookies_are_httponly_and_samesite(flows, user):
    page = flows.client.get("/login")
    response = flows.login(user["email"])
    cookies = {h.split("=", 1)[0]: h for r in (page, response)
               for h in r.headers.getlist("Set-Cookie")}
    for name in (COOKIE, "idp_form", "idp_device"):
        assert "HttpOnly" in cookies[name], name
        assert "SameSite=Lax" in cookies[name], name


@pytest.fixture
def production(make_app, app):
    return make_app(IDP_ENV="production", IDP_ISSUER="https://idp.example",
                    IDP_SECRET_KEY="s" * 32, IDP_DIGEST_KEY="d" * 32,
                    IDP_DATA_KEYS=app.config["IDP_DATA_KEYS"] + ["spare:" + "A" * 43 + "="],
                    IDP_SMS_PRIMARY="http://127.0.0.1:9/sms", IDP_NOTIFY_INLINE=False)


def test_nfr_ui_002_04_production_cookies_use_the_host_prefix_and_hsts(production, user):
    client = production.test_client()
    flows = Flows(production, client)
    base = "https://idp.example"
    page = client.get("/login", base_url=base)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    from tests.flows import csrf_from

    response = client.post("/login", base_url=base, headers={"Referer": base + "/login"}, data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "identifier": user["email"],
        "password": user["password"], "next": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    cookies = {h.split("=", 1)[0]: h for r in (page, response)
               for h in r.headers.getlist("Set-Cookie")}
    assert {"__Host-idp_session", "__Host-idp_form", "__Host-idp_device"} <= set(cookies)
    for header in cookies.values():
        assert "Secure" in header and "HttpOnly" in header and "Path=/" in header
        assert "Domain=" not in header
    assert flows.client.get("/account/sessions", base_url=base).status_code == 200


def test_no_store_on_pages_and_apis_but_not_on_public_documents(flows, user, client):
    assert flows.login(user["email"]).headers["Cache-Control"] == "no-store"
    assert client.get("/account/sessions").headers["Cache-Control"] == "no-store"
    assert client.get("/api/account/sessions").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/jwks.json").headers["Cache-Control"]
    assert client.get("/logout").headers["X-Frame-Options"] == "DENY"


def test_br_ui_008_sweep_ends_idle_sessions_in_batches(flows, user, app, clock, idp):
    for _ in range(3):
        Flows(app, app.test_client()).login(user["email"])
    clock.tick(10 * 60)
    flows.login(user["email"])  # the active one
    clock.tick(25 * 60)
    result = idp("sessions", "sweep", "--batch", "2")
    assert result.exit_code == 0, result.output
    assert "3 session(s) ended" in result.output
    live = [row for row in _rows(app, user["id"]) if row.ended_at is None]
    assert len(live) == 1
