"""argon2id verifications per second on all cores, with the server's parameters: the ceiling
that complete password logins are compared with."""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2 import Type


@dataclass(frozen=True)
class HashRate:
    processes: int
    seconds: float
    verifies: int
    time_cost: int
    memory_kib: int
    parallelism: int

    @property
    def rate(self) -> float:
        return self.verifies / self.seconds

    @property
    def parameters(self) -> str:
        return f"argon2id t={self.time_cost} m={self.memory_kib} KiB p={self.parallelism}"


def _hasher(settings: dict) -> PasswordHasher:
    return PasswordHasher(time_cost=settings["IDP_ARGON2_TIME_COST"],
                          memory_cost=settings["IDP_ARGON2_MEMORY_KIB"],
                          parallelism=settings["IDP_ARGON2_PARALLELISM"], type=Type.ID)


def _verify_until(settings: dict, stored: str, start_at: float, end_at: float, queue) -> None:
    hasher = _hasher(settings)
    count = 0
    while time.time() < start_at:
        hasher.verify(stored, "bench password")  # warm-up, not counted
    while time.time() < end_at:
        hasher.verify(stored, "bench password")
        count += 1
    queue.put(count)


def argon2_rate(settings: dict, *, seconds: float = 10, processes: int | None = None,
                warmup: float = 1.0) -> HashRate:
    """Run ``PasswordHasher.verify`` in one process per core for ``seconds``."""
    processes = processes or os.cpu_count() or 1
    stored = _hasher(settings).hash("bench password")
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + warmup
    end_at = start_at + seconds
    children = [context.Process(target=_verify_until,
                                args=(settings, stored, start_at, end_at, queue))
                for _ in range(processes)]
    for child in children:
        child.start()
    verifies = sum(queue.get(timeout=warmup + seconds + 60) for _ in children)
    for child in children:
        child.join()
    return HashRate(processes=processes, seconds=seconds, verifies=verifies,
                    time_cost=settings["IDP_ARGON2_TIME_COST"],
                    memory_kib=settings["IDP_ARGON2_MEMORY_KIB"],
                    parallelism=settings["IDP_ARGON2_PARALLELISM"])
