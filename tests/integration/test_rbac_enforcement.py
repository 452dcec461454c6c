"""``rbac.require`` and ``rbac.require_page``: permission checked before every operation
(FR-UI-004-04, BR-UI-012), every refusal recorded (BR-UI-013), repeated refusals alert the
security contact (EC-UI-006), office-scoped permissions stay in their office (BR-UI-011).

API checks call a view wrapped by ``require`` inside a request carrying a real access token got
through the flows, so they do not depend on which routes the admin API has."""

from __future__ import annotations

import itertools

from idp.rbac import require
from tests.flows import Flows

_numbers = itertools.count(1)


def sign_in(app, role, *, office_id=None, scope="openid roles"):
    browser = Flows(app, app.test_client())
    number = next(_numbers)
    user = browser.make_user(email=f"{role}{number}@example.com", phone=f"+96777400{number:04d}",
                             roles=(role,) if role else ())
    if office_id:
        from idp.accounts.services import get_user
        from idp.extensions import db

        with app.app_context():
            get_user(user["id"]).office_id = office_id
            db.session.commit()
    rp = browser.make_client(first_party=True)
    tokens = browser.tokens_for(rp, user, scope=scope)
    return {"flows": browser, "user": user, "rp": rp, "token": tokens["access_token"],
            "tokens": tokens}


