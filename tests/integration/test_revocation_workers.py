"""Revoked access tokens across workers (RFC 7009 §2): with Redis, each worker mirrors the
revocation stream and reads it again at most every IDP_REVOCATION_SYNC_MS."""

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


def _worker(redis_url, *, sync_seconds=0.0, lifetime_seconds=600) -> RedisRevocationList:
    """What one gunicorn worker holds: its own client and mirror."""
    return RedisRevocationList(redis.Redis.from_url(redis_url), sync_seconds=sync_seconds,
                               lifetime_seconds=lifetime_seconds)


def _soon(seconds=600):
    return utcnow() + timedelta(seconds=seconds)


def test_rfc7009_2_revoked_through_one_worker_is_refused_through_another_app(
        make_app, flows, user, rp, redis_url):
    """Two apps on the same database and Redis, as two gunicorn workers: a token revoked
    through the first is refused by the second's introspection and UserInfo."""
    other = make_app(IDP_REVOCATION_SYNC_MS=0).test_client()
    service = flows.make_service(scope="introspection")
    tokens = flows.tokens_for(rp, user)
    access = tokens["access_token"]
    auth = "Basic " + base64.b64encode(
        f"{service['client_id']}:{service['client_secret']}".encode()).decode()

    def active_on_other() -> bool:
        return other.post("/introspect", data={"token": access},
                          headers={"Authorization": auth}).get_json()["active"]

    assert active_on_other()
    assert flows.revoke(rp, access).status_code == 200
    assert not active_on_other()
    refused = other.get("/userinfo", headers={"Authorization": f"Bearer {access}"})
    assert refused.status_code == 401


def test_revoking_worker_refuses_at_once_others_within_their_interval(redis_url):
    revoking, fresh, stale = (_worker(redis_url), _worker(redis_url, sync_seconds=0),
                              _worker(redis_url, sync_seconds=0.3))
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


def test_new_worker_catches_up_on_every_live_revocation_in_batches(redis_url):
    revoking = _worker(redis_url)
    for n in range(5):
        revoking.revoke(f"jti-{n}", _soon())
    newcomer = _worker(redis_url)
    newcomer.batch = 2  # five entries: three XREADs
    assert all(newcomer.is_revoked(f"jti-{n}") for n in range(5))
    assert not newcomer.is_revoked("jti-5")


def test_expired_revocations_are_not_kept(redis_url):
    worker = _worker(redis_url)
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


def test_stream_keeps_only_what_a_live_token_could_need(redis_url):
    """Each XADD trims entries older than the access-token lifetime plus the margin."""
    worker = _worker(redis_url, lifetime_seconds=0)
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
                                 sync_seconds=0, lifetime_seconds=600)
    with pytest.raises(redis.exceptions.ConnectionError):
        broken.is_revoked("anything")
