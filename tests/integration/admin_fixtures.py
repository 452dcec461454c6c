"""The cast of the admin API tests: a first-party console client and, for each role of
appendix A, a signed-in user with an access token got through the real flows
(login → authorize → token)."""

from __future__ import annotations

import itertools

import pytest

from tests.flows import REDIRECT_URI
from tests.flows import Flows

ROLES = ("customer", "office_rep", "support_admin", "finance_admin", "super_admin")
_phones = itertools.count(100)


class Admin:
    """A signed-in user of the console: ``get``/``post``/``put``/``patch``/``delete`` call
    /api/admin/… with the user's access token."""

    def __init__(self, flows: Flows, user: dict, tokens: dict):
        self.flows, self.user, self.tokens = flows, user, tokens
        self.id = user["id"]
        self.access_token = tokens["access_token"]

    def call(self, method: str, path: str, json=None, **kw):
        headers = {"Authorization": f"Bearer {self.access_token}", **kw.pop("headers", {})}
        if json is not None:
            kw["json"] = json
        return getattr(self.flows.client, method)("/api/admin" + path, headers=headers, **kw)

    def get(self, path, **kw):
        return self.call("get", path, **kw)

    def post(self, path, json=None, **kw):
        return self.call("post", path, json, **kw)

    def put(self, path, json=None, **kw):
        return self.call("put", path, json, **kw)

    def patch(self, path, json=None, **kw):
        return self.call("patch", path, json, **kw)

    def delete(self, path, **kw):
        return self.call("delete", path, **kw)


@pytest.fixture
def console(app):
    """The admin console: a confidential first-party client (no consent page) whose tokens
    may carry every permission (``permissions: ["*"]``, issue 5 §3)."""
    from idp.extensions import db
    from idp.oauth.clients import ClientMetadata
    from idp.oauth.clients import create_client

    with app.app_context():
        client, secret = create_client(ClientMetadata(
            name="Admin console", redirect_uris=(REDIRECT_URI,), first_party=True,
            scope="openid profile email roles offline_access", permissions=("*",)))
        db.session.commit()
        return {"client_id": client.id, "client_secret": secret, "redirect_uri": REDIRECT_URI}


@pytest.fixture
def sign_in(app, console):
    """``sign_in(role, email=…)``: a new user holding ``role`` (None: no role), signed in on
    their own browser, with tokens for the console."""

    def make(role: str | None, *, email: str | None = None, office_id: str | None = None,
             scope: str = "openid roles offline_access") -> Admin:
        browser = Flows(app, app.test_client())
        number = next(_phones)
        user = browser.make_user(email=email or f"{role or 'nobody'}{number}@example.com",
                                 phone=f"+96777100{number:04d}", name=f"{role} {number}",
                                 roles=(role,) if role else ())
        if office_id:
            _bind_office(app, user["id"], office_id)
        tokens = browser.tokens_for(console, user, scope=scope)
        return Admin(browser, user, tokens)

    return make


def _bind_office(app, user_id: str, office_id: str) -> None:
    from idp.accounts.services import get_user
    from idp.extensions import db

    with app.app_context():
        get_user(user_id).office_id = office_id
        db.session.commit()


@pytest.fixture
def root(sign_in):
    """A super admin."""
    return sign_in("super_admin")


def denials(app, user_id: str) -> list:
    """The activity-log rows of ``user_id``'s refused requests (result ``denied`` or
    ``failure``), newest first."""
    from idp.audit.services import LogFilter
    from idp.audit.services import search

    with app.app_context():
        rows, _ = search(LogFilter(user_id=user_id), limit=500)
        return [row for row in rows if row.result in {"denied", "failure"}]
