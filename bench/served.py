"""The app served as `make bench` serves it, for the scripts that load it their own way."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from bench.environment import Storage
from bench.environment import exclusive_run
from bench.environment import prepare_storage
from bench.fixtures import Fixtures
from bench.fixtures import create_fixtures
from bench.fixtures import server_environment
from bench.report import RESULTS
from bench.server import Gunicorn
from bench.server import free_port


@contextlib.contextmanager
def served(log_name: str) -> Iterator[tuple[Gunicorn, Fixtures, Storage]]:
    """Hold the benchmark lock, empty the bench storage, make the fixtures and serve under
    gunicorn (its log in bench/results/``log_name``) until the block ends."""
    with exclusive_run():
        storage = prepare_storage()
        env = server_environment(storage, free_port())
        fixtures = create_fixtures(env)
        with Gunicorn(env, RESULTS / log_name) as server:
            yield server, fixtures, storage
