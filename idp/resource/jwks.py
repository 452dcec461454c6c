"""The issuer's signing keys for a resource server: fetched once, kept, refreshed when they age
or when a token names a key not seen yet (the issuer rotated), never more often than a minimum
interval (a stream of tokens with made-up ``kid``s must not turn into a stream of fetches)."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable

import jwt

#: How long fetched keys are used before they are fetched again (5 minutes, in seconds).
DEFAULT_MAX_AGE = 300
#: The shortest time between two fetches, whatever the tokens say (30 seconds).
DEFAULT_MIN_REFRESH_INTERVAL = 30
#: How long a fetch may take (seconds).
DEFAULT_TIMEOUT = 5


class JwksUnavailable(Exception):
    """The key set could not be fetched or read."""


def http_fetcher(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> Callable[[], bytes]:
    """A fetch function reading ``url`` over HTTP(S)."""

    def fetch() -> bytes:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.read()

    return fetch


class KeySet:
    """Thread-safe cache of a JWKS, by ``kid``. ``fetch`` returns the JWKS document's bytes."""

    def __init__(self, fetch: Callable[[], bytes], *, max_age: float = DEFAULT_MAX_AGE,
                 min_refresh_interval: float = DEFAULT_MIN_REFRESH_INTERVAL,
                 clock: Callable[[], float] = time.monotonic):
        self._fetch = fetch
        self.max_age = max_age
        self.min_refresh_interval = min_refresh_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        #: How many times the key set was fetched (for tests and metrics).
        self.fetches = 0

    def get(self, kid: str | None) -> jwt.PyJWK | None:
        """The public key named ``kid``, or None if the issuer does not publish it."""
        if not kid:
            return None
        with self._lock:
            now = self._clock()
            if self._fetched_at is None or now - self._fetched_at >= self.max_age:
                self._refresh(now)
            elif kid not in self._keys and now - self._fetched_at >= self.min_refresh_interval:
                self._refresh(now)  # an unknown kid: the issuer may have rotated its keys
            return self._keys.get(kid)

    def _refresh(self, now: float) -> None:
        self.fetches += 1
        self._fetched_at = now  # also on failure: a broken issuer is not asked on every call
        try:
            document = json.loads(self._fetch())
            keys = {}
            for jwk in document.get("keys", []):
                if jwk.get("use", "sig") != "sig" or not jwk.get("kid"):
                    continue
                try:
                    keys[jwk["kid"]] = jwt.PyJWK.from_dict(jwk)
                except jwt.PyJWTError:
                    continue  # a key type this resource server cannot use
        except (OSError, ValueError, AttributeError) as exc:
            if not self._keys:
                raise JwksUnavailable(str(exc)) from exc
            return  # keep the keys we have
        self._keys = keys
