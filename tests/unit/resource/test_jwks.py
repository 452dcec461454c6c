"""idp.resource's key cache: fetched once, refreshed when old or on an unknown kid, never more
often than the minimum interval; a failed fetch keeps the keys it had."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from idp.resource.jwks import JwksUnavailable
from idp.resource.jwks import KeySet


def jwk(kid: str) -> dict:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return {**json.loads(RSAAlgorithm.to_jwk(key)), "kid": kid, "use": "sig", "alg": "RS256"}


class Issuer:
    def __init__(self, *kids):
        self.keys = [jwk(kid) for kid in kids]
        self.calls = 0
        self.down = False

    def __call__(self) -> bytes:
        self.calls += 1
        if self.down:
            raise OSError("connection refused")
        return json.dumps({"keys": self.keys}).encode()


class Clock:
    now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def test_keys_are_fetched_once_then_kept(clock):
    issuer = Issuer("a")
    keys = KeySet(issuer, max_age=300, min_refresh_interval=30, clock=clock)
    assert keys.get("a") is not None and keys.get("a") is not None
    assert issuer.calls == 1
    clock.now += 300
    assert keys.get("a") is not None
    assert issuer.calls == 2


def test_unknown_kid_refreshes_at_most_once_per_interval(clock):
    issuer = Issuer("a")
    keys = KeySet(issuer, max_age=300, min_refresh_interval=30, clock=clock)
    keys.get("a")
    for n in range(5):
        assert keys.get(f"made-up-{n}") is None
    assert issuer.calls == 1
    issuer.keys.append(jwk("b"))  # the issuer rotated
    clock.now += 30
    assert keys.get("b") is not None
    assert issuer.calls == 2


def test_a_failed_fetch_keeps_the_keys_and_is_not_retried_at_once(clock):
    issuer = Issuer("a")
    keys = KeySet(issuer, max_age=300, min_refresh_interval=30, clock=clock)
    keys.get("a")
    issuer.down = True
    clock.now += 300
    assert keys.get("a") is not None
    assert keys.get("a") is not None
    assert issuer.calls == 2


def test_no_keys_at_all_is_an_error(clock):
    issuer = Issuer("a")
    issuer.down = True
    with pytest.raises(JwksUnavailable):
        KeySet(issuer, clock=clock).get("a")


def test_no_kid_finds_nothing(clock):
    assert KeySet(Issuer("a"), clock=clock).get(None) is None
