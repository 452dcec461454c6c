"""Counting a high-rate limit in Redis a batch at a time (the token endpoint's, NFR-UI-002-03).

Counting every client-credentials request in Redis cost a round trip, a fifth of the request's
CPU time. Here a worker admits up to a batch of requests against a limit on its own, then adds
them to the same Redis counter Flask-Limiter keeps (its fixed-window key and increment script,
with the batch as the amount) and learns the window's count and end from the answer.

How far the count may run ahead of Redis is bounded:

- a batch is at most ``batch`` requests and at most 1/16 of what remains of the window, as this
  worker last saw it; so close to the limit every request goes to Redis, as without batching;
- a worker asks Redis again after ``SYNC_SECONDS`` whatever its batch;
- a request that would pass the limit on the worker's own count is always decided by Redis.

So over a window at most one batch per worker is admitted beyond the limit; with 16 workers or
fewer that is at most what remained of the limit when their batches began. A batch 1 counts
every request in Redis.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

#: A worker reads the window's count again after this long, whatever its batch.
SYNC_SECONDS = 0.1
#: A batch is at most this fraction of what remains of the window.
HEADROOM_SHARE = 16
#: Counters a worker keeps at most (one per client address and client in a window); past it,
#: it starts again empty, giving up at most one batch per counter.
MAX_COUNTERS = 10_000


@dataclass
class _Counter:
    known: int = 0  # the window's count in Redis when last read
    pending: int = 0  # admitted here since, not yet in Redis
    window_ends: float = 0.0  # time.monotonic() at which Redis forgets the key
    synced_at: float = 0.0


@dataclass(frozen=True)
class Sync:
    """Add ``amount`` to the limit's counter in Redis; its answer decides the request."""

    counter: _Counter
    amount: int


class LimitBatches:
    def __init__(self, batch: int):
        self.batch = max(1, batch)
        self._counters: dict[tuple, _Counter] = {}
        self._lock = threading.Lock()

    def admit(self, item, key: tuple[str, ...]) -> Sync | None:
        """Admit one request against ``item`` for ``key`` here (None), or say what to send to
        Redis, whose answer decides."""
        now = time.monotonic()
        with self._lock:
            counter = self._counters.get((item, key))
            if counter is None:
                if len(self._counters) >= MAX_COUNTERS:
                    self._counters.clear()
                counter = self._counters[(item, key)] = _Counter()
            if now >= counter.window_ends:  # a window we know nothing about yet
                counter.known = 0
            else:
                batch = min(self.batch, (item.amount - counter.known) // HEADROOM_SHARE)
                if (counter.pending + 1 < batch and now - counter.synced_at < SYNC_SECONDS
                        and counter.known + counter.pending < item.amount):
                    counter.pending += 1
                    return None
            amount, counter.pending = counter.pending + 1, 0
        return Sync(counter, amount)

    def learn(self, sync: Sync, count: int, ttl_ms: int) -> None:
        """Redis's answer to ``sync``: the window's count now, and its time to live."""
        now = time.monotonic()
        with self._lock:
            counter = sync.counter
            counter.known = count
            counter.synced_at = now
            counter.window_ends = now + max(ttl_ms, 0) / 1000

    def forget(self, sync: Sync) -> None:
        """``sync`` never reached Redis (it failed): its requests are counted elsewhere."""
        with self._lock:
            sync.counter.window_ends = 0.0
