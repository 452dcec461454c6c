"""Infrastructure fixtures: the app on a real database (SQLite, or PostgreSQL + Redis when
IDP_TEST_DATABASE_URL / IDP_TEST_REDIS_URL are set), a clean slate per test, the test client
and the ``flows`` helper that walks a user through login, authorize and token."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from idp.app import create_app
from idp.extensions import db
from idp.extensions import limiter
from tests.flows import Flows

ROOT = Path(__file__).resolve().parent.parent
ISSUER = "http://localhost"
KEEP_TABLES = {"alembic_version", "roles", "permissions", "role_permissions", "signing_keys"}


def _compile_translations() -> None:
    po = ROOT / "idp/translations/ar/LC_MESSAGES/messages.po"
    mo = po.with_suffix(".mo")
    if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "--use-fuzzy",
                        "-d", str(ROOT / "idp/translations"), "-D", "messages"], check=True,
                       capture_output=True)


def settings_for_tests(tmp_path_factory) -> dict:
    database_url = os.environ.get("IDP_TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'idp.sqlite3'}")
    return {
        "IDP_ENV": "test",
        "IDP_ISSUER": ISSUER,
        "IDP_DATABASE_URL": database_url,
        "IDP_REDIS_URL": os.environ.get("IDP_TEST_REDIS_URL", ""),
        # Cheap hashing keeps the suite fast; bench/ measures the real parameters.
        "IDP_ARGON2_TIME_COST": 1,
        "IDP_ARGON2_MEMORY_KIB": 64,
        "IDP_KEY_CACHE_SECONDS": 0,
        "IDP_CLIENT_CACHE_SECONDS": 0,
        "IDP_AUDIT_BUFFER_MS": 0,  # written in the request; tests/unit/audit covers the buffer
        "IDP_KEY_ACTIVATION_DELAY_SECONDS": 0,
        "IDP_LOGIN_RATE_LIMIT": "10000 per minute",
    }


def _reset_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    from flask_migrate import upgrade

    upgrade(directory=str(ROOT / "migrations"))


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    _compile_translations()
    app = create_app(settings_for_tests(tmp_path_factory))
    with app.app_context():
        _reset_schema()
        app.config["TEST_INITIAL_KID"] = make_session_key()
    return app


def make_session_key() -> str:
    """The suite's signing key, made an hour ago so that a test freezing the clock at "now, to
    the second" still finds it active. Returns its kid."""
    from idp.oidc.keys import create_key

    key = create_key()
    key.created_at = key.activates_at = key.created_at - timedelta(hours=1)
    db.session.commit()
    return key.kid


@pytest.fixture(autouse=True)
def clean_state(request, app):
    """Every test starts from migrated tables, one signing key, empty rate limits and Redis."""
    yield
    with app.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
        with db.engine.begin() as connection:
            for table in tables:
                connection.execute(table.delete())
            keys = db.metadata.tables["signing_keys"]
            connection.execute(keys.delete().where(keys.c.kid != app.config["TEST_INITIAL_KID"]))
            connection.execute(keys.update().values(retired_at=None))
            roles = db.metadata.tables["role_permissions"]
            connection.execute(roles.delete())
            connection.execute(db.metadata.tables["permissions"].delete())
        from idp.oidc.keys import forget_cached_keys

        forget_cached_keys()
        limiter.reset()
        if app.config["IDP_REDIS_URL"]:
            import redis

            redis.Redis.from_url(app.config["IDP_REDIS_URL"]).flushdb()


@pytest.fixture
def ctx(app):
    """An application context for calling services directly (factories, assertions)."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def flows(app, client):
    return Flows(app, client)
