"""Every role of appendix A through the admin API (FR-UI-004-01/04, BR-UI-011/012/013): what a
role may do succeeds, everything else is refused with 403 and recorded in the activity log."""

from __future__ import annotations

# ruff: noqa: F811 (the fixtures imported from admin_fixtures are test arguments)
import itertools

import pytest

from tests.integration.admin_fixtures import console  # noqa: F401 (fixture)
from tests.integration.admin_fixtures import denials
from tests.integration.admin_fixtures import sign_in  # noqa: F401 (fixture)
from tests.integration.test_offices_signup import apply
from tests.integration.test_offices_signup import documents_dir  # noqa: F401 (fixture)

_names = itertools.count()

#: (name, method, path, body): a representative call of each admin permission. ``{victim}``
#: is a customer's id and ``{office}`` a pending office's.
OPERATIONS = {
    "search users": ("get", "/users?role=customer", None),
    "view a user": ("get", "/users/{victim}", None),
    "lock a user": ("post", "/users/{victim}/lock", {"reason": "test"}),
    "list roles": ("get", "/roles", None),
    "create a role": ("post", "/roles", lambda: {"name": f"role_{next(_names)}"}),
    "assign a role": ("put", "/users/{victim}/roles/customer", None),
    "list clients": ("get", "/clients", None),
    "register a client": ("post", "/clients", lambda: {
        "name": "Reports", "grant_types": ["client_credentials"], "scope": "introspection"}),
    "list offices": ("get", "/offices", None),
    "approve an office": ("post", "/offices/{office}/approve", None),
    "search the log": ("get", "/audit?event=account:*", None),
    "export the log": ("get", "/audit/export?event=account:*", None),
}

#: Appendix A: support views data and resolves issues (users, the log); finance sees offices
#: for its reports; only the super admin manages roles, clients, approvals and exports.
ALLOWED = {
    "customer": set(),
    "office_rep": set(),
    "support_admin": {"search users", "view a user", "lock a user", "list roles",
                      "list offices", "search the log"},
    "finance_admin": {"list offices"},
    "super_admin": set(OPERATIONS),
}


@pytest.fixture
def pending_office(app, documents_dir):
    from idp.offices.services import list_offices

    assert apply(app.test_client()).status_code == 302
    with app.app_context():
        return list_offices()[0].id


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_fr_ui_004_role_gets_exactly_what_appendix_a_allows(app, flows, sign_in, role,
                                                            pending_office):
    victim = flows.make_user(email="victim@example.com", phone="+967771999999",
                             roles=("customer",))
    actor = sign_in(role)
    for name, (method, path, body) in OPERATIONS.items():
        path = path.format(victim=victim["id"], office=pending_office)
        response = actor.call(method, path, body() if callable(body) else body)
        if name in ALLOWED[role]:
            assert 200 <= response.status_code < 300, (role, name, response.get_json())
        else:
            assert response.status_code == 403, (role, name, response.status_code)
            assert response.get_json()["error"]

    refused = len(OPERATIONS) - len(ALLOWED[role])
    recorded = denials(app, actor.id)
    assert len(recorded) >= refused, (role, [r.event for r in recorded])
    for row in recorded:
        assert row.ip and row.created_at


def test_br_ui_013_a_denial_records_who_what_resource_ip_and_time(app, sign_in):
    finance = sign_in("finance_admin")
    assert finance.get("/users?email=a").status_code == 403
    [row] = denials(app, finance.id)
    assert row.user_id == finance.id
    assert "users:read" in repr(row.detail)
    assert "/api/admin/users" in repr(row.detail)
    assert row.ip == "127.0.0.1" and row.created_at is not None
