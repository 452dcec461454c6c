"""Browser fixtures: the app served over real HTTP in a background thread, Debian's Chromium
driven by Playwright, and pages in Arabic or English that stop at the client's redirect URI.

The served app is a separate app from the ``app`` fixture: its issuer must be the server's real
address (``iss`` in the redirect, RFC 9207), and the server thread needs its own SQLite file.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest

from tests.browser.journey import CHROMIUM
from tests.browser.journey import DESKTOP
from tests.conftest import KEEP_TABLES
from tests.conftest import _compile_translations
from tests.conftest import _reset_schema
from tests.conftest import make_session_key
from tests.conftest import settings_for_tests
from tests.flows import REDIRECT_URI
from tests.flows import Flows

CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 # The client's redirect URI fails at once, without a DNS query leaving the
                 # machine (Playwright cannot route a redirect's target: journey.to_client).
                 f"--host-resolver-rules=MAP {urlsplit(REDIRECT_URI).hostname} ~NOTFOUND"]
#: Accept-Language of each test language, as a browser in Yemen or an English one sends it.
BROWSER_LOCALES = {"ar": "ar-YE", "en": "en-US"}


class LiveServer:
    """The app on ``url``, with ``flows`` for making users and clients through the services."""

    def __init__(self, app, url: str):
        self.app = app
        self.url = url
        self.flows = Flows(app, None)  # only make_user / make_client: the browser does the rest


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from werkzeug.serving import make_server

    from idp.app import create_app

    _compile_translations()
    served = {}

    def wsgi(environ, start_response):  # the port is known only once the socket is bound
        return served["app"](environ, start_response)

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    settings = settings_for_tests(tmp_path_factory)
    settings.update(
        IDP_ISSUER=url,
        IDP_DATABASE_URL=f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'idp.sqlite3'}",
        IDP_REDIS_URL="",
    )
    app = create_app(settings)
    with app.app_context():
        _reset_schema()
        make_session_key()
    served["app"] = app
    thread = threading.Thread(target=server.serve_forever, name="idp-live-server", daemon=True)
    thread.start()
    yield LiveServer(app, url)
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(autouse=True)
def clean_live_server(request):
    """Every browser test starts with no users, clients or sessions on the served app."""
    yield
    if "live_server" not in request.fixturenames:
        return
    from idp.extensions import db

    app = request.getfixturevalue("live_server").app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in KEEP_TABLES:
                    connection.execute(table.delete())


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium not installed: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """``new_page(lang, **context_options)``: a page in a fresh browser (no cookies) whose
    Accept-Language asks for ``lang``."""
    contexts = []

    def make(lang: str = "ar", **options):
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(locale=BROWSER_LOCALES[lang], base_url=live_server.url,
                                      **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()



@pytest.fixture
def outbox(live_server):
    """What the served app sent: its outbox delivered to a local SMTP server (see tests/conftest
    ``Outbox``)."""
    from tests.conftest import Outbox
    from tests.conftest import local_smtp_server

    return Outbox(live_server.app, local_smtp_server())
