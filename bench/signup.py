"""Customer signup under load: 20 signups a second for about 30 seconds (issue 3, Targets).

    .venv/bin/python bench/signup.py [--rate 20] [--seconds 30] [--clients 64]

Server: gunicorn as `make serve` runs it (deploy/gunicorn.conf.py: IDP_WORKERS x IDP_THREADS,
default 2 x 8), the default argon2id parameters, on an SQLite file in a temporary directory
(this script never touches PostgreSQL). The outbox is delivered by `idp notify work`, a
separate process polling every IDP_NOTIFY_POLL_SECONDS (default 2 s), to the development
providers that write each email and SMS to its log (bench/results/signup-worker.log).

Each signup is a fresh browser: GET /signup (form and CSRF cookie), then POST /signup, whose
302 to /signup/verify means the account, the email link and the SMS code are committed to the
outbox ("code sent"). Signups start on a fixed schedule (open loop), so a slow server does not
lower the offered rate. Figures:

- signup request → code sent: the POST's latency (NFR-UI-001-02, target < 5 s at p99);
- outbox row created → handed to the provider: ``sent_at - created_at`` of each message, as
  the worker records them (NFR-UI-001-03, target < 10 s at p99), SMS and email apart.

Prints figures only; nothing fails when one misses its target.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import Gunicorn  # noqa: E402
from bench.server import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
IDP = ROOT / ".venv" / "bin" / "idp"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "Seat-booking-42!"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def one_signup(base_url: str, number: int) -> dict:
    """A new browser signs up; returns the timings (seconds) and the POST's status."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    opener.addheaders = [("Accept-Language", "ar-YE")]
    started = time.perf_counter()
    with opener.open(base_url + "/signup", timeout=60) as page:
        token = CSRF.search(page.read().decode()).group(1)
    form = urllib.parse.urlencode({
        "csrf_token": token, "name": f"Bench Customer {number}", "terms": "y",
        "email": f"customer{number}@bench.example", "phone": f"+96777{number:07d}",
        "password": PASSWORD, "next": ""}).encode()
    posted = time.perf_counter()
    try:
        with opener.open(base_url + "/signup", data=form, timeout=60) as response:
            status = response.status
    except urllib.error.HTTPError as answer:  # 302 lands here (redirects are not followed)
        status = answer.code
    done = time.perf_counter()
    return {"status": status, "post": done - posted, "whole": done - started, "at": started}


def offer_load(base_url: str, rate: float, seconds: float, clients: int,
               first: int = 0) -> tuple[list, float]:
    """Start ``rate`` signups a second for ``seconds`` on a fixed schedule, numbered from
    ``first``; return the results and the achieved start rate."""
    total = int(rate * seconds)
    results: list = []
    lock = threading.Lock()

    def run(number: int) -> None:
        try:
            outcome = one_signup(base_url, number)
        except Exception as exc:  # counted, not raised: the run goes on
            outcome = {"status": type(exc).__name__, "post": None, "whole": None}
        with lock:
            results.append(outcome)

    begin = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for number in range(total):
            delay = begin + number / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(run, first + number)
        offered = total / (time.perf_counter() - begin)
    return results, offered


def outbox_latencies(database: Path, expected: int, wait: float = 120) -> dict:
    """``sent_at - created_at`` per channel once the worker has sent ``expected`` messages (or
    ``wait`` seconds passed)."""
    deadline = time.monotonic() + wait
    query = "SELECT channel, status, created_at, sent_at FROM outbox_messages"
    while True:
        with sqlite3.connect(database, timeout=30) as connection:
            rows = connection.execute(query).fetchall()
        sent = [row for row in rows if row[1] == "sent"]
        if len(sent) >= expected or time.monotonic() > deadline:
            break
        time.sleep(1)
    by_channel: dict = {"sms": [], "email": []}
    for channel, _status, created, sent_at in sent:
        gap = datetime.fromisoformat(sent_at) - datetime.fromisoformat(created)
        by_channel[channel].append(gap.total_seconds())
    by_channel["unsent"] = len(rows) - len(sent)
    return by_channel


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered) + 0.5)) - 1))]


