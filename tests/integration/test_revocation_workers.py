"""Revoked access tokens across workers (RFC 7009 §2): with Redis, each worker mirrors the
revocations, hears new ones by pub/sub, and reads the stream again at least every
IDP_REVOCATION_SYNC_MS (what a worker that heard nothing relies on)."""

from __future__ import annotations

import base64
import time
from datetime import timedelta

import pytest
import redis

from idp.extensions import utcnow
from idp.oauth.revocation_list import RedisRevocationList


@pytest.fixture
def redis_url(app):
    if not app.config["IDP_REDIS_URL"]:
        pytest.skip("the mirrored stream is Redis's: this run has no IDP_REDIS_URL "
                    "(without Redis the database list is read at every check)")
    return app.config["IDP_REDIS_URL"]


@pytest.fixture
def workers():
    """``make(**kw)``: what one gunicorn worker holds (its own client and mirror); listeners
    stopped after the test."""
    made = []

    def make(redis_url, *, sync_seconds=0.0, lifetime_seconds=600, listen=False):
        made.append(RedisRevocationList(redis.Redis.from_url(redis_url),
                                        sync_seconds=sync_seconds,
                                        lifetime_seconds=lifetime_seconds, listen=listen))
        return made[-1]

    yield make
    for worker in made:
        worker.close()


def _eventually(check, within=2.0) -> float:
    """Seconds until ``check()`` held (polling), or fail after ``within``."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            pytest.fail(f"not within {within} s")
        time.sleep(0.005)
    return time.monotonic() - started


def _soon(seconds=600):
    return utcnow() + timedelta(seconds=seconds)


def test_rfc7009_2_revoked_through_one_worker_is_refused_through_another_app(
        make_app, flows, user, rp, redis_url):
    """Two apps on the same database and Redis, as two gunicorn workers: a token revoked
    through the first is refused by the second's introspection and UserInfo, heard by pub/sub
    (the second reads the stream only once a minute here)."""
    other_app = make_app(IDP_REVOCATION_SYNC_MS=60_000)
    other = other_app.test_client()
    service = flows.make_service(scope="introspection")
    tokens = flows.tokens_for(rp, user)
    access = tokens["access_token"]
    auth = "Basic " + base64.b64encode(
        f"{service['client_id']}:{service['client_secret']}".encode()).decode()

    def active_on_other() -> bool:
        return other.post("/introspect", data={"token": access},
                          headers={"Authorization": auth}).get_json()["active"]

    try:
        assert active_on_other()  # its mirror read, its listener started
        assert flows.revoke(rp, access).status_code == 200
        # Within the listener thread's hand-off, not the minute between reads.
        assert _eventually(lambda: not active_on_other(), within=1.0) < 1.0
        refused = other.get("/userinfo", headers={"Authorization": f"Bearer {access}"})
        assert refused.status_code == 401
    finally:
        other_app.extensions["idp.revocation_list"].close()


def test_a_listening_worker_hears_a_revocation_without_reading_the_stream(workers, redis_url):
    revoking = workers(redis_url)
    listening = workers(redis_url, sync_seconds=3600, listen=True)
    assert not listening.is_revoked("warm-up")  # reads the stream once, starts listening
    revoking.revoke("heard", _soon())
    assert _eventually(lambda: listening.is_revoked("heard"), within=1.0) < 1.0
    assert not listening.is_revoked("never-revoked")


def test_revoking_worker_refuses_at_once_one_that_heard_nothing_within_its_interval(
        workers, redis_url):
    """Without the listener (a lost subscription), the stream read every interval is what
    catches a worker up."""
    revoking, fresh, stale = (workers(redis_url), workers(redis_url, sync_seconds=0),
                              workers(redis_url, sync_seconds=0.3))
    assert not stale.is_revoked("warm-up")  # its mirror is read now, good for 0.3 s
    revoking.revoke("jti-1", _soon())
    assert revoking.is_revoked("jti-1")
    assert fresh.is_revoked("jti-1")
    # The documented staleness: within its interval a worker answers from its mirror...
    assert not stale.is_revoked("jti-1")
    time.sleep(0.35)
    # ...and past it, reads the stream again.
    assert stale.is_revoked("jti-1")
    assert not stale.is_revoked("jti-never-revoked")


def test_new_worker_catches_up_on_every_live_revocation_in_batches(workers, redis_url):
    revoking = workers(redis_url)
    for n in range(5):
        revoking.revoke(f"jti-{n}", _soon())
    newcomer = workers(redis_url)
    newcomer.batch = 2  # five entries: three XREADs
    assert all(newcomer.is_revoked(f"jti-{n}") for n in range(5))
    assert not newcomer.is_revoked("jti-5")


def test_expired_revocations_are_not_kept(workers, redis_url):
    worker = workers(redis_url)
    worker.revoke("already-expired", utcnow() - timedelta(seconds=1))
    assert not worker.is_revoked("already-expired")
    assert redis.Redis.from_url(redis_url).xlen(worker.stream) == 0

    worker.revoke("short-lived", _soon(seconds=1))
    assert worker.is_revoked("short-lived")
    time.sleep(1.1)
    assert not worker.is_revoked("short-lived")  # the token expired: nothing to refuse
    worker.purge_seconds = 0
    worker.is_revoked("anything")  # a read that also purges
    assert "short-lived" not in worker._revoked


def test_stream_keeps_only_what_a_live_token_could_need(workers, redis_url):
    """Each XADD trims entries older than the access-token lifetime plus the margin."""
    worker = workers(redis_url, lifetime_seconds=0)
    worker.margin_seconds = 0
    worker.revoke("old", _soon())
    time.sleep(0.01)
    worker.revoke("new", _soon())
    client = redis.Redis.from_url(redis_url)
    assert [fields[b"jti"] for _id, fields in client.xrange(worker.stream)] == [b"new"]


def test_redis_failure_is_an_error_not_an_accepted_token(redis_url):
    """A worker that cannot read the stream does not pretend nothing was revoked."""
    broken = RedisRevocationList(redis.Redis(host="127.0.0.1", port=1, socket_timeout=0.2,
                                             socket_connect_timeout=0.2),
                                 sync_seconds=0, lifetime_seconds=600, listen=False)
    with pytest.raises(redis.exceptions.ConnectionError):
        broken.is_revoked("anything")
