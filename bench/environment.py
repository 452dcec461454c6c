"""The benchmark's database and Redis: PostgreSQL + Redis when reachable, else SQLite.

Only the dedicated database ``idp_bench`` and Redis db 14 are touched; both are emptied at
start so every run begins from the same state. The test suite's database ``test`` is never used.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"
BENCH_DATABASE = "idp_bench"
REDIS_URL = "redis://127.0.0.1:6379/14"
#: One benchmark at a time per machine: runs share idp_bench and Redis db 14, and two runs
#: at once would also measure each other.
LOCK_PATH = Path(tempfile.gettempdir()) / "idp-bench.lock"


@contextlib.contextmanager
def exclusive_run(wait_seconds: float = 600) -> Iterator[None]:
    """Hold the machine-wide benchmark lock, waiting up to ``wait_seconds`` for another run."""
    with LOCK_PATH.open("a+") as handle:
        deadline = time.monotonic() + wait_seconds
        announced = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"another benchmark still holds {LOCK_PATH}") from None
                if not announced:
                    handle.seek(0)
                    print(f"waiting: another benchmark is running ({handle.read().strip()})",
                          flush=True)
                    announced = True
                time.sleep(1)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Storage:
    database_url: str
    redis_url: str  # "" when Redis is not used
    description: str


def _postgres_ready() -> bool:
    import psycopg

    try:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres",
                             connect_timeout=2, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (BENCH_DATABASE,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=BENCH_DATABASE,
                             connect_timeout=2, autocommit=True) as conn:
            # Empty the benchmark's own database (never another one): a fresh schema each run.
            assert conn.info.dbname == BENCH_DATABASE
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
        return True
    except psycopg.OperationalError:
        return False


def _redis_ready() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        client.flushdb()
        return True
    except redis.RedisError:
        return False


def prepare_storage() -> Storage:
    """Create and empty the benchmark's database (and flush Redis db 14)."""
    if _postgres_ready():
        url = f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{BENCH_DATABASE}"
        description = f"PostgreSQL {PG_HOST}:{PG_PORT}/{BENCH_DATABASE} (emptied)"
        redis_url = REDIS_URL if _redis_ready() else ""
        description += ", Redis db 14 (flushed)" if redis_url else ", no Redis"
        return Storage(url, redis_url, description)
    path = Path(tempfile.mkdtemp(prefix="idp-bench-")) / "idp.sqlite3"
    redis_url = REDIS_URL if _redis_ready() else ""
    description = f"SQLite {path} (PostgreSQL not reachable)"
    description += ", Redis db 14 (flushed)" if redis_url else ", no Redis"
    return Storage(f"sqlite:///{path}", redis_url, description)
