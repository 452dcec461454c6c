"""A small keep-alive HTTP client with a cookie jar, and the browser and RP steps built on it:
one login (GET form, POST credentials), the code + PKCE flow, client_credentials."""

from __future__ import annotations

import base64
import hashlib
import html
import http.client
import json
import re
import secrets
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlsplit

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                   r'type="hidden" name="csrf_token" value="([^"]+)"|'
                   r'name="csrf_token" value="([^"]+)"')
_FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')
FORM = "application/x-www-form-urlencoded"


def csrf_from(page: str) -> str:
    match = _CSRF.search(page)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return html.unescape(next(group for group in match.groups() if group))


def basic_auth(client: dict) -> str:
    raw = f"{client['client_id']}:{client['client_secret']}".encode()
    return "Basic " + base64.b64encode(raw).decode()


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage  # or anything with get() and get_all()
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Client:
    """One keep-alive connection to the server; ``cookies`` is the jar (name -> value)."""

    host: str
    port: int
    cookies: dict = field(default_factory=dict)
    conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, *, body: bytes | None = None,
                headers: dict | None = None) -> Response:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self._send(method, path, body, headers)
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in cookie.lower() or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def _send(self, method: str, path: str, body: bytes | None, headers: dict) -> Response:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                raw = self.conn.getresponse()
                payload = raw.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.close()
                if attempt == 2:
                    raise
        if raw.will_close:
            self.close()
        return Response(raw.status, raw.headers, payload)

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post_form(self, path: str, data: dict, headers: dict | None = None) -> Response:
        return self.request("POST", path, body=urlencode(data).encode(),
                            headers={"Content-Type": FORM, **(headers or {})})

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def path_of(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def login(client: Client, user: dict, next_url: str = "") -> tuple[Response, Response]:
    """A browser's password login: GET the form (CSRF cookie and token), POST it."""
    page = client.get("/login" + (f"?{urlencode({'next': next_url})}" if next_url else ""))
    form = {"csrf_token": csrf_from(page.text), "identifier": user["email"],
            "password": user["password"], "next": next_url}
    return page, client.post_form("/login", form)


def client_credentials_token(client: Client, service: dict, scope: str) -> str:
    response = client.post_form("/token", {"grant_type": "client_credentials", "scope": scope},
                                headers={"Authorization": basic_auth(service)})
    if response.status != 200:
        raise RuntimeError(f"client_credentials: {response.status} {response.text[:300]}")
    return response.json()["access_token"]


def user_access_token(client: Client, rp: dict, user: dict,
                      scope: str = "openid profile email") -> str:
    """Run the authorization code flow with PKCE as a browser and an RP; return the access
    token."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode({
        "response_type": "code", "client_id": rp["client_id"], "redirect_uri": rp["redirect_uri"],
        "scope": scope, "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8),
        "code_challenge": challenge, "code_challenge_method": "S256",
    })
    response = client.get(f"/authorize?{query}")
    if response.status == 302 and "/login" in response.headers["Location"]:
        next_url = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
        _page, response = login(client, user, next_url)
        if response.status != 302:
            raise RuntimeError(f"login: {response.status} (wrong password or rate limit?)")
        response = client.get(path_of(response.headers["Location"]))
    if response.status == 200 and "decision" in response.text:
        action = html.unescape(_FORM_ACTION.search(response.text).group(1))
        response = client.post_form(path_of(action), {"csrf_token": csrf_from(response.text),
                                                      "decision": "allow"})
    location = response.headers.get("Location", "")
    if response.status != 302 or not location.startswith(rp["redirect_uri"]):
        raise RuntimeError(f"authorize: {response.status} {location or response.text[:300]}")
    code = parse_qs(urlsplit(location).query)["code"][0]
    response = client.post_form("/token", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": rp["redirect_uri"],
        "code_verifier": verifier}, headers={"Authorization": basic_auth(rp)})
    if response.status != 200:
        raise RuntimeError(f"code exchange: {response.status} {response.text[:300]}")
    return response.json()["access_token"]
