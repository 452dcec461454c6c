"""The benchmark's sequence: storage, fixtures, argon2 alone, gunicorn, each scenario, report."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import time
from pathlib import Path

from bench.bare import ISSUE_BARE_RATE
from bench.client import Client
from bench.client import client_credentials_token
from bench.client import user_access_token
from bench.environment import exclusive_run
from bench.environment import prepare_storage
from bench.fixtures import RAISED_LIMITS
from bench.fixtures import create_fixtures
from bench.fixtures import server_environment
from bench.hashing import argon2_rate
from bench.measurement import Measurement
from bench.pyload import fixed_request
from bench.pyload import password_login
from bench.pyload import run_python
from bench.report import table
from bench.report import write_json
from bench.scenarios import LOGIN_TARGET_RATIO
from bench.scenarios import Scenario
from bench.scenarios import http_scenarios
from bench.server import Gunicorn
from bench.server import free_port
from bench.wrk import run_wrk
from bench.wrk import run_wrk_login
from bench.wrk import wrk_path
from idp.config import load_settings

ROOT = Path(__file__).resolve().parent.parent


#: The yardstick's row in the table.
BARE = "bare Flask (yardstick)"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the identity provider under gunicorn.")
    parser.add_argument("--seconds", type=int, default=10, help="measured time per scenario")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16,
                        help="wrk connections (and Python threads when wrk is missing)")
    parser.add_argument("--login-connections", type=int, default=8,
                        help="logins in flight with wrk (one wrk thread per connection)")
    parser.add_argument("--login-processes", type=int, default=2,
                        help="Python generator (no wrk): processes")
    parser.add_argument("--login-threads", type=int, default=4,
                        help="Python generator (no wrk): threads per process")
    parser.add_argument("--python-load", action="store_true",
                        help="use the Python generator for every scenario even if wrk exists")
    return parser.parse_args()


def _code_version() -> dict:
    """The commit measured, and whether the working tree differed from it."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    return {"commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted_changes": bool(git("status", "--porcelain", "--", "idp", "templates",
                                            "migrations", "wsgi.py", "deploy"))}


def _workers(settings: dict) -> int:
    """As deploy/gunicorn.conf.py counts them: 0 means twice the CPU cores."""
    return settings["IDP_WORKERS"] or 2 * (os.cpu_count() or 1)


def _check(base: Client, scenario: Scenario) -> None:
    """One request before the load: a scenario that fails would measure error pages."""
    response = base.request(scenario.method, scenario.path,
                            body=scenario.body.encode() if scenario.body else None,
                            headers=scenario.headers)
    if response.status != 200:
        raise RuntimeError(f"{scenario.name}: {response.status} {response.text[:300]}")
    if scenario.name == "introspect" and response.json().get("active") is not True:
        raise RuntimeError(f"introspect: token not active: {response.text[:300]}")


