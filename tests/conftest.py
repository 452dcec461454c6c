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
from tests import rbac_seed
from tests.flows import Flows

ROOT = Path(__file__).resolve().parent.parent
ISSUER = "http://localhost"
KEEP_TABLES = {"alembic_version", "roles", "permissions", "role_permissions", "signing_keys",
               "rbac_version"}


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
        "IDP_LOGIN_IDENTIFIER_RATE_LIMIT": "10000 per minute",
        "IDP_SIGNUP_IDENTIFIER_RATE_LIMIT": "10000 per minute",
        "IDP_TOKEN_IP_RATE_LIMIT": "10000 per minute",
        "IDP_TOKEN_CLIENT_RATE_LIMIT": "10000 per minute",
        "IDP_MFA_REQUIRED_ROLES": [],  # tests/integration/test_mfa_* turn the policy on
        # A real SMTP server on this machine, the recording SMS provider, and no background
        # delivery: tests deliver with the ``outbox`` fixture.
        "IDP_SMTP_HOST": "127.0.0.1",
        "IDP_SMTP_PORT": local_smtp_server().port,
        "IDP_SMTP_TLS": "none",
        "IDP_SMS_PRIMARY": "recording",
        "IDP_NOTIFY_INLINE": False,
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
        app.config["TEST_RBAC_SEED"] = rbac_seed.snapshot()
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
                # PostgreSQL's trigger refuses DELETE on the append-only log (migration 0011).
                connection.execute(sa.text("TRUNCATE activity_log") if table.name == "activity_log"
                                   and connection.dialect.name == "postgresql" else table.delete())
            keys = db.metadata.tables["signing_keys"]
            connection.execute(keys.delete().where(keys.c.kid != app.config["TEST_INITIAL_KID"]))
            connection.execute(keys.update().values(retired_at=None))
            rbac_seed.restore(connection, app.config["TEST_RBAC_SEED"])
        from idp.oidc.keys import forget_cached_keys

        forget_cached_keys()
        limiter.reset()
        if app.config["IDP_REDIS_URL"]:
            import redis

            redis.Redis.from_url(app.config["IDP_REDIS_URL"]).flushdb()


