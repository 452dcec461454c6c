"""The admin API's users (issue 5 §4): search with paging, view, lock and unlock, activate,
disable — a disabled user's tokens are inactive at once (RFC 7662) and sessions end."""

from __future__ import annotations

# ruff: noqa: F811 (the fixtures imported from admin_fixtures are test arguments)
import pytest

from tests.flows import PASSWORD
from tests.flows import Flows
from tests.integration.admin_fixtures import console  # noqa: F401 (fixture)
from tests.integration.admin_fixtures import root  # noqa: F401 (fixture)
from tests.integration.admin_fixtures import sign_in  # noqa: F401 (fixture)


@pytest.fixture
def people(flows):
    """Three customers and a pending signup."""
    return {
        "amina": flows.make_user(email="amina@example.com", phone="+967771234567",
                                 name="Amina Saleh", roles=("customer",)),
        "salem": flows.make_user(email="salem@example.com", phone="+967771234568",
                                 name="Salem Qasim", roles=("customer",)),
        "huda": flows.make_user(email="huda@travel.example", phone="+967771234569",
                                name="Huda Saleh", roles=("customer",)),
        "pending": flows.make_user(email="late@example.com", phone="+967771234570",
                                   name="Late Comer", verified=False),
    }


def _emails(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [u["email"] for u in response.get_json()["users"]]


def test_search_by_email_name_phone_status_and_role(root, people):
    assert _emails(root.get("/users?email=AMINA@")) == ["amina@example.com"]
    assert _emails(root.get("/users?name=saleh")) == ["amina@example.com",
                                                       "huda@travel.example"]
    assert _emails(root.get("/users?phone=771234568")) == ["salem@example.com"]
    assert _emails(root.get("/users?phone=%2B967771234568")) == ["salem@example.com"]
    assert _emails(root.get("/users?phone=not-a-number")) == []
    assert _emails(root.get("/users?status=pending")) == ["late@example.com"]
    assert set(_emails(root.get("/users?role=customer"))) == {
        "amina@example.com", "salem@example.com", "huda@travel.example"}
    assert _emails(root.get("/users?role=customer&email=travel")) == ["huda@travel.example"]
    # LIKE wildcards typed by the caller are literal characters.
    assert _emails(root.get("/users?email=%25")) == []


def test_search_pages_with_a_total(root, people):
    first = root.get("/users?role=customer&per_page=2").get_json()
    second = root.get("/users?role=customer&per_page=2&page=2").get_json()
    assert first["total"] == second["total"] == 3
    assert len(first["users"]) == 2 and len(second["users"]) == 1
    assert {u["id"] for u in first["users"]}.isdisjoint({u["id"] for u in second["users"]})


def test_view_shows_the_account_without_secrets(root, people):
    amina = people["amina"]
    response = root.get(f"/users/{amina['id']}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == "amina@example.com" and body["phone"] == "+967771234567"
    assert body["roles"] == ["customer"] and body["status"] == "active"
    assert body["email_verified"] and body["locked_until"] is None
    assert "password_hash" not in body and PASSWORD not in response.get_data(as_text=True)


def test_unknown_user_is_404(root):
    for path in ("/users/nobody", "/users/" + "x" * 40):
        response = root.get(path)
        assert response.status_code == 404
        assert response.get_json()["error"] == "user_not_found"
    assert root.post("/users/nobody/disable").status_code == 404


def _can_log_in(app, user) -> bool:
    return Flows(app, app.test_client()).login(user["email"], PASSWORD).status_code == 302


def test_lock_refuses_login_until_unlocked(app, root, people):
    amina = people["amina"]
    response = root.post(f"/users/{amina['id']}/lock", json={"reason": "phished"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["locked_until"] is not None
    assert not _can_log_in(app, amina)

    assert root.post(f"/users/{amina['id']}/unlock").status_code == 200
    assert _can_log_in(app, amina)
    events = [r.event for r in _log(app, amina["id"], "admin:user:*")]
    assert events == ["admin:user:unlocked", "admin:user:locked"]


def test_activate_needs_verified_contacts(app, root, people, flows):
    response = root.post(f"/users/{people['pending']['id']}/activate")
    assert response.status_code == 409
    assert response.get_json()["error"] == "contacts_not_verified"

    flows.set_user_status(people["salem"], "disabled")
    response = root.post(f"/users/{people['salem']['id']}/activate")
    assert response.status_code == 200 and response.get_json()["status"] == "active"
    assert _can_log_in(app, people["salem"])


def test_disable_makes_every_token_inactive_and_ends_sessions(app, root, sign_in, flows,
                                                              console):
    victim = sign_in("customer")
    service = flows.make_service(name="Booking API", scope="introspection")
    refresh = victim.tokens["refresh_token"]
    assert flows.introspect(service, victim.access_token).get_json()["active"] is True

    response = root.post(f"/users/{victim.id}/disable", json={"reason": "fraud"})

    assert response.status_code == 200 and response.get_json()["status"] == "disabled"
    assert flows.introspect(service, victim.access_token).get_json() == {"active": False}
    assert flows.introspect(service, refresh).get_json() == {"active": False}
    assert victim.flows.refresh(console, refresh).status_code == 400
    # The browser session is gone too: the password page asks to log in again.
    assert victim.flows.client.get("/account/password").status_code == 302
    assert not _can_log_in(app, victim.user)
    [row] = _log(app, victim.id, "admin:user:disabled")
    assert row.detail["actor_id"] == root.id and row.detail["reason"] == "fraud"
    assert row.detail["sessions_ended"] == 1  # its tokens went with it (session_ended)


def test_an_admin_cannot_disable_or_lock_themselves(root):
    for action in ("disable", "lock"):
        response = root.post(f"/users/{root.id}/{action}")
        assert response.status_code == 409
        assert response.get_json()["error"] == "self_action_refused"


def _log(app, user_id, event):
    from idp.audit.services import LogFilter
    from idp.audit.services import search

    with app.app_context():
        return search(LogFilter(user_id=user_id, event=event), limit=100)[0]