def line(label: str, values: list[float]) -> str:
    if not values:
        return f"{label:<44} no samples"
    return (f"{label:<44} n={len(values):<4} p50 {percentile(values, .50) * 1000:7.0f} ms   "
            f"p99 {percentile(values, .99) * 1000:7.0f} ms   max {max(values) * 1000:7.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=20, help="signups started per second")
    parser.add_argument("--seconds", type=float, default=30, help="how long to offer the load")
    parser.add_argument("--clients", type=int, default=64,
                        help="most signups in flight at once (client threads)")
    parser.add_argument("--warm-up", type=float, default=3,
                        help="seconds of the same load first, not counted (imports, caches)")
    parser.add_argument("--db-dir", default=None,
                        help="where the SQLite file goes (default: the system's temporary "
                             "directory; /dev/shm takes the disk's fsync out)")
    args = parser.parse_args()

    RESULTS.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="idp-bench-signup-", dir=args.db_dir) as scratch:
        database = Path(scratch) / "idp.sqlite3"
        port = free_port()
        env = {name: value for name, value in os.environ.items()
               if not name.startswith("IDP_")}
        env.update(PORT=str(port), IDP_ENV="development",
                   IDP_ISSUER=f"http://127.0.0.1:{port}",
                   IDP_DATABASE_URL=f"sqlite:///{database}", IDP_NOTIFY_INLINE="false",
                   IDP_SMS_PRIMARY="log", IDP_SMTP_HOST="",
                   # Every signup comes from 127.0.0.1: the default (20 per hour) would
                   # measure the rate limiter.
                   IDP_SIGNUP_RATE_LIMIT="1000000 per hour")
        subprocess.run([str(IDP), "init"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        print(f"gunicorn (deploy/gunicorn.conf.py) on SQLite in {scratch}, outbox worker "
              f"`idp notify work`; {args.rate:g} signups/s for {args.seconds:g} s after "
              f"{args.warm_up:g} s of warm-up; IDP_SIGNUP_RATE_LIMIT=1000000 per hour; "
              f"load average {load_before:.1f} on {os.cpu_count()} CPUs")
        worker_log = (RESULTS / "signup-worker.log").open("wb")
        worker = subprocess.Popen([str(IDP), "notify", "work"], cwd=ROOT, env=env,
                                  stdout=worker_log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            with Gunicorn(env, RESULTS / "signup-gunicorn.log") as server:
                warm_up, _ = offer_load(server.base_url, args.rate, args.warm_up,
                                        args.clients, first=1_000_000)
                results, offered = offer_load(server.base_url, args.rate, args.seconds,
                                              args.clients)
            ok = [r for r in results if r["status"] == 302]
            failed = [r["status"] for r in results if r["status"] != 302]
            latencies = outbox_latencies(database, expected=2 * (len(ok) + len(warm_up)))
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            worker_log.close()

    print(f"offered {offered:.1f} signups/s; {len(ok)} accounts made, "
          f"{len(failed)} failed {sorted(set(map(str, failed))) if failed else ''}")
    print(line("signup POST → code sent (302)", [r["post"] for r in ok]))
    print(line("whole signup (GET form + POST)", [r["whole"] for r in ok]))
    first = min(r["at"] for r in ok)
    for window in range(0, int(args.seconds), 10):
        part = [r["post"] for r in ok if window <= r["at"] - first < window + 10]
        print(line(f"  the same, seconds {window}-{window + 10}", part))
    print(line("outbox → SMS provider (sent_at - created_at)", latencies["sms"]))
    print(line("outbox → email sender (sent_at - created_at)", latencies["email"]))
    if latencies["unsent"]:
        print(f"{latencies['unsent']} message(s) still unsent after waiting")
    print(f"load average {os.getloadavg()[0]:.1f} at the end (other work on the machine "
          "shows in the tails)")


if __name__ == "__main__":
    main()
