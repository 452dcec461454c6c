"""The application factory: configuration, extensions, blueprints, error handling."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from idp import error_handlers
from idp import i18n
from idp.config import load_settings
from idp.extensions import babel
from idp.extensions import csrf
from idp.extensions import db
from idp.extensions import limiter
from idp.extensions import login_manager
from idp.extensions import migrate
from idp.flask_app import IdpFlask

ROOT = Path(__file__).resolve().parent.parent


def _database_url(app: Flask) -> str:
    url = app.config["IDP_DATABASE_URL"]
    if url:
        return url
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(app.instance_path) / 'idp.sqlite3'}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers run beside the one writer; foreign keys are off in SQLite by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_app(settings: dict[str, Any] | None = None) -> Flask:
    """Build the app from ``IDP_*`` environment variables, ``settings`` overriding them."""
    config = load_settings(overrides=settings)
    app = IdpFlask("idp", root_path=str(ROOT / "idp"), template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=str(ROOT / "instance"))
    app.config.update(config)
    secure = config["IDP_ISSUER"].startswith("https://")
    app.config.update(
        SECRET_KEY=config["IDP_SECRET_KEY"],
        SQLALCHEMY_DATABASE_URI=_database_url(app),
        # No pre-ping: it costs a round trip per request; a dropped connection fails one
        # request and is replaced, and recycling keeps idle ones from going stale.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_recycle": 1800},
        SESSION_COOKIE_NAME="idp_form",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the browser session
        # Every validator carries its own message from our catalogue; WTForms' catalogue would
        # otherwise be read from disk on every form request (half a millisecond).
        WTF_I18N_ENABLED=False,
        # Forms and protocol requests are small; the upload views (office documents, avatars)
        # raise their own request's limit.
        MAX_CONTENT_LENGTH=1024 * 1024,
        BABEL_DEFAULT_LOCALE=config["IDP_DEFAULT_LOCALE"],
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "idp" / "translations"),
        RATELIMIT_STORAGE_URI=config["IDP_REDIS_URL"] or "memory://",
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        # No X-RateLimit/Retry-After on every response: only a 429 says when to retry
        # (error_handlers), and views that pace resends set their own Retry-After.
        RATELIMIT_HEADERS_ENABLED=False,
        JSON_SORT_KEYS=False,
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30,
                                                                    "check_same_thread": False}}
    logging.basicConfig(level=config["IDP_LOG_LEVEL"])
    proxies = config["IDP_TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sa.event.listen(db.engine, "connect", _sqlite_pragmas)

    _init_packages(app)
    error_handlers.init_app(app)
    app.context_processor(i18n.template_globals)
    app.after_request(i18n.remember_language)

    from idp.security.headers import add_security_headers

    app.after_request(add_security_headers)

    from idp.cli import register_commands

    register_commands(app)
    _drop_idle_limiter_hook(app)
    return app


def _drop_idle_limiter_hook(app: Flask) -> None:
    """Flask-Limiter checks every request in a before_request hook, for default, application
    and blueprint limits. We declare none of those: every limit decorates its own view, and the
    decorator checks it. The hook then decides on each request that nothing applies, a fifth of
    a client-credentials token's time; it is removed while no such limit exists."""
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits or manager._blueprint_limits:
        return
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)


def _init_packages(app: Flask) -> None:
    from idp import notify
    from idp.accounts.views import bp as accounts_bp
    from idp.accounts.views import user_of_session
    from idp.admin.views import bp as admin_bp
    from idp.audit import buffer as audit_buffer
    from idp.audit import unit_of_work as audit_unit_of_work
    from idp.mfa.views import bp as mfa_bp
    from idp.oauth import revocation_list
    from idp.oauth import server as oauth_server
    from idp.oauth.services import revoke_session_tokens
    from idp.oauth.views import bp as oauth_bp
    from idp.offices.views import bp as offices_bp
    from idp.oidc.views import bp as oidc_bp
    from idp.security import passwords
    from idp.security.suspicious import note_successful_login
    from idp.security.views import bp as security_bp
    from idp.sessions import devices
    from idp.sessions.services import session_ended
    from idp.sessions.services import session_started
    from idp.sessions.views import bp as sessions_bp

    passwords.init_app(app)
    devices.init_app(app)
    audit_buffer.init_app(app)
    audit_unit_of_work.init_app(app)
    notify.init_app(app)
    login_manager.request_loader(user_of_session)
    revocation_list.init_app(app)
    oauth_server.init_app(app)
    session_ended.connect(lambda sender, session_id: revoke_session_tokens(session_id),
                          sender=app, weak=False)
    session_started.connect(lambda sender, user, session: note_successful_login(user),
                            sender=app, weak=False)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(oauth_bp)
    app.register_blueprint(oidc_bp)
    app.register_blueprint(offices_bp)
    app.register_blueprint(mfa_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(sessions_bp)
    app.register_blueprint(security_bp)


def warm_up(app: Flask) -> None:
    """Do now what the first requests would otherwise pay for, each in every worker: mapping
    the models (~0.1 s), ua-parser's regexes (~0.3 s) and importing the signing keys (~40 ms).
    Skips the keys, saying why, on a database not yet migrated or without a key."""
    import sqlalchemy.orm

    from idp.oidc.keys import loaded_keys
    from idp.sessions.user_agents import warm_up as load_user_agent_parser

    sqlalchemy.orm.configure_mappers()
    load_user_agent_parser()
    with app.app_context():
        try:
            loaded_keys()
        except Exception as exc:  # the first request reports it as it would have anyway
            app.logger.warning("signing keys not loaded at start: %s",
                               str(exc).splitlines()[0])
        finally:
            db.session.remove()
