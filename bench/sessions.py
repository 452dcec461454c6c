"""Sessions at scale (issue 6): 10,000 active sessions, the idle sweep, the store's size, the
p99 of an authenticated page at 100 requests/s, and how fast a revoked session is refused by
every gunicorn worker. Prints figures; asserts nothing.

    .venv/bin/python bench/sessions.py                 # about a minute, SQLite
    .venv/bin/python bench/sessions.py --sessions 2000 --seconds 5

The store is the database (SQLite in a temporary directory here; IDP_DATABASE_URL and
IDP_REDIS_URL in the environment are passed on to the server if set).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.environment import exclusive_run  # noqa: E402
from bench.server import Gunicorn  # noqa: E402
from bench.server import free_port  # noqa: E402

AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0"


def _settings(database_url: str, port: int) -> dict:
    return {"IDP_DATABASE_URL": database_url, "IDP_ISSUER": f"http://127.0.0.1:{port}",
            "IDP_NOTIFY_INLINE": "false", "IDP_LOG_LEVEL": "WARNING"}


def create_sessions(app, count: int, users: int) -> list[str]:
    """``count`` live sessions over ``users`` accounts, through ``start_session``; returns
    their cookie secrets."""
    from idp.accounts.services import create_user
    from idp.extensions import db
    from idp.sessions.services import start_session

    secrets = []
    with app.app_context():
        people = []
        for number in range(users):
            people.append(create_user(email=f"bench{number}@example.com", phone=None,
                                      password="Seat-booking-42!", name=f"Bench {number}",
                                      verified=True))
        db.session.commit()
        people = [person.id for person in people]
    from flask import g

    from idp.accounts.services import get_user

    started = time.perf_counter()
    with app.app_context():  # one unit of work per 500 logins
        for number in range(count):
            address = f"10.0.{number // 250 % 250}.{number % 250}"
            with app.test_request_context("/", headers={"User-Agent": AGENT},
                                          environ_base={"REMOTE_ADDR": address}):
                g.pop("idp_device_id", None)  # each login comes from its own device
                _login, secret = start_session(get_user(people[number % users]), amr=["pwd"])
                secrets.append(secret)
            if number % 500 == 499:
                db.session.commit()
        db.session.commit()
    elapsed = time.perf_counter() - started
    print(f"created {count} sessions over {users} users in {elapsed:.1f} s "
          f"({count / elapsed:.0f}/s through start_session)")
    return secrets


def store_size(app) -> None:
    from idp.extensions import db

    with app.app_context():
        engine = db.engine
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT count(*) FROM sessions").scalar()
            if engine.dialect.name == "sqlite":
                try:
                    size = connection.exec_driver_sql(
                        "SELECT sum(pgsize) FROM dbstat WHERE name LIKE '%sessions%'").scalar()
                    how = "dbstat: table + indexes"
                except Exception:
                    pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
                    size = pages * connection.exec_driver_sql("PRAGMA page_size").scalar()
                    how = "whole database file"
            else:
                size = connection.exec_driver_sql(
                    "SELECT pg_total_relation_size('sessions')").scalar()
                how = "pg_total_relation_size"
    print(f"store: {rows} session rows, {size / 1024 / 1024:.1f} MiB ({how}), "
          f"{size / max(rows, 1):.0f} bytes per session")


def sweep(app, idle_share: float) -> None:
    from idp.extensions import db
    from idp.extensions import utcnow
    from idp.sessions.models import LoginSession
    from idp.sessions.services import live_session_count
    from idp.sessions.services import sweep as sweep_sessions

    with app.app_context():
        ids = list(db.session.scalars(db.select(LoginSession.id).where(
            LoginSession.ended_at.is_(None))))
        idle = ids[:int(len(ids) * idle_share)]
        past = utcnow() - timedelta(seconds=app.config["IDP_SESSION_IDLE_SECONDS"] + 60)
        for start in range(0, len(idle), 500):
            db.session.execute(db.update(LoginSession).where(
                LoginSession.id.in_(idle[start:start + 500])).values(last_seen_at=past))
        db.session.commit()
        started = time.perf_counter()
        ended = sweep_sessions()
        elapsed = time.perf_counter() - started
        print(f"sweep: ended {ended} idle of {len(ids)} live sessions in {elapsed:.2f} s "
              f"({live_session_count()} left live; batches of "
              f"{app.config['IDP_SESSION_SWEEP_BATCH']})")


def _cookie(secret: str) -> dict:
    return {"Cookie": f"idp_session={secret}", "User-Agent": AGENT}


def paced_load(port: int, secrets: list[str], rate: float, seconds: float) -> list[float]:
    """Open-loop load: a request every 1/rate s (each on a thread from a small pool of
    keep-alive connections), whatever the server's speed; returns latencies in ms."""
    latencies: list[float] = []
    errors = []
    lock = threading.Lock()
    local = threading.local()

    def one(secret: str, due: float) -> None:
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            local.connection.request("GET", "/", headers=_cookie(secret))
            response = local.connection.getresponse()
            body = response.read()
            ok = response.status == 200 and b'action="/logout"' in body
        except OSError:
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            ok = False
        with lock:
            (latencies if ok else errors).append((time.perf_counter() - due) * 1000)

    from concurrent.futures import ThreadPoolExecutor

    total = int(rate * seconds)
    start = time.perf_counter() + 0.2
    with ThreadPoolExecutor(max_workers=16) as pool:
        for number in range(total):
            due = start + number / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, random.choice(secrets), due)
    if errors:
        print(f"  {len(errors)} request(s) failed or were not signed in")
    return latencies


