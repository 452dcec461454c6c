"""A user's second factor through the test client: enrol TOTP from the page, pass the second
step, read recovery codes (FR-UI-002-03)."""

from __future__ import annotations

import html
import re

import pyotp

from tests.flows import csrf_from

SECRET = re.compile(r'id="totp-secret">([A-Z2-7 ]+)</code>')
RECOVERY = re.compile(r"<li><code>([0-9a-z]{5}-[0-9a-z]{5})</code></li>")


def secret_on(page: str) -> str:
    match = SECRET.search(page)
    assert match, "no TOTP secret on the page"
    return match.group(1).replace(" ", "")


def code(secret: str, steps: int = 0) -> str:
    """The TOTP code of ``secret`` now (the frozen clock), ``steps`` periods away."""
    import time

    return pyotp.TOTP(secret).at(int(time.time()) + 30 * steps)


def recovery_codes_on(page: str) -> list[str]:
    return RECOVERY.findall(page)


def enrol_totp(client, path: str = "/account/security/totp") -> dict:
    """Scan (read) the secret from the enrolment page and confirm it with a first code;
    return the secret, the confirming response and the recovery codes it shows."""
    page = client.get(path).get_data(as_text=True)
    secret = secret_on(page)
    response = client.post(path, data={"csrf_token": csrf_from(page), "code": code(secret)})
    return {"secret": secret, "response": response,
            "recovery": recovery_codes_on(response.get_data(as_text=True))}


def second_step(client, code_value: str, *, method: str = "totp", trust: bool = False):
    """Fill in the second step of the login: one ``code`` field and the method."""
    page = client.get("/login/verify").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "code": code_value, "method": method}
    if trust:
        form["trust"] = "y"
    return client.post("/login/verify", data=form)


def field_errors(response) -> list[str]:
    return [html.unescape(m) for m in re.findall(
        r'<p class="field-error" role="alert">(.*?)</p>', response.get_data(as_text=True))]


def logout(client) -> None:
    page = client.get("/logout").get_data(as_text=True)
    if "csrf_token" in page:
        client.post("/logout", data={"csrf_token": csrf_from(page)})
