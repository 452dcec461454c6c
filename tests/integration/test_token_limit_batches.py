"""NFR-UI-002-03: the token endpoint's limits counted in Redis a batch at a time
(idp/security/limit_batches.py), against Flask-Limiter's own counters."""

from __future__ import annotations

import time

import pytest

from idp.extensions import limiter
from idp.security import limit_batches
from idp.security import rate_limits
from idp.security.errors import TooManyAttempts
from idp.security.limit_batches import LimitBatches

SETTING = "IDP_TOKEN_CLIENT_RATE_LIMIT"
KEY = ("idp:token:client", "client:batched")


@pytest.fixture
def redis_limits(app):
    if not app.config["IDP_REDIS_URL"]:
        pytest.skip("batches go to Redis's counters: this run has no IDP_REDIS_URL "
                    "(in memory every request is counted where it is decided)")
    return app


def _count_in_redis(app) -> int:
    item = rate_limits._parsed(app.config[SETTING])
    return limiter.limiter.storage.get(item.key_for(*KEY))


def _hit(app, batches) -> bool:
    with app.test_request_context("/token", method="POST"):
        try:
            rate_limits.limit_many([(SETTING, KEY)], batches=batches)
        except TooManyAttempts:
            return False
        return True


def test_nfr_ui_002_03_far_from_the_limit_requests_reach_redis_a_batch_at_a_time(
        redis_limits, monkeypatch):
    app = redis_limits
    monkeypatch.setitem(app.config, SETTING, "10000 per minute")
    batches = LimitBatches(16)
    assert _hit(app, batches)  # a window this worker knows nothing of: asked at once
    assert _count_in_redis(app) == 1
    assert all(_hit(app, batches) for _ in range(15))
    assert _count_in_redis(app) == 1  # fifteen admitted here...
    assert _hit(app, batches)
    assert _count_in_redis(app) == 17  # ...and sent with the sixteenth
    assert _hit(app, batches)
    time.sleep(limit_batches.SYNC_SECONDS + 0.02)
    assert _hit(app, batches)  # past SYNC_SECONDS: Redis is asked whatever the batch
    assert _count_in_redis(app) == 19


@pytest.mark.parametrize("limit", [3, 50])
def test_nfr_ui_002_03_one_worker_admits_exactly_the_limit(redis_limits, monkeypatch, limit):
    app = redis_limits
    monkeypatch.setitem(app.config, SETTING, f"{limit} per minute")
    batches = LimitBatches(16)
    admitted = sum(_hit(app, batches) for _ in range(limit + 20))
    assert admitted == limit


def test_nfr_ui_002_03_several_workers_overshoot_by_at_most_a_batch_each(redis_limits,
                                                                         monkeypatch):
    app = redis_limits
    monkeypatch.setitem(app.config, SETTING, "600 per minute")
    workers = [LimitBatches(16) for _ in range(4)]
    admitted = 0
    for _round in range(300):
        admitted += sum(_hit(app, worker) for worker in workers)
    assert 600 - 4 * 16 <= admitted <= 600 + 4 * 16
    assert _count_in_redis(app) >= admitted  # what was admitted here was sent there


def test_nfr_ui_002_03_refusal_carries_the_windows_time_left(redis_limits, monkeypatch):
    app = redis_limits
    monkeypatch.setitem(app.config, SETTING, "2 per minute")
    batches = LimitBatches(16)
    assert _hit(app, batches) and _hit(app, batches)
    with app.test_request_context("/token", method="POST"):
        with pytest.raises(TooManyAttempts) as refused:
            rate_limits.limit_many([(SETTING, KEY)], batches=batches)
    assert 50 < refused.value.retry_after <= 60
    assert refused.value.limit == SETTING


def test_nfr_ui_002_03_token_endpoint_refuses_past_the_client_limit_with_batching_on(
        app, flows, monkeypatch):
    """End to end, on either storage: batching on (the default) still stops a client at its
    limit."""
    assert app.config["IDP_TOKEN_LIMIT_BATCH"] > 1
    monkeypatch.setitem(app.config, SETTING, "5 per minute")
    service = flows.make_service()
    statuses = [flows.client_credentials(service).status_code for _ in range(8)]
    assert statuses == [200] * 5 + [429] * 3