def revocation_delay(app, port: int, secret: str, connections: int = 24) -> None:
    """Keep-alive connections spread over the workers all see the session; end it; poll every
    connection until each is refused; print the worst delay after the commit."""
    from idp.extensions import db
    from idp.sessions.services import end_session
    from idp.sessions.services import session_for_secret

    pool = [http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            for _ in range(connections)]

    def signed_in(connection) -> bool:
        connection.request("GET", "/", headers=_cookie(secret))
        response = connection.getresponse()
        return b'action="/logout"' in response.read()

    assert all(signed_in(c) for c in pool), "the session must open the page first"
    with app.app_context():
        end_session(session_for_secret(secret), reason="bench")
        db.session.commit()
        revoked_at = time.perf_counter()
    refused_after = {}
    while len(refused_after) < len(pool):
        for index, connection in enumerate(pool):
            if index not in refused_after and not signed_in(connection):
                refused_after[index] = (time.perf_counter() - revoked_at) * 1000
    print(f"revocation: a session ended in the database was refused on all {connections} "
          f"keep-alive connections (spread over the workers) after at most "
          f"{max(refused_after.values()):.1f} ms (median "
          f"{statistics.median(refused_after.values()):.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--idle-share", type=float, default=0.2,
                        help="Share of the sessions made idle before the sweep.")
    args = parser.parse_args()

    with exclusive_run(), tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        database_url = os.environ.get("IDP_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        settings = _settings(database_url, port)
        from flask_migrate import upgrade

        from idp.app import create_app

        app = create_app(settings | {"IDP_NOTIFY_INLINE": False})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            from idp.extensions import db
            from idp.oidc.keys import ensure_key

            ensure_key()
            db.session.commit()
        secrets = create_sessions(app, args.sessions, args.users)
        store_size(app)
        sweep(app, args.idle_share)
        with app.app_context():
            from idp.sessions.services import session_for_secret

            live = [s for s in secrets if session_for_secret(s) is not None]
        env = {**os.environ, **settings, "PORT": str(port)}
        with Gunicorn(env, ROOT / "bench" / "results" / "gunicorn-sessions.log") as server:
            print(f"gunicorn: {len(server.connections_per_worker()) or 'its'} workers busy; "
                  f"{args.rate:.0f} requests/s of GET / (the account page, signed in) for "
                  f"{args.seconds:.0f} s, cookies drawn from {len(live)} live sessions")
            latencies = sorted(paced_load(port, live, args.rate, args.seconds))
            if latencies:
                def pick(share):
                    return latencies[min(len(latencies) - 1, int(share * len(latencies)))]

                print(f"  {len(latencies)} ok: p50 {pick(0.5):.1f} ms, p90 {pick(0.9):.1f} ms, "
                      f"p99 {pick(0.99):.1f} ms, max {latencies[-1]:.1f} ms")
            revocation_delay(app, port, live[0])


if __name__ == "__main__":
    main()
