"""A Python load generator: processes x threads, each thread with its own keep-alive connection.

Used for the login scenario (every iteration needs a fresh cookie jar and a CSRF token, which
wrk's Lua cannot parse cheaply) and for every scenario when wrk is not installed. Only
iterations that finish inside the measured window count; a warm-up precedes it.
"""

from __future__ import annotations

import http.client
import multiprocessing
import random
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from bench.client import Client
from bench.client import csrf_from
from bench.measurement import Measurement
from bench.measurement import percentile
from bench.scenarios import Scenario

#: An iteration returns whether it succeeded and the latency, in seconds, of its timed request.
Iteration = Callable[[Client], tuple[bool, float]]


def fixed_request(scenario: Scenario) -> Iteration:
    body = scenario.body.encode() if scenario.body else None

    def iteration(client: Client) -> tuple[bool, float]:
        started = time.perf_counter()
        response = client.request(scenario.method, scenario.path, body=body,
                                  headers=scenario.headers)
        return response.status < 400, time.perf_counter() - started

    return iteration


def password_login(user: dict | list[dict]) -> Iteration:
    """GET /login and POST the form with a fresh cookie jar; success is a 302 (to the account
    page); the POST alone is timed. Given several users, each iteration takes one at random."""
    users = user if isinstance(user, list) else [user]

    def iteration(client: Client) -> tuple[bool, float]:
        user = random.choice(users)
        client.cookies = {}
        page = client.get("/login")
        if page.status != 200:
            return False, 0.0
        form = {"csrf_token": csrf_from(page.text), "identifier": user["email"],
                "password": user["password"], "next": ""}
        started = time.perf_counter()
        response = client.post_form("/login", form)
        return response.status == 302, time.perf_counter() - started

    return iteration


def _worker(base_url: str, iteration: Iteration, threads: int, start_at: float, end_at: float,
            queue) -> None:
    parts = urlsplit(base_url)
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0, "socket_errors": 0}

    def loop() -> None:
        client = Client(parts.hostname, parts.port)
        while time.time() < end_at:
            try:
                ok, latency = iteration(client)
                socket_error = False
            except (OSError, http.client.HTTPException):
                client.close()
                ok, latency, socket_error = False, 0.0, True
            except RuntimeError:  # a page without a CSRF token
                ok, latency, socket_error = False, 0.0, False
            finished = time.time()
            if start_at <= finished < end_at:
                with lock:
                    if ok:
                        counts["ok"] += 1
                        latencies.append(latency)
                    elif socket_error:
                        counts["socket_errors"] += 1
                    else:
                        counts["errors"] += 1
        client.close()

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put((counts, latencies))


def run_python(base_url: str, name: str, iteration: Iteration, *, processes: int, threads: int,
               seconds: int, warmup: float = 2.0,
               sample: Callable[[], list[int]] | None = None) -> Measurement:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + warmup
    end_at = start_at + seconds
    children = [context.Process(target=_worker, args=(base_url, iteration, threads, start_at,
                                                      end_at, queue))
                for _ in range(processes)]
    for child in children:
        child.start()
    try:
        spread = None
        if sample is not None:
            time.sleep(warmup + min(1.0, seconds / 2))
            spread = sample()
        gathered = [queue.get(timeout=warmup + seconds + 120) for _ in children]
    finally:
        for child in children:
            child.join(timeout=5)
            if child.is_alive():
                child.terminate()
    latencies = sorted(lat for _, lats in gathered for lat in lats)
    total = {key: sum(counts[key] for counts, _ in gathered)
             for key in ("ok", "errors", "socket_errors")}
    return Measurement(
        scenario=name,
        tool=(f"python {processes} processes x {threads} threads, {seconds}s "
              f"(+{warmup:.0f}s warm-up)"),
        seconds=float(seconds), ok=total["ok"], errors=total["errors"],
        socket_errors=total["socket_errors"],
        p50_ms=percentile(latencies, 0.50) * 1000, p99_ms=percentile(latencies, 0.99) * 1000,
        spread=spread,
    )