def _load(server: Gunicorn, scenario: Scenario, args, use_wrk: bool) -> Measurement:
    if use_wrk:
        return run_wrk(server.base_url, scenario, threads=args.wrk_threads,
                       connections=args.connections, seconds=args.seconds,
                       sample=server.connections_per_worker)
    return run_python(server.base_url, scenario.name, fixed_request(scenario), processes=2,
                      threads=max(1, args.connections // 2), seconds=args.seconds,
                      sample=server.connections_per_worker)


def main() -> int:
    args = _arguments()
    with exclusive_run():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    started = time.time()
    use_wrk = wrk_path() is not None and not args.python_load
    if wrk_path() is None:
        print("wrk not found: install it with `apt-get install -y wrk`; "
              "falling back to the Python load generator (slower, lower ceiling).")

    storage = prepare_storage()
    port = free_port()
    env = server_environment(storage, port)
    settings = load_settings(environ=env)
    cores = os.cpu_count() or 1
    load_before = os.getloadavg()[0]
    print(f"machine:      {cores} cores, load average {load_before:.2f} before the run"
          + ("  (busy: other work shares these cores, figures will be low and noisy)"
             if load_before > 0.5 else ""))
    print(f"storage:      {storage.description}")
    print(f"server:       gunicorn -c deploy/gunicorn.conf.py wsgi:app on 127.0.0.1:{port}, "
          f"{_workers(settings)} workers x {settings['IDP_THREADS']} threads (gthread)")
    print(f"limits:       {', '.join(RAISED_LIMITS)} = {next(iter(RAISED_LIMITS.values()))!r} "
          f"(raised from the defaults: every request comes from one address, user and client; "
          f"still counted on each request)")
    fixtures = create_fixtures(env)

    log = ROOT / "bench" / "results" / "gunicorn.log"
    # The yardstick first: what this machine serves at all right now (bench/bare.py).
    print("loading:      bare Flask JSON endpoint (the machine's yardstick) ...", flush=True)
    with Gunicorn(env, log.with_name("gunicorn-bare.log"), app="bench.bare:app") as bare:
        yardstick = _load(bare, Scenario(BARE, "/.well-known/openid-configuration", 0), args,
                          use_wrk)
    scale = yardstick.rps / ISSUE_BARE_RATE if yardstick.rps else 1.0
    yardstick.target = f"issue: ~{ISSUE_BARE_RATE:.0f}/s"
    measurements: list[Measurement] = []
    with Gunicorn(env, log) as server:
        base = Client("127.0.0.1", port)
        service_token = client_credentials_token(base, fixtures.service, "bookings:read")
        user_token = user_access_token(Client("127.0.0.1", port), fixtures.relying_party,
                                       fixtures.user)
        scenarios = http_scenarios(fixtures, service_token=service_token, user_token=user_token)
        for scenario in scenarios:
            _check(base, scenario)
        base.close()
        for scenario in scenarios:
            print(f"loading:      {scenario.name} ...", flush=True)
            try:
                measured = _load(server, scenario, args, use_wrk)
            finally:
                server.check_running(scenario.name)
            measured.target = f">= {scenario.target:.0f}/s"
            measured.met = measured.rps >= scenario.target
            measured.scaled_target = scenario.target * scale
            measurements.append(measured)
        # Measured right before the logins, the server idle, so both see the same machine.
        hash_rate = argon2_rate(settings, seconds=args.seconds, processes=cores)
        print(f"argon2:       {hash_rate.parameters}: {hash_rate.rate:.1f} verifies/s in "
              f"{hash_rate.processes} processes (server idle)")
        print("loading:      login (GET form + POST credentials) ...", flush=True)
        if use_wrk:
            login = run_wrk_login(server.base_url, fixtures.login_users,
                                  connections=args.login_connections, seconds=args.seconds,
                                  sample=server.connections_per_worker)
        else:
            login = run_python(server.base_url, "login", password_login(fixtures.login_users),
                               processes=args.login_processes, threads=args.login_threads,
                               seconds=args.seconds, sample=server.connections_per_worker)
        server.check_running("login")
    ratio = login.rps / hash_rate.rate if hash_rate.rate else 0.0
    login.target = (f">= {LOGIN_TARGET_RATIO:.0%} of argon2 "
                    f"({LOGIN_TARGET_RATIO * hash_rate.rate:.1f}/s)")
    login.met = ratio >= LOGIN_TARGET_RATIO
    measurements.append(login)

    print()
    print(table([yardstick, *measurements]))
    print()
    print(f"login / argon2 = {login.rps:.1f} / {hash_rate.rate:.1f} = {ratio:.2f} "
          f"(target >= {LOGIN_TARGET_RATIO})")
    print(f"this machine now: a bare Flask endpoint {yardstick.rps:.0f}/s, {scale:.2f} x the "
          f"~{ISSUE_BARE_RATE:.0f}/s the targets were set against; the targets scaled by it:")
    for m in measurements:
        if m.scaled_target is not None:
            print(f"  {m.scenario:<24} {m.rps:8.1f}/s  scaled target {m.scaled_target:7.0f}/s  "
                  f"{'met' if m.rps >= m.scaled_target else 'NOT met'}  "
                  f"({m.rps / yardstick.rps:.0%} of bare Flask)")
    print("load generators, and client connections per server worker during the load:")
    for m in measurements:
        spread = "+".join(map(str, m.spread)) if m.spread else "?"
        print(f"  {m.scenario}: {m.tool}; connections per worker {spread}")
    path = write_json({
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "machine": {"cores": cores, "python": platform.python_version(),
                    "platform": platform.platform(), "load_average_before": round(load_before, 2)},
        "code": _code_version(),
        "storage": storage.description,
        "server": {"command": "gunicorn -c deploy/gunicorn.conf.py wsgi:app", "port": port,
                   "workers": _workers(settings), "threads": settings["IDP_THREADS"],
                   "raised_limits": RAISED_LIMITS},
        "argon2": {"parameters": hash_rate.parameters, "processes": hash_rate.processes,
                   "seconds": hash_rate.seconds, "verifies": hash_rate.verifies,
                   "verifies_per_second": round(hash_rate.rate, 1)},
        "login_over_argon2": round(ratio, 3),
        "bare_flask": {"requests_per_second": round(yardstick.rps, 1),
                       "issue_requests_per_second": ISSUE_BARE_RATE, "scale": round(scale, 3)},
        "results": [m.as_dict() for m in measurements],
        "elapsed_seconds": round(time.time() - started, 1),
    })
    print(f"written to {path.relative_to(ROOT)} in {time.time() - started:.0f} s")
    return 0