def call(app, token, permission, *, office_arg=None, path="/api/things", **view_kwargs):
    """Run a view guarded by ``require(permission)``; return (status, JSON body)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with app.test_request_context(path, headers=headers, environ_base={
            "REMOTE_ADDR": "198.51.100.7"}):
        view = require(permission, office_arg=office_arg)(lambda **kw: {"ok": True})
        response = app.make_response(view(**view_kwargs))
        return response.status_code, response.get_json()


def denials(app, user_id):
    from idp.audit.services import LogFilter
    from idp.audit.services import search

    with app.app_context():
        rows, _ = search(LogFilter(user_id=user_id, event="rbac:access:denied"), limit=100)
        return rows


def test_fr_ui_004_04_no_token_is_401(app):
    status, body = call(app, None, "bookings:create")
    assert status == 401


def test_fr_ui_004_04_held_permission_passes(app):
    customer = sign_in(app, "customer")
    assert call(app, customer["token"], "bookings:create") == (200, {"ok": True})


def test_br_ui_013_refusal_is_403_and_recorded_with_who_what_resource_ip_time(app):
    finance = sign_in(app, "finance_admin")
    status, body = call(app, finance["token"], "bookings:create", path="/api/bookings")
    assert status == 403
    assert body["error"] == "forbidden" and "bookings:create" in body["error_description"]
    [row] = denials(app, finance["user"]["id"])
    assert row.result == "denied"
    assert row.ip == "198.51.100.7"
    assert row.created_at is not None
    assert row.client_id == finance["rp"]["client_id"]
    assert row.detail["permission"] == "bookings:create"
    assert row.detail["resource"] == "GET /api/bookings"


def test_br_ui_012_a_revoked_role_permission_stops_working_at_once(app):
    from idp.extensions import db
    from idp.rbac.services import get_role
    from idp.rbac.services import set_role_permissions

    customer = sign_in(app, "customer")
    assert call(app, customer["token"], "reviews:create")[0] == 200
    with app.app_context():
        kept = [p.name for p in get_role("customer").permissions if p.name != "reviews:create"]
        set_role_permissions("customer", kept)
        db.session.commit()
    # The token still lists reviews:create; the user no longer holds it.
    status, _body = call(app, customer["token"], "reviews:create")
    assert status == 403
    assert denials(app, customer["user"]["id"])[0].detail["reason"] == "not_held"


def test_fr_ui_004_02_permission_outside_the_clients_limit_is_refused(app):
    browser = Flows(app, app.test_client())
    user = browser.make_user(email="fin@example.com", phone="+967774999001",
                             roles=("super_admin",))
    finance_tool = browser.make_client(first_party=True, permissions=("payments:*",))
    token = browser.tokens_for(finance_tool, user, scope="openid")["access_token"]
    assert call(app, token, "payments:refund")[0] == 200
    assert call(app, token, "bookings:cancel")[0] == 403
    assert denials(app, user["id"])[0].detail["reason"] == "not_in_token"


def test_br_ui_011_client_credentials_token_holds_no_permission(app):
    browser = Flows(app, app.test_client())
    service = browser.make_service(scope="bookings:read")
    token = browser.client_credentials(service).get_json()["access_token"]
    assert call(app, token, "bookings:read")[0] == 403


def test_br_ui_011_office_rep_acts_only_on_their_own_office(app):
    rep = sign_in(app, "office_rep", office_id="office-1")
    token = rep["token"]
    assert call(app, token, "trips:update", office_arg="office_id", office_id="office-1")[0] == 200
    # Escalation attempt: another office's data.
    status, _ = call(app, token, "bookings:read", office_arg="office_id", office_id="office-2",
                     path="/api/offices/office-2/bookings")
    assert status == 403
    # An office-wide route (no office argument) is not one office's data.
    assert call(app, token, "bookings:read")[0] == 403
    rows = denials(app, rep["user"]["id"])
    assert [row.detail["office_id"] for row in rows] == [None, "office-2"]
    assert rows[1].detail["resource"] == "GET /api/offices/office-2/bookings"


def test_br_ui_011_platform_staff_use_office_scoped_permissions_on_any_office(app):
    support = sign_in(app, "support_admin")
    status, _ = call(app, support["token"], "bookings:read", office_arg="office_id",
                     office_id="office-7")
    assert status == 200


def test_ec_ui_006_repeated_refusals_alert_the_security_contact_once(app, outbox,
                                                                     monkeypatch):
    monkeypatch.setitem(app.config, "IDP_SECURITY_CONTACT", "security@example.com")
    monkeypatch.setitem(app.config, "IDP_RBAC_DENIAL_ALERT_LIMIT", "3 per 10 minutes")
    # The contact has no account: its mail is in the default language, English here to read it.
    monkeypatch.setitem(app.config, "IDP_DEFAULT_LOCALE", "en")
    customer = sign_in(app, "customer")
    for _ in range(3):
        assert call(app, customer["token"], "users:read")[0] == 403
    outbox.deliver()
    assert not [m for m in outbox.emails if m.to == "security@example.com"]
    for _ in range(3):  # past the limit: one alert per user (and per address) per window
        assert call(app, customer["token"], "users:read")[0] == 403
    outbox.deliver()
    alerts = [m for m in outbox.emails if m.to == "security@example.com"]
    assert len(alerts) == 2  # the user, and the address
    assert alerts[0].subject == "Security alert: repeated refused access"
    assert customer["user"]["id"] in alerts[0].body + alerts[1].body
    assert "users:read" in alerts[0].body
    from idp.audit.services import LogFilter
    from idp.audit.services import search

    with app.app_context():
        raised, _ = search(LogFilter(event="rbac:alert:raised"), limit=10)
    assert sorted(row.detail["by"] for row in raised) == ["ip", "user"]


def test_br_ui_012_hosted_page_checks_permission_first(app):
    from idp.accounts.services import get_user
    from idp.extensions import db
    from idp.rbac.services import deny_permission

    browser = Flows(app, app.test_client())
    user = browser.make_user(email="frozen@example.com", phone="+967774999002",
                             roles=("customer",))
    assert browser.login(user["email"]).status_code == 302
    assert browser.client.get("/account/profile").status_code == 200
    with app.app_context():
        deny_permission(get_user(user["id"]), "account:update")
        db.session.commit()
    # EC-UI-007 ended the session: log in again, then the page is refused.
    assert browser.login(user["email"]).status_code == 302
    response = browser.client.get("/account/profile", headers={"Accept-Language": "en"})
    assert response.status_code == 403
    assert "You are not allowed to do this." in response.get_data(as_text=True)
    [row] = denials(app, user["id"])
    assert row.detail["permission"] == "account:update"
    assert row.detail["resource"] == "GET /account/profile"
    assert browser.client.get("/").status_code == 200  # account:read is still held
