"""Revoked access-token ids, refused by introspection and userinfo until the token expires.

Access tokens are JWTs nobody stores; revoking one puts its ``jti`` here. Two backends share the
contract: Redis when IDP_REDIS_URL is set (a stream each worker mirrors), the database otherwise.
The backend is chosen once in ``init_app``; callers use ``revocation_list()``.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Protocol

import redis
from flask import current_app

from idp.extensions import db
from idp.extensions import utcnow
from idp.oauth.models import RevokedToken

_EXTENSION_KEY = "idp.revocation_list"


class RevocationList(Protocol):
    def revoke(self, jti: str, expires_at: datetime) -> None:
        """Refuse ``jti`` from now until ``expires_at``."""

    def is_revoked(self, jti: str) -> bool:
        """True if ``jti`` was revoked (and has not yet expired)."""


class DatabaseRevocationList:
    def revoke(self, jti: str, expires_at: datetime) -> None:
        if db.session.get(RevokedToken, jti) is None:
            db.session.add(RevokedToken(jti=jti, expires_at=expires_at))
            db.session.flush()

    def is_revoked(self, jti: str) -> bool:
        return db.session.get(RevokedToken, jti) is not None

    def purge_expired(self) -> int:
        result = db.session.execute(db.delete(RevokedToken).where(RevokedToken.expires_at
                                                                   <= utcnow()))
        return result.rowcount


class RedisRevocationList:
    """Revoked jtis in a Redis stream, mirrored in each worker's memory.

    ``revoke`` appends the jti and its expiry to the stream and to this worker's mirror, so this
    worker refuses the token at once. ``is_revoked`` reads the mirror, first bringing it up to
    date from the stream (XREAD from the last entry seen) when the last read is older than
    IDP_REVOCATION_SYNC_MS: one Redis round trip per worker per interval instead of one per
    introspection or UserInfo request, where it was about a quarter of the CPU time. A token
    revoked through another worker is refused here within that interval.

    The stream keeps what a live token could still need: each XADD trims entries older than
    the access-token lifetime plus a margin (MINID); the mirror forgets expired jtis.
    """

    stream = "idp:revoked"
    #: Entries past the access-token lifetime are kept this much longer (clock skew, slow
    #: requests) before XADD trims them.
    margin_seconds = 300
    #: The mirror drops expired jtis at most this often.
    purge_seconds = 60
    #: Entries read per XREAD while catching up.
    batch = 10_000

    def __init__(self, client: redis.Redis, *, sync_seconds: float, lifetime_seconds: int):
        self.client = client
        self.sync_seconds = sync_seconds
        self.lifetime_seconds = lifetime_seconds
        self._revoked: dict[str, float] = {}  # jti -> expiry, seconds since the epoch
        self._last_id = b"0-0"
        self._synced_at: float | None = None  # time.monotonic() of the last complete read
        self._purged_at = time.monotonic()
        self._lock = threading.Lock()

    def revoke(self, jti: str, expires_at: datetime) -> None:
        expiry = expires_at.timestamp()
        now = time.time()
        if expiry <= now:
            return
        self._revoked[jti] = expiry
        oldest_ms = int((now - self.lifetime_seconds - self.margin_seconds) * 1000)
        self.client.xadd(self.stream, {"jti": jti, "exp": repr(expiry)},
                         minid=max(oldest_ms, 0), approximate=False)

    def is_revoked(self, jti: str) -> bool:
        synced_at = self._synced_at
        if synced_at is None or time.monotonic() - synced_at >= self.sync_seconds:
            # One thread reads the stream; the others go on with the mirror they have, unless
            # there is none yet.
            if self._lock.acquire(blocking=synced_at is None):
                try:
                    if self._synced_at is synced_at:
                        self._sync()
                finally:
                    self._lock.release()
        expiry = self._revoked.get(jti)
        return expiry is not None and expiry > time.time()

    def _sync(self) -> None:
        started = time.monotonic()
        while True:
            answer = self.client.xread({self.stream: self._last_id}, count=self.batch)
            entries = answer[0][1] if answer else []
            for entry_id, fields in entries:
                self._revoked[fields[b"jti"].decode()] = float(fields[b"exp"])
                self._last_id = entry_id
            if len(entries) < self.batch:
                break
        self._synced_at = started
        if started - self._purged_at >= self.purge_seconds:
            # In place, from a copy: a revoke() in another thread meanwhile is not lost.
            now = time.time()
            for jti, expiry in self._revoked.copy().items():
                if expiry <= now:
                    self._revoked.pop(jti, None)
            self._purged_at = started


def init_app(app) -> None:
    url = app.config["IDP_REDIS_URL"]
    if url:
        app.extensions[_EXTENSION_KEY] = RedisRevocationList(
            redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2),
            sync_seconds=app.config["IDP_REVOCATION_SYNC_MS"] / 1000,
            lifetime_seconds=app.config["IDP_ACCESS_TOKEN_SECONDS"],
        )
    else:
        app.extensions[_EXTENSION_KEY] = DatabaseRevocationList()


def revocation_list() -> RevocationList:
    return current_app.extensions[_EXTENSION_KEY]
