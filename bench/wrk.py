"""Load from wrk (a C load generator, in its own process): bench/lua/request.lua for the fixed
requests, bench/lua/login.lua for complete password logins."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from bench.measurement import Measurement
from bench.scenarios import Scenario

SCRIPT = Path(__file__).resolve().parent / "lua" / "request.lua"
LOGIN_SCRIPT = SCRIPT.with_name("login.lua")
TIMEOUT = "10s"
_RESULT = re.compile(r"^BENCH_RESULT (.*)$", re.MULTILINE)
_LOGIN_RESULT = re.compile(r"^BENCH_LOGIN (.*)$", re.MULTILINE)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_settings(threads: int, connections: int, seconds: int) -> str:
    return (f"wrk -t{threads} -c{connections} -d{seconds}s --latency --timeout {TIMEOUT} "
            f"-s bench/lua/request.lua")


def run_wrk(base_url: str, scenario: Scenario, *, threads: int, connections: int,
            seconds: int, sample: Callable[[], list[int]] | None = None) -> Measurement:
    """One fixed request over and over."""
    env = dict(os.environ, BENCH_METHOD=scenario.method, BENCH_BODY=scenario.body,
               BENCH_AUTHORIZATION=scenario.headers.get("Authorization", ""),
               BENCH_CONTENT_TYPE=scenario.headers.get("Content-Type", ""))
    command = [wrk_path(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "--timeout", TIMEOUT, "-s", str(SCRIPT), base_url + scenario.path]
    figures, spread = _run(command, env, _RESULT, seconds, sample)
    return Measurement(
        scenario=scenario.name, tool=wrk_settings(threads, connections, seconds),
        seconds=figures["duration_us"] / 1e6,
        ok=int(figures["requests"] - figures["status"]), errors=int(figures["status"]),
        socket_errors=int(figures["connect"] + figures["read"] + figures["write"]
                          + figures["timeout"]),
        p50_ms=figures["p50_us"] / 1000, p99_ms=figures["p99_us"] / 1000, spread=spread,
    )


def run_wrk_login(base_url: str, users: list[dict], *, connections: int, seconds: int,
                  sample: Callable[[], list[int]] | None = None) -> Measurement:
    """Complete logins (GET form + POST credentials) from ``connections`` wrk threads with one
    connection each, thread n signing in as ``users[n % len(users)]`` (all with one password);
    only logins ending in a 302 count; p50/p99 are of the POSTs."""
    env = dict(os.environ, BENCH_LOGIN_IDENTIFIERS=",".join(u["email"] for u in users),
               BENCH_LOGIN_PASSWORD=users[0]["password"])
    command = [wrk_path(), f"-t{connections}", f"-c{connections}", f"-d{seconds}s",
               "--timeout", TIMEOUT, "-s", str(LOGIN_SCRIPT), base_url + "/login"]
    figures, spread = _run(command, env, _LOGIN_RESULT, seconds, sample)
    return Measurement(
        scenario="login", tool=(f"wrk -t{connections} -c{connections} -d{seconds}s "
                                f"-s bench/lua/login.lua"),
        seconds=figures["duration_us"] / 1e6, ok=int(figures["logins"]),
        errors=int(figures["failures"]),
        socket_errors=int(figures["connect"] + figures["read"] + figures["write"]
                          + figures["timeout"]),
        p50_ms=figures["p50_us"] / 1000, p99_ms=figures["p99_us"] / 1000, spread=spread,
    )


def _run(command: list[str], env: dict, result: re.Pattern, seconds: int,
         sample: Callable[[], list[int]] | None) -> tuple[dict, list[int] | None]:
    """Run wrk; ``sample`` is called once, a second into the load (connections per worker)."""
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as wrk:
        try:
            spread = None
            if sample is not None:
                time.sleep(min(1.0, seconds / 2))
                spread = sample()
            stdout, stderr = wrk.communicate(timeout=seconds + 60)
        except BaseException:
            wrk.kill()
            raise
    match = result.search(stdout)
    if wrk.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed ({wrk.returncode}): {stderr or stdout}")
    return {k: float(v) for k, v in (pair.split("=") for pair in match.group(1).split())}, spread
