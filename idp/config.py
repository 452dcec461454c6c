"""Every setting of the identity provider, declared once.

Each entry names its environment variable, type, default, a one-line description and, where one
applies, the requirement it serves. ``load_settings`` reads ``IDP_*`` variables; an unknown one
stops startup (a typo must not silently fall back to a default), and so does a default marked
``must_change`` when ``IDP_ENV=production``. ``idp config --doc`` prints this table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class SettingsError(Exception):
    """The environment holds a setting that cannot be used."""


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


@dataclass(frozen=True)
class Setting:
    name: str
    type: Callable[[str], Any]
    default: Any
    doc: str
    req: str | None = None
    #: A development default that production must replace (a secret, a key).
    must_change: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("IDP_ENV", str, "development",
            "development, test or production; production turns on Secure cookies and HSTS."),
    Setting("IDP_ISSUER", str, "http://127.0.0.1:5000",
            "Issuer identifier: the https URL clients discover us at, without a trailing slash."),
    Setting("IDP_DATABASE_URL", str, "",
            "SQLAlchemy URL; empty means an SQLite file in the instance folder."),
    Setting("IDP_REDIS_URL", str, "",
            "Redis URL for rate limits and the revocation list; empty keeps them in the database "
            "and in process memory."),
    Setting("IDP_SECRET_KEY", str, "dev-secret-key-change-me",
            "Flask secret key: signs the CSRF cookie.", must_change=True),
    Setting("IDP_DIGEST_KEY", str, "dev-digest-key-change-me",
            "Key of the keyed SHA-256 digests that store client secrets, codes, refresh tokens "
            "and session ids.", req="NFR-UI-002-02", must_change=True),
    Setting("IDP_DATA_KEYS", _list, ["dev:ZGV2LWRhdGEta2V5LTMyLWJ5dGVzLWxvbmctLS0tLS0="],
            "AES-256-GCM keys for data at rest as id:base64 pairs, newest first; the first "
            "encrypts, all decrypt.", req="NFR-UI-002-02", must_change=True),
    Setting("IDP_DEFAULT_PHONE_REGION", str, "YE",
            "Region assumed for phone numbers typed without a country code."),
    Setting("IDP_DEFAULT_LOCALE", str, "ar", "Language of pages when nothing else decides it."),
    Setting("IDP_LOCALES", _list, ["ar", "en"], "Languages the hosted pages are offered in."),
    Setting("IDP_ACCESS_TOKEN_SECONDS", int, 600, "Lifetime of access tokens (10 minutes)."),
    Setting("IDP_ACCESS_TOKEN_AUDIENCE", str, "booking-platform",
            "The aud claim of access tokens: what resource servers check they are meant for."),
    Setting("IDP_ID_TOKEN_SECONDS", int, 600, "Lifetime of ID tokens (10 minutes)."),
    Setting("IDP_REFRESH_TOKEN_SECONDS", int, 30 * 24 * 3600,
            "Absolute lifetime of a refresh token family (30 days)."),
    Setting("IDP_AUTH_CODE_SECONDS", int, 60,
            "Lifetime of an authorization code (RFC 6749 §4.1.2 recommends at most 10 minutes)."),
    Setting("IDP_SESSION_IDLE_SECONDS", int, 1800,
            "Idle time that ends a login session (30 minutes).", req="FR-UI-005-02"),
    Setting("IDP_SESSION_ABSOLUTE_SECONDS", int, 12 * 3600,
            "Longest a login session lives without remember-me (12 hours)."),
    Setting("IDP_SESSION_REMEMBER_SECONDS", int, 30 * 24 * 3600,
            "Longest a remembered login session lives (30 days).", req="FR-UI-002-02"),
    Setting("IDP_SIGNING_KEY_BITS", int, 2048, "Size of new RS256 signing keys in bits."),
    Setting("IDP_CLIENT_CACHE_SECONDS", int, 5,
            "How long a worker keeps a client's registration before reading it again: a disabled "
            "client or a new secret takes effect within this time."),
    Setting("IDP_KEY_CACHE_SECONDS", int, 5,
            "How long a worker keeps the signing keys before reading them again."),
    Setting("IDP_KEY_ACTIVATION_DELAY_SECONDS", int, 30,
            "Delay between publishing a rotated key and signing with it, so that every worker's "
            "JWKS lists a key before any token carries its kid (more than twice the cache time)."),
    Setting("IDP_ARGON2_TIME_COST", int, 2, "argon2id iterations (OWASP minimum: 2).",
            req="NFR-UI-002-01"),
    Setting("IDP_ARGON2_MEMORY_KIB", int, 19456, "argon2id memory in KiB (OWASP minimum: 19 MiB).",
            req="NFR-UI-002-01"),
    Setting("IDP_ARGON2_PARALLELISM", int, 1, "argon2id lanes.", req="NFR-UI-002-01"),
    Setting("IDP_LOGIN_RATE_LIMIT", str, "20 per minute",
            "Password posts allowed per client address on the login form.", req="NFR-UI-002-03"),
    Setting("IDP_AUDIT_BUFFER_MS", int, 100,
            "How long a worker gathers high-rate, state-free audit rows (client-credentials "
            "tokens) before writing them in one batch; 0 writes each in its request.",
            req="BR-UI-010"),
    Setting("IDP_TRUSTED_PROXIES", int, 0,
            "How many reverse proxies (TLS terminators) stand in front; their X-Forwarded-* "
            "headers then give the client address and the https scheme."),
    Setting("IDP_WORKERS", int, 2, "gunicorn worker processes for `make serve`."),
    Setting("IDP_THREADS", int, 8, "Threads per gunicorn worker."),
    Setting("IDP_LOG_LEVEL", str, "INFO", "Python log level."),
    # --- notify (outbox, email, SMS) ---
    # --- accounts: signup, verification ---
    # --- accounts: password policy, change and recovery ---
    # --- accounts: profile ---
    # --- offices ---
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return every setting's value from ``environ`` (default ``os.environ``) and ``overrides``.

    Raises SettingsError for an unknown ``IDP_*`` name, a value of the wrong type, or a
    must-change default left in place in production.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name in environ:
        if name.startswith("IDP_") and name not in _BY_NAME and not name.startswith("IDP_TEST_"):
            raise SettingsError(f"unknown setting {name}; see `idp config --doc`")
    for setting in SETTINGS:
        if setting.name in environ:
            try:
                values[setting.name] = setting.type(environ[setting.name])
            except ValueError as exc:
                raise SettingsError(f"{setting.name}: {exc}") from None
        else:
            values[setting.name] = setting.default
    for name, value in (overrides or {}).items():
        if name not in _BY_NAME:
            raise SettingsError(f"unknown setting {name}")
        values[name] = value
    values["IDP_ISSUER"] = values["IDP_ISSUER"].rstrip("/")
    if values["IDP_ENV"] not in {"development", "test", "production"}:
        raise SettingsError("IDP_ENV must be development, test or production")
    if values["IDP_ENV"] == "production":
        unchanged = [s.name for s in SETTINGS if s.must_change and values[s.name] == s.default]
        if unchanged:
            raise SettingsError("production needs its own " + ", ".join(unchanged))
        if not values["IDP_ISSUER"].startswith("https://"):
            raise SettingsError("IDP_ISSUER must be an https URL in production")
    return values


def describe_settings() -> str:
    """The settings reference, as `idp config --doc` prints it."""
    lines = []
    for setting in SETTINGS:
        default = setting.default
        if isinstance(default, list):
            default = ",".join(default)
        if setting.must_change:
            default = f"{default}  (development only: production must set it)"
        lines.append(f"{setting.name} = {default}")
        lines.append(f"    {setting.doc}" + (f" [{setting.req}]" if setting.req else ""))
    return "\n".join(lines)
