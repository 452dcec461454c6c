"""One scenario's figures, whichever load generator produced them."""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass


@dataclass
class Measurement:
    scenario: str
    tool: str  # how the load was made, e.g. "wrk -t1 -c16 -d10s"
    seconds: float
    ok: int  # responses counted as success (2xx/3xx; for login, 302 to the next page)
    errors: int  # other responses (4xx/5xx, or a login that did not redirect)
    socket_errors: int  # connect/read/write errors and timeouts
    p50_ms: float
    p99_ms: float
    target: str = ""
    met: bool | None = None
    #: Client connections per server worker, sampled during the load (busiest first).
    spread: list[int] | None = None
    #: The target times the machine's yardstick over the issue's (bench/bare.py), when any.
    scaled_target: float | None = None

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "requests_per_second": round(self.rps, 1)}


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values)) - 1))
    return sorted_values[rank]
