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
    Setting("IDP_REVOCATION_SYNC_MS", int, 250,
            "With Redis: a worker hears revoked access tokens at once by pub/sub, and also reads "
            "the revocation stream when its last read is older than this, catching what its "
            "listener missed (a reconnection); 0 reads the stream at every check."),
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
    Setting("IDP_WORKERS", int, 0,
            "gunicorn worker processes for `make serve`; 0 means twice the CPU cores."),
    Setting("IDP_THREADS", int, 4, "Threads per gunicorn worker."),
    Setting("IDP_WORKER_CONNECTIONS", int, 0,
            "Client connections one gunicorn worker holds at once (busy and kept alive); 0 "
            "means twice IDP_THREADS. Past it the worker stops accepting and the others take "
            "new connections, so a burst of keep-alive connections (a load balancer's pool) "
            "is spread over every worker and core instead of landing on one."),
    Setting("IDP_LOG_LEVEL", str, "INFO", "Python log level."),
    # --- notify (outbox, email, SMS) ---
    Setting("IDP_SMTP_HOST", str, "",
            "SMTP server for email; empty writes each email to the log instead (development "
            "only: production refuses it, the log would hold codes)."),
    Setting("IDP_SMTP_PORT", int, 587,
            "SMTP port: 587 for submission with STARTTLS, 465 for implicit TLS."),
    Setting("IDP_SMTP_TLS", str, "starttls",
            "starttls, ssl (implicit TLS) or none (only for a relay on the same host)."),
    Setting("IDP_SMTP_USERNAME", str, "", "SMTP login; empty sends without authenticating."),
    Setting("IDP_SMTP_PASSWORD", str, "", "SMTP password, from a secret store in production."),
    Setting("IDP_SMTP_TIMEOUT_SECONDS", float, 10.0,
            "Longest wait for the SMTP server on connect and on each command."),
    Setting("IDP_MAIL_FROM", str, "no-reply@localhost",
            "From of every email: an address, or a display name and <address>."),
    Setting("IDP_SMS_PRIMARY", str, "log",
            "SMS provider tried first: log (development: writes to the log), recording (tests: "
            "keeps messages in memory) or the http(s) URL of a gateway taking POST "
            '{"to", "text"} JSON, Basic credentials in the URL\'s userinfo.',
            req="NFR-UI-001-03"),
    Setting("IDP_SMS_FALLBACK", str, "",
            "SMS provider tried when the primary fails, in the same forms; empty: none "
            "(the spec's risk table asks for a fallback SMS provider).", req="NFR-UI-001-03"),
    Setting("IDP_SMS_TIMEOUT_SECONDS", float, 5.0, "Longest wait for an HTTP SMS gateway."),
    Setting("IDP_NOTIFY_INLINE", lambda value: _bool(value) if value.strip() else "", "",
            "Deliver the outbox from a background thread of the web process after each request "
            "that queued messages; empty means on outside production. Off: run "
            "`idp notify work`.", req="NFR-UI-001-03"),
    Setting("IDP_NOTIFY_MAX_ATTEMPTS", int, 6,
            "Delivery attempts of a message before it is marked failed (and audited)."),
    Setting("IDP_NOTIFY_RETRY_SECONDS", int, 30,
            "Wait before the first retry; each next waits twice as long (30 s, 60 s, 120 s…)."),
    Setting("IDP_NOTIFY_CLAIM_SECONDS", int, 300,
            "How long a worker holds the messages it claimed before another may take them; a "
            "batch stops at half of it, so it must exceed twice the SMTP or SMS timeouts."),
    Setting("IDP_NOTIFY_POLL_SECONDS", float, 2.0,
            "How often `idp notify work` and in-process delivery look for due messages."),
    # --- accounts: signup, verification ---
    Setting("IDP_TERMS_VERSION", str, "2026-01",
            "Version of the terms and conditions a new customer accepts; stored on the account "
            "with the time of acceptance.", req="FR-UI-001-05"),
    Setting("IDP_TERMS_URL", str, "",
            "Address of the terms and conditions, linked beside the checkbox that accepts them; "
            "empty shows no link.", req="FR-UI-001-05"),
    Setting("IDP_EMAIL_LINK_SECONDS", int, 24 * 3600,
            "Lifetime of an email verification link (24 hours).", req="FR-UI-001-03"),
    Setting("IDP_PHONE_CODE_SECONDS", int, 600,
            "Lifetime of an SMS verification code (10 minutes).", req="FR-UI-001-04"),
    Setting("IDP_PHONE_CODE_ATTEMPTS", int, 5,
            "Entries of one SMS verification code before it stops working.",
            req="FR-UI-001-04"),
    Setting("IDP_VERIFICATION_RESEND_SECONDS", int, 30,
            "Wait before a new verification code may be sent; each further one waits twice "
            "as long (30 s, 60 s, 120 s…).", req="EC-UI-003"),
    Setting("IDP_VERIFICATION_RESEND_MAX_SECONDS", int, 3600,
            "Longest wait between two verification codes (1 hour): the doubling stops there.",
            req="EC-UI-003"),
    Setting("IDP_SIGNUP_PENDING_SECONDS", int, 3600,
            "How long a browser that signed up, or signed in to an account still being "
            "verified, may finish verifying it (1 hour). It is not a login session.",
            req="BR-UI-003"),
    Setting("IDP_SIGNUP_RATE_LIMIT", str, "20 per hour",
            "Customer signups allowed per client address (each sends an SMS).",
            req="NFR-UI-002-03"),
    Setting("IDP_SIGNUP_RESEND_RATE_LIMIT", str, "10 per hour",
            "Requests for a new verification code or email allowed per client address.",
            req="EC-UI-003"),
    Setting("IDP_SIGNUP_VERIFY_RATE_LIMIT", str, "60 per hour",
            "Submissions of a verification code or link allowed per client address.",
            req="NFR-UI-002-03"),
    # --- accounts: password policy, change and recovery ---
    Setting("IDP_PASSWORD_MIN_LENGTH", int, 8, "Fewest characters a password may have.",
            req="FR-UI-003-01"),
    Setting("IDP_PASSWORD_MAX_LENGTH", int, 128,
            "Most characters a password may have (bounds the cost of hashing it).",
            req="FR-UI-003-01"),
    Setting("IDP_PASSWORD_HISTORY_COUNT", int, 5,
            "How many of the user's latest passwords a new one may not repeat.",
            req="FR-UI-003-05"),
    Setting("IDP_PASSWORD_RESET_SECONDS", int, 1800,
            "Lifetime of a password-reset link or SMS code (30 minutes).", req="FR-UI-003-03"),
    Setting("IDP_PASSWORD_RESET_CODE_ATTEMPTS", int, 5,
            "Wrong entries of a password-reset SMS code before it stops working.",
            req="FR-UI-003-03"),
    Setting("IDP_PASSWORD_FORGOT_IP_RATE_LIMIT", str, "10 per hour",
            "Password-reset requests allowed per client address.", req="NFR-UI-002-03"),
    Setting("IDP_PASSWORD_FORGOT_IDENTIFIER_RATE_LIMIT", str, "3 per 15 minutes",
            "Password-reset requests allowed per email address or phone number (limits "
            "messages sent to one person).", req="NFR-UI-002-03"),
    Setting("IDP_PASSWORD_RESET_RATE_LIMIT", str, "30 per hour",
            "Submissions of a reset link or code allowed per client address.",
            req="NFR-UI-002-03"),
    Setting("IDP_PASSWORD_CHANGE_RATE_LIMIT", str, "10 per 15 minutes",
            "Password-change submissions allowed per signed-in user (guessing the current "
            "password from a stolen session).", req="NFR-UI-002-03"),
    # --- accounts: profile ---
    Setting("IDP_AVATAR_DIR", str, "",
            "Directory of the profile pictures, stored under random names; empty means "
            "avatars in the instance folder.", req="FR-UI-006-04"),
    Setting("IDP_AVATAR_MAX_BYTES", int, 2 * 1024 * 1024,
            "Largest picture file a user may upload, in bytes (2 MiB).", req="FR-UI-006-04"),
    Setting("IDP_AVATAR_MAX_PIXELS", int, 4096 * 4096,
            "Largest uploaded picture in pixels (4096 x 4096): a larger one is refused before "
            "it is decoded (decompression bombs).", req="FR-UI-006-04"),
    Setting("IDP_AVATAR_SIZE_PIXELS", int, 512,
            "Side of a stored picture in pixels: uploads are cropped to a centred square and "
            "larger ones scaled down to this.",
            req="FR-UI-006-04"),
    Setting("IDP_AVATAR_UPLOAD_RATE_LIMIT", str, "20 per hour",
            "Picture uploads allowed per signed-in user (each is decoded and re-encoded).",
            req="FR-UI-006-04"),
    Setting("IDP_CONTACT_CHANGE_RATE_LIMIT", str, "10 per hour",
            "Requests to change the email address or phone number allowed per signed-in user "
            "(each sends a message to an address the user typed).", req="FR-UI-006-03"),
    # --- offices ---
    Setting("IDP_OFFICE_DOCUMENTS_DIR", str, "",
            "Directory of the documents transport offices upload, outside the web root; empty "
            "means office-documents in the instance folder.", req="FR-UI-001-02"),
    Setting("IDP_OFFICE_DOCUMENT_MAX_BYTES", int, 5 * 1024 * 1024,
            "Largest document an office may upload, in bytes (5 MiB).", req="FR-UI-001-02"),
    Setting("IDP_OFFICE_DOCUMENTS_MAX_COUNT", int, 5,
            "Most documents one office application may carry; the signup request may be at "
            "most this many documents of the largest size plus 256 KiB of form fields.",
            req="FR-UI-001-02"),
    Setting("IDP_OFFICE_IMAGE_MAX_PIXELS", int, 40_000_000,
            "Largest PNG or JPEG document in pixels (40 megapixels, a 600 dpi A4 scan holds "
            "35): a larger one is refused before it is decoded (decompression bombs).",
            req="FR-UI-001-02"),
    Setting("IDP_OFFICE_SIGNUP_RATE_LIMIT", str, "20 per hour",
            "Office applications allowed per client address: each may put up to "
            "IDP_OFFICE_DOCUMENTS_MAX_COUNT documents on disk.", req="NFR-UI-002-03"),
    # --- mfa: second factors, trusted devices ---
    Setting("IDP_MFA_REQUIRED_ROLES", _list,
            ["super_admin", "finance_admin", "support_admin", "office_rep"],
            "Roles whose members must pass a second factor at every login (comma list); a "
            "member without one enrols right after the password.", req="FR-UI-002-03"),
    Setting("IDP_MFA_ISSUER_NAME", str, "Bus booking",
            "Name authenticator apps show beside a TOTP entry (the otpauth issuer).",
            req="FR-UI-002-03"),
    Setting("IDP_MFA_PENDING_SECONDS", int, 600,
            "How long the second step of a login waits after a right password (10 minutes); "
            "the half-done login is no session.", req="FR-UI-002-03"),
    Setting("IDP_MFA_CODE_SECONDS", int, 300,
            "Lifetime of a second-factor code sent by SMS or email (5 minutes).",
            req="FR-UI-002-03"),
    Setting("IDP_MFA_CODE_ATTEMPTS", int, 5,
            "Entries of one SMS or email code before it stops working.", req="NFR-UI-002-03"),
    Setting("IDP_MFA_RESEND_SECONDS", int, 30,
            "Wait before another second-factor code may be sent; each further one within an "
            "hour waits twice as long (30 s, 60 s, 120 s…).", req="EC-UI-003"),
    Setting("IDP_MFA_RESEND_MAX_SECONDS", int, 3600,
            "Longest wait between two second-factor codes (1 hour).", req="EC-UI-003"),
    Setting("IDP_MFA_TRUSTED_DEVICE_SECONDS", int, 30 * 24 * 3600,
            "How long \"trust this device\" skips the second factor on that device (30 days).",
            req="FR-UI-002-02"),
    Setting("IDP_MFA_RECOVERY_CODES", int, 10,
            "Recovery codes in a set; each works once.", req="FR-UI-002-03"),
    Setting("IDP_MFA_CODE_RATE_LIMIT", str, "30 per 15 minutes",
            "Second-factor code entries allowed per client address.", req="NFR-UI-002-03"),
    Setting("IDP_MFA_CODE_USER_RATE_LIMIT", str, "15 per 15 minutes",
            "Second-factor code entries allowed per account.", req="NFR-UI-002-03"),
    Setting("IDP_MFA_SEND_RATE_LIMIT", str, "20 per hour",
            "Second-factor codes that may be sent (SMS or email) per client address.",
            req="NFR-UI-002-03"),
    # --- security: lockout, rate limits, suspicious logins ---
    Setting("IDP_LOCKOUT_THRESHOLD", int, 5,
            "Consecutive wrong passwords (or second-factor codes) that lock an account.",
            req="BR-UI-006"),
    Setting("IDP_LOCKOUT_SECONDS", int, 900,
            "Length of the first lock (15 minutes); each further lock within "
            "IDP_LOCKOUT_RESET_SECONDS lasts twice as long.", req="FR-UI-002-05"),
    Setting("IDP_LOCKOUT_MAX_SECONDS", int, 24 * 3600,
            "Longest a lock lasts (24 hours): the doubling stops there.", req="FR-UI-002-05"),
    Setting("IDP_LOCKOUT_RESET_SECONDS", int, 24 * 3600,
            "A lock more than this long ago (24 hours) no longer makes the next one longer.",
            req="FR-UI-002-05"),
    Setting("IDP_UNLOCK_LINK_SECONDS", int, 3600,
            "Lifetime of an emailed unlock link (1 hour).", req="EC-UI-004"),
    Setting("IDP_UNLOCK_REQUEST_RATE_LIMIT", str, "3 per 15 minutes",
            "Unlock emails that may be requested per email address or phone number.",
            req="EC-UI-004"),
    Setting("IDP_LOGIN_IDENTIFIER_RATE_LIMIT", str, "10 per 15 minutes",
            "Password posts allowed per identifier from devices that never signed in to that "
            "account (a device that did is exempt: an attacker cannot spend its owner's "
            "allowance).", req="NFR-UI-002-03"),
    Setting("IDP_SIGNUP_IDENTIFIER_RATE_LIMIT", str, "5 per hour",
            "Customer signups allowed per email address and per phone number.",
            req="NFR-UI-002-03"),
    Setting("IDP_TOKEN_IP_RATE_LIMIT", str, "600 per minute",
            "Token requests allowed per client address.", req="NFR-UI-002-03"),
    Setting("IDP_TOKEN_CLIENT_RATE_LIMIT", str, "1200 per minute",
            "Token requests allowed per client_id (guessing codes, secrets or refresh tokens).",
            req="NFR-UI-002-03"),
    Setting("IDP_TOKEN_LIMIT_BATCH", int, 16,
            "Token requests a worker may admit against one of the token endpoint's limits before "
            "adding them to the count in Redis: at most 1/16 of what remains of the window, so "
            "near the limit every request is counted there; 1 counts every request in Redis.",
            req="NFR-UI-002-03"),
    Setting("IDP_SUSPICIOUS_LINK_SECONDS", int, 7 * 24 * 3600,
            "Lifetime of the \"this wasn't me\" link in a new-sign-in email (7 days).",
            req="BR-UI-007"),
    Setting("IDP_SUSPICIOUS_IPV4_PREFIX", int, 24,
            "IPv4 prefix length that makes one network for new-network detection.",
            req="BR-UI-007"),
    Setting("IDP_SUSPICIOUS_IPV6_PREFIX", int, 48,
            "IPv6 prefix length that makes one network for new-network detection.",
            req="BR-UI-007"),
    # --- rbac and admin API ---
    Setting("IDP_RBAC_CACHE_SIZE", int, 10_000,
            "Users whose permissions a worker keeps cached; past that the cache starts again.",
            req="FR-UI-004-04"),
    Setting("IDP_RBAC_DENIAL_ALERT_LIMIT", str, "5 per 10 minutes",
            "Refused requests per user, and per client address, after which the security "
            "contact is alerted (at most once per such window).", req="EC-UI-006"),
    Setting("IDP_SECURITY_CONTACT", str, "",
            "Email address of the security team: alerts of repeated refused access and of the "
            "break-glass account go there (none sent when empty).", req="EC-UI-006"),
    # --- sessions and logout ---
    Setting("IDP_SESSION_TOUCH_SECONDS", int, 60,
            "A session's last-seen time is written at most this often (1 minute), not on "
            "every request.", req="FR-UI-005-02"),
    Setting("IDP_SESSION_SWEEP_BATCH", int, 500,
            "Sessions `idp sessions sweep` ends per transaction.", req="BR-UI-008"),
    Setting("IDP_SESSION_BIND_USER_AGENT", _bool, True,
            "End a session presented by a different browser or operating system family than "
            "the one that logged in, and tell the user.", req="NFR-UI-002-04"),
    Setting("IDP_FORM_RESTORE_SECONDS", int, 3600,
            "How long what a user typed into a form posted on an expired session is kept for "
            "the form to be filled in again after logging in (1 hour).", req="EC-UI-005"),
    Setting("IDP_LOGOUT_TOKEN_SECONDS", int, 120,
            "Lifetime of a back-channel logout token from the moment it is sent (2 minutes); "
            "each retry signs a fresh one."),
    Setting("IDP_LOGOUT_HTTP_TIMEOUT_SECONDS", float, 5.0,
            "Longest wait for a client's back-channel logout URI to answer."),
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