@pytest.fixture
def argon2_calls(monkeypatch):
    """Every argon2id verification made (argon2-cffi's verify, the expensive step): the
    stored hashes it was given, in order."""
    from argon2 import PasswordHasher

    calls = []
    real = PasswordHasher.verify

    def counting(self, stored, password):
        calls.append(stored)
        return real(self, stored, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


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


# --- notify: a real SMTP server, the recording SMS provider, a real HTTP SMS gateway -------
# (imports are local: this section is appended to a file other work also edits)


class ReceivedEmail:
    """A message the local SMTP server accepted: ``to``, ``subject`` and ``body`` decoded
    (line ends normalised), and the parsed ``message`` for its headers."""

    def __init__(self, message):
        self.message = message
        self.to = str(message["To"])
        self.subject = str(message["Subject"])
        self.body = message.get_content().replace("\r\n", "\n").rstrip("\n")

    def __repr__(self):
        return f"ReceivedEmail(to={self.to!r}, subject={self.subject!r})"


class LocalSmtpServer:
    """An aiosmtpd server on 127.0.0.1 (a free port unless ``port`` is given) keeping every
    message it accepts in ``messages``, then calling ``on_message(email)`` if given.
    ``smtp_options`` go to aiosmtpd's SMTP (``authenticator=…, auth_require_tls=False``)."""

    def __init__(self, port: int = 0, on_message=None, **smtp_options):
        import email
        import email.policy
        import threading

        from aiosmtpd.controller import Controller

        received = self.messages = []
        arrived = self._arrived = threading.Condition()

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                got = ReceivedEmail(email.message_from_bytes(envelope.content,
                                                             policy=email.policy.default))
                with arrived:
                    received.append(got)
                    arrived.notify_all()
                if on_message:
                    on_message(got)
                return "250 Message accepted for delivery"

        class FreePortController(Controller):
            def _trigger_server(self):  # port 0: learn the port before the readiness probe
                self.port = self.server.sockets[0].getsockname()[1]
                super()._trigger_server()

        self._controller = FreePortController(Handler(), hostname="127.0.0.1", port=port,
                                              **smtp_options)
        self._controller.start()
        self.port = self._controller.port

    def wait_for(self, count: int, timeout: float = 10) -> list[ReceivedEmail]:
        """Wait until ``count`` messages arrived (sent from another thread); return them."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        return list(self.messages)

    def clear(self) -> None:
        self.messages.clear()

    def stop(self) -> None:
        self._controller.stop()


_suite_smtp_server: LocalSmtpServer | None = None


def local_smtp_server() -> LocalSmtpServer:
    """The suite's SMTP server, started on first use (``settings_for_tests`` needs its port)."""
    global _suite_smtp_server
    if _suite_smtp_server is None:
        _suite_smtp_server = LocalSmtpServer()
    return _suite_smtp_server


def free_port() -> int:
    """A local TCP port with nothing listening on it (a provider that is down)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Outbox:
    """What the app sent, as the recipients got it, and delivery of what is queued.

    - ``deliver()`` runs the worker (``deliver_due``) until nothing is due and returns what
      arrived meanwhile (``ReceivedEmail`` and ``SentSms`` items). Commit first: delivery runs
      in its own app context, as the worker would.
    - ``emails``: what the suite's SMTP server received since the test began, each with
      ``to``, ``subject``, ``body`` (decoded, Arabic included) and ``message`` (headers).
    - ``sms``: what the ``recording`` SMS provider was sent, each with ``to`` (E.164) and
      ``text``.
    - ``last_code(to)``: the last 6-digit code sent to an email address or phone number;
      fails the test if none was.
    """

    def __init__(self, app, smtp: LocalSmtpServer):
        self.app = app
        self.smtp = smtp

    @property
    def emails(self) -> list[ReceivedEmail]:
        return list(self.smtp.messages)

    @property
    def sms(self) -> list:
        from idp.notify.providers import recorded_sms

        return list(recorded_sms(self.app))

    def deliver(self) -> list:
        from idp.notify.worker import deliver_until_idle

        emails, texts = len(self.emails), len(self.sms)
        with self.app.app_context():
            deliver_until_idle()
        return self.emails[emails:] + self.sms[texts:]

    def last_code(self, to: str) -> str:
        import re

        wanted = to.strip().lower()
        for item in reversed(self.emails + self.sms):
            if item.to.lower() == wanted:
                codes = re.findall(r"(?<!\d)\d{6}(?!\d)", getattr(item, "body", None)
                                   or getattr(item, "text", ""))
                if codes:
                    return codes[-1]
        raise AssertionError(f"no 6-digit code was sent to {to}")

    def clear(self) -> None:
        from idp.notify.providers import recorded_sms

        self.smtp.clear()
        recorded_sms(self.app).clear()


@pytest.fixture(scope="session")
def smtp_server():
    """The suite's local SMTP server (``IDP_SMTP_HOST``/``PORT`` of every test app)."""
    server = local_smtp_server()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def clean_outbox(app):
    """Every test starts with nothing received by the SMTP server or the recording SMS
    provider (the outbox table itself is emptied by ``clean_state``)."""
    from idp.notify.providers import recorded_sms

    local_smtp_server().clear()
    recorded_sms(app).clear()


@pytest.fixture
def outbox(app, smtp_server) -> Outbox:
    """The ``app``'s outbox: ``outbox.deliver()``, ``outbox.emails``, ``outbox.sms``,
    ``outbox.last_code(to)`` (see ``Outbox``)."""
    return Outbox(app, smtp_server)


class SmsGateway:
    """A real HTTP server on 127.0.0.1 playing an SMS gateway: keeps each request in
    ``requests`` (``path``, ``headers``, ``json``) and answers ``status``."""

    def __init__(self, status: int = 200):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler
        from http.server import ThreadingHTTPServer
        from types import SimpleNamespace

        self.status = status
        self.requests = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                gateway.requests.append(SimpleNamespace(
                    path=self.path, headers=dict(self.headers), json=json.loads(raw)))
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}/sms"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def sms_gateway():
    """``sms_gateway(status=200)`` starts a recording HTTP SMS gateway, stopped after the test;
    use ``gateway.url`` as IDP_SMS_PRIMARY or IDP_SMS_FALLBACK."""
    started = []

    def start(status: int = 200) -> SmsGateway:
        started.append(SmsGateway(status))
        return started[-1]

    yield start
    for gateway in started:
        gateway.stop()


@pytest.fixture
def make_app(app):
    """``make_app(**settings)``: another app on the suite's database (migrated, cleaned after
    each test) with some settings changed, for what is chosen once at startup (SMS
    providers, SMTP server, in-process delivery). Its in-process courier stops after the test."""
    from idp.config import SETTINGS
    from idp.notify.inline import courier

    built = []

    def make(**settings):
        built.append(create_app({**{s.name: app.config[s.name] for s in SETTINGS}, **settings}))
        return built[-1]

    yield make
    for other in built:
        if courier(other):
            courier(other).stop()
        with other.app_context():
            db.engine.dispose()
