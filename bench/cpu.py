"""Where a served request's CPU time goes: per process group, in milliseconds per request.

    .venv/bin/python bench/cpu.py [scenario ...] [--seconds 12]

Serves the app as `make bench` does (gunicorn, same storage and fixtures), loads each scenario
with wrk, and reads the CPU time of every process from /proc over the middle of the load
(the first and last two seconds left out). Prints requests per second and, for the gunicorn
workers, PostgreSQL, Redis, wrk and the whole machine, CPU milliseconds per request. On a
saturated machine the whole machine's figure is what a rate is the inverse of: 2 cores at
1.6 ms a request serve 1,250 requests a second. Linux only (/proc); needs wrk.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.client import Client  # noqa: E402
from bench.client import client_credentials_token  # noqa: E402
from bench.client import user_access_token  # noqa: E402
from bench.scenarios import http_scenarios  # noqa: E402
from bench.served import served  # noqa: E402
from bench.wrk import run_wrk  # noqa: E402
from bench.wrk import run_wrk_login  # noqa: E402
from bench.wrk import wrk_path  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
GROUPS = ("gunicorn", "postgres", "redis-server", "wrk")


def _process_times() -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) of every process now, with the group it belongs to."""
    times = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # the process ended meanwhile
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        group = next((g for g in GROUPS if g in command or g == name), "other")
        times[int(entry)] = (group, (int(fields[11]) + int(fields[12])) / TICKS)
    return times


def _machine_busy() -> float:
    """CPU seconds all cores spent on anything but idle and I/O wait, since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / TICKS


def _measure(load, seconds: int):
    """Run ``load`` in a thread; return its measurement and the CPU seconds per group spent
    over the middle ``seconds - 4`` of it."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("m", load()))
    thread.start()
    time.sleep(2)
    before, busy_before = _process_times(), _machine_busy()
    time.sleep(seconds - 4)
    after, busy_after = _process_times(), _machine_busy()
    thread.join()
    spent = dict.fromkeys((*GROUPS, "other"), 0.0)
    for pid, (group, cpu) in after.items():
        spent[group] += max(0.0, cpu - before.get(pid, (group, cpu))[1])
    spent["machine"] = busy_after - busy_before
    return result["m"], spent


def main() -> int:
    parser = argparse.ArgumentParser(description="CPU time per served request, by process.")
    parser.add_argument("scenarios", nargs="*",
                        help="discovery jwks token introspect userinfo login (default: all)")
    parser.add_argument("--seconds", type=int, default=12)
    args = parser.parse_args()
    if wrk_path() is None:
        print("wrk not found: apt-get install -y wrk")
        return 2
    with served("gunicorn-cpu.log") as (server, fixtures, _storage):
        port = server.port
        service_token = client_credentials_token(Client("127.0.0.1", port),
                                                 fixtures.service, "bookings:read")
        user_token = user_access_token(Client("127.0.0.1", port), fixtures.relying_party,
                                       fixtures.user)
        scenarios = {s.name.split()[0]: s for s in http_scenarios(
            fixtures, service_token=service_token, user_token=user_token)}
        for name in args.scenarios or [*scenarios, "login"]:
            if name == "login":
                def load():
                    return run_wrk_login(server.base_url, fixtures.login_users,
                                         connections=8, seconds=args.seconds)
            else:
                def load(scenario=scenarios[name]):
                    return run_wrk(server.base_url, scenario, threads=1, connections=16,
                                   seconds=args.seconds)
            measured, spent = _measure(load, args.seconds)
            requests = measured.rps * (args.seconds - 4)
            parts = "  ".join(f"{group} {1000 * spent[group] / requests:.3f}"
                              for group in (*GROUPS, "other", "machine"))
            print(f"{name:<11} {measured.rps:8.1f}/s   CPU ms per request: {parts}",
                  flush=True)
            server.check_running(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
