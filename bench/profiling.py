"""The in-process profiler behind bench/profile.py."""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time
from collections.abc import Callable

from bench.client import Client
from bench.client import Response
from bench.client import client_credentials_token
from bench.client import user_access_token
from bench.environment import exclusive_run
from bench.environment import prepare_storage
from bench.fixtures import create_fixtures
from bench.fixtures import server_environment
from bench.pyload import password_login
from bench.report import RESULTS
from bench.scenarios import http_scenarios

PORT = 5077  # only names the issuer; nothing listens


class _Headers:
    """Werkzeug's headers with the two methods bench.client reads."""

    def __init__(self, headers):
        self._headers = headers

    def get(self, name, default=None):
        return self._headers.get(name, default)

    def __getitem__(self, name):
        return self._headers[name]

    def get_all(self, name):
        return self._headers.getlist(name) or None


class InProcessClient(Client):
    """bench.client.Client over Flask's test client instead of a socket."""

    def __init__(self, app):
        super().__init__("127.0.0.1", PORT)
        self.test_client = app.test_client(use_cookies=False)

    def _send(self, method, path, body, headers) -> Response:
        response = self.test_client.open(path, method=method, data=body, headers=headers)
        return Response(response.status_code, _Headers(response.headers), response.get_data())


def _requests(app, fixtures) -> dict[str, Callable[[], object]]:
    client = InProcessClient(app)
    service_token = client_credentials_token(client, fixtures.service, "bookings:read")
    user_token = user_access_token(InProcessClient(app), fixtures.relying_party, fixtures.user)
    calls = {}
    for scenario in http_scenarios(fixtures, service_token=service_token,
                                   user_token=user_token):
        body = scenario.body.encode() if scenario.body else None

        def call(scenario=scenario, body=body):
            response = client.request(scenario.method, scenario.path, body=body,
                                      headers=scenario.headers)
            assert response.status == 200, (scenario.name, response.status, response.text)

        calls[scenario.name.split()[0]] = call
    login = password_login(fixtures.user)
    login_client = InProcessClient(app)

    def call_login():
        ok, _latency = login(login_client)
        assert ok, "login did not redirect"

    calls["login"] = call_login
    return calls


def _profile(name: str, call: Callable[[], object], n: int, limit: int, cpu: bool) -> str:
    for _ in range(max(5, n // 20)):
        call()  # warm caches (keys, discovery document, connection pool)
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(n):
        call()
    mean_ms = (time.perf_counter() - started) / n * 1000
    cpu_ms = (time.process_time() - cpu_started) / n * 1000
    profiler = cProfile.Profile(time.process_time) if cpu else cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        call()
    profiler.disable()
    out = io.StringIO()
    out.write(f"== {name}: {n} requests in-process without the profiler: {mean_ms:.2f} ms "
              f"wall, {cpu_ms:.2f} ms CPU of this process each (the test client's own share "
              f"included; PostgreSQL and Redis CPU not)\n")
    out.write(f"-- profiled in {'CPU' if cpu else 'wall'} time\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(limit)
    out.write(f"-- {name}: by own time\n")
    stats.sort_stats("tottime").print_stats(limit // 2)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description="Profile the benchmark scenarios in-process.")
    parser.add_argument("scenarios", nargs="*",
                        help="discovery jwks token introspect userinfo login (default: all)")
    parser.add_argument("-n", type=int, default=2000, help="requests per scenario (login: n/40)")
    parser.add_argument("--limit", type=int, default=30, help="rows of the profile to print")
    parser.add_argument("--cpu", action="store_true",
                        help="profile CPU time instead of wall time (steadier on a busy machine)")
    args = parser.parse_args()
    with exclusive_run():
        return _profile_all(args)


def _profile_all(args: argparse.Namespace) -> int:
    storage = prepare_storage()
    env = server_environment(storage, PORT)
    for name in [k for k in os.environ if k.startswith("IDP_")]:
        del os.environ[name]
    os.environ.update(env)
    fixtures = create_fixtures(env)
    from idp.app import create_app

    app = create_app()
    calls = _requests(app, fixtures)
    RESULTS.mkdir(exist_ok=True)
    for name in args.scenarios or list(calls):
        n = max(10, args.n // 40) if name == "login" else args.n
        report = _profile(name, calls[name], n, args.limit, args.cpu)
        (RESULTS / f"profile-{name}.txt").write_text(report)
        print(report)
    return 0
