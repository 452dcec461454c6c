"""Revoked access-token ids, refused by introspection and userinfo until the token expires.

Access tokens are JWTs nobody stores; revoking one puts its ``jti`` here. Two backends share the
contract: Redis when IDP_REDIS_URL is set (a stream each worker mirrors), the database otherwise.
The backend is chosen once in ``init_app``; callers use ``revocation_list()``.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Protocol

import redis
from flask import current_app

from idp.extensions import db
from idp.extensions import utcnow
from idp.oauth.models import RevokedToken

log = logging.getLogger(__name__)
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

    ``revoke`` adds the jti and its expiry to this worker's mirror, appends them to the stream
    and publishes them, in one round trip. Every worker listens to the channel from a thread
    (redis-py's pub/sub worker), so the others add it to their mirrors as soon as Redis hands
    them the message: in practice before the revoking request has answered. ``is_revoked``
    reads the mirror; when its last read of the stream (XREAD from the last entry seen) is
    older than IDP_REVOCATION_SYNC_MS it reads it first, which catches what a listener missed
    (a reconnection, a worker starting). One Redis round trip per worker per interval instead
    of one per introspection or UserInfo request, where it was about a quarter of the CPU.

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

    def __init__(self, client: redis.Redis, *, sync_seconds: float, lifetime_seconds: int,
                 listen: bool = True):
        self.client = client
        self.sync_seconds = sync_seconds
        self.lifetime_seconds = lifetime_seconds
        self.listen = listen
        # Pub/sub channels are the server's, not a database's: named after the database, so
        # that two deployments sharing a Redis server do not hear each other.
        self.channel = f"{self.stream}:db{client.connection_pool.connection_kwargs.get('db', 0)}"
        self._revoked: dict[str, float] = {}  # jti -> expiry, seconds since the epoch
        self._last_id = b"0-0"
        self._synced_at: float | None = None  # time.monotonic() of the last complete read
        self._purged_at = time.monotonic()
        self._lock = threading.Lock()
        self._listener = None  # redis-py's PubSubWorkerThread, started at the first check

    def revoke(self, jti: str, expires_at: datetime) -> None:
        expiry = expires_at.timestamp()
        now = time.time()
        if expiry <= now:
            return
        self._revoked[jti] = expiry
        oldest_ms = int((now - self.lifetime_seconds - self.margin_seconds) * 1000)
        pipe = self.client.pipeline(transaction=False)
        pipe.xadd(self.stream, {"jti": jti, "exp": repr(expiry)}, minid=max(oldest_ms, 0),
                  approximate=False)
        pipe.publish(self.channel, f"{jti} {expiry!r}")
        pipe.execute()

    def is_revoked(self, jti: str) -> bool:
        synced_at = self._synced_at
        if synced_at is None or time.monotonic() - synced_at >= self.sync_seconds:
            # One thread reads the stream; the others go on with the mirror they have, unless
            # there is none yet.
            if self._lock.acquire(blocking=synced_at is None):
                try:
                    if self._synced_at is synced_at:
                        if self.listen and self._listener is None:
                            self._start_listening()  # before the read: nothing falls between
                        self._sync()
                finally:
                    self._lock.release()
        expiry = self._revoked.get(jti)
        return expiry is not None and expiry > time.time()

    def close(self) -> None:
        """Stop listening (a test's second worker; a worker shuts down with its threads)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()

    def _start_listening(self) -> None:
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(**{self.channel: self._heard})
        # sleep_time: how long one wait for a message blocks on the socket (a message ends it
        # at once); 0 would spin.
        self._listener = pubsub.run_in_thread(sleep_time=1.0, daemon=True,
                                              exception_handler=self._listener_failed)

    def _heard(self, message: dict) -> None:
        jti, _, expiry = message["data"].decode().rpartition(" ")
        try:
            self._revoked[jti] = float(expiry)
        except ValueError:
            log.warning("ignoring a malformed revocation message")

    def _listener_failed(self, exc: Exception, pubsub, thread) -> None:
        # Redis went away: the stream is read every interval as before, and the next check
        # after this subscribes again.
        log.warning("revocation listener stopped (%s); reading the stream every %.3f s",
                    exc, self.sync_seconds)
        thread.stop()
        pubsub.close()
        if self._listener is thread:
            self._listener = None

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
