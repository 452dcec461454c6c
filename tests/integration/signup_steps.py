"""The customer's signup journey through the test client, step by step (UC-UI-001)."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode
from urllib.parse import urlsplit

from idp.extensions import db
from tests.flows import PASSWORD
from tests.flows import csrf_from

CUSTOMER = {"name": "Huda Al-Amri", "email": "huda@example.com", "phone": "+967771111222",
            "password": PASSWORD, "terms": "y"}
LINK = re.compile(r"https?://\S+/signup/verify-email\?\S+")


def signup_page(client, next_url: str | None = None):
    return client.get("/signup" + (f"?{urlencode({'next': next_url})}" if next_url else ""))


def sign_up(client, next_url: str | None = None, **fields):
    """Open the signup page, fill it in with CUSTOMER changed by ``fields`` (None leaves a
    field out) and send it."""
    page = signup_page(client, next_url).get_data(as_text=True)
    form = {**CUSTOMER, **fields, "csrf_token": csrf_from(page), "next": next_url or ""}
    return client.post("/signup", data={k: v for k, v in form.items() if v is not None})


def verify_page(client):
    return client.get("/signup/verify")


def enter_code(client, code: str):
    page = verify_page(client).get_data(as_text=True)
    return client.post("/signup/verify", data={"csrf_token": csrf_from(page), "code": code})


def press(client, path: str):
    """Press a button of the verify page (resend code or email, start again)."""
    page = verify_page(client).get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_from(page)})


def email_link(outbox, to: str = CUSTOMER["email"]) -> str:
    """The verification link of the last email to ``to`` (deliver first)."""
    for message in reversed(outbox.emails):
        if message.to.lower() == to.lower():
            found = LINK.search(message.body)
            if found:
                return found.group(0)
    raise AssertionError(f"no verification link was sent to {to}")


def open_link(client, link: str):
    parts = urlsplit(link)
    return client.get(f"{parts.path}?{parts.query}")


def confirm_link(client, link: str):
    """Open the link's page and press its button (the POST spends the link)."""
    page = open_link(client, link)
    assert page.status_code == 200, page.get_data(as_text=True)
    text = page.get_data(as_text=True)
    token = html.unescape(re.search(r'name="token" type="hidden" value="([^"]+)"', text).group(1))
    return client.post(urlsplit(link).path, data={"csrf_token": csrf_from(text), "token": token})


def account(app, email: str = CUSTOMER["email"]):
    """The account of ``email`` as stored (None if there is none), detached from the session."""
    from idp.accounts.services import find_user

    with app.app_context():
        user = find_user(email)
        if user is not None:
            db.session.expunge(user)
        return user


def count_users(app) -> int:
    from idp.accounts.services import list_users

    with app.app_context():
        return len(list_users())


def outbox_size(app) -> int:
    from idp.notify.models import OutboxMessage

    with app.app_context():
        return db.session.scalar(db.select(db.func.count(OutboxMessage.id)))


def events(app, prefix: str = "account:") -> list[str]:
    from idp.audit.models import ActivityLog

    with app.app_context():
        return list(db.session.scalars(db.select(ActivityLog.event)
                                       .where(ActivityLog.event.startswith(prefix))
                                       .order_by(ActivityLog.id)))


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def other_browser(app):
    """Another browser (test client) of the same person, asking for English pages."""
    from tests.flows import Flows

    flows = Flows(app, app.test_client())
    flows.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return flows


def has_login_session(client) -> bool:
    return client.get_cookie("idp_session") is not None
