"""What is measured, and the figure each scenario should reach."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from urllib.parse import urlencode

from bench.client import FORM
from bench.client import basic_auth

#: The login scenario's target: complete logins per second over argon2id verifies per second
#: measured alone on the same cores.
LOGIN_TARGET_RATIO = 0.85


@dataclass(frozen=True)
class Scenario:
    """One fixed request sent over and over; ``target`` is requests per second."""

    name: str
    path: str
    target: float
    method: str = "GET"
    body: str = ""
    headers: dict = field(default_factory=dict)


def http_scenarios(fixtures, *, service_token: str, user_token: str) -> list[Scenario]:
    service_auth = basic_auth(fixtures.service)
    return [
        Scenario("discovery", "/.well-known/openid-configuration", 3000),
        Scenario("jwks", "/jwks.json", 3000),
        Scenario("token client_credentials", "/token", 1200, method="POST",
                 body=urlencode({"grant_type": "client_credentials", "scope": "bookings:read"}),
                 headers={"Authorization": service_auth, "Content-Type": FORM}),
        Scenario("introspect", "/introspect", 1500, method="POST",
                 body=urlencode({"token": service_token, "token_type_hint": "access_token"}),
                 headers={"Authorization": service_auth, "Content-Type": FORM}),
        Scenario("userinfo", "/userinfo", 1500,
                 headers={"Authorization": f"Bearer {user_token}"}),
    ]
