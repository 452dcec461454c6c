"""Email senders and SMS providers, chosen once at startup from the settings.

Email goes to one sender: SMTP (``IDP_SMTP_HOST``) or, in development, the log. SMS goes to
the primary provider and, when it fails, to the fallback (the spec's "fallback SMS provider"
risk). Callers use ``email_sender()`` and ``sms_providers()`` and never name a class.
"""

from __future__ import annotations

import base64
import json
import logging
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from email.utils import make_msgid
from email.utils import parseaddr
from typing import Protocol
from urllib.parse import unquote
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from flask import Flask
from flask import current_app

from idp.config import SettingsError
from idp.notify.errors import DeliveryFailed

log = logging.getLogger("idp.notify")
_EXTENSION_KEY = "idp.notify.providers"
SMTP_TLS_MODES = ("starttls", "ssl", "none")
_SEVEN_BIT = SMTP.clone(cte_type="7bit")


class EmailSender(Protocol):
    #: Stored with each try: says where the message went, never a credential.
    name: str

    def send(self, to: str, subject: str, body: str, *, locale: str) -> None:
        """Hand the message over, or raise DeliveryFailed."""


class SmsProvider(Protocol):
    name: str

    def send(self, to: str, text: str) -> None:
        """Hand ``text`` for the E.164 number ``to`` over, or raise DeliveryFailed."""


def _describe(exc: BaseException) -> str:
    """A socket or TLS error in words that hold no secret (no address, no payload)."""
    reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or ""
    return f"{type(exc).__name__}: {reason}".rstrip(": ")[:200]


class SmtpEmailSender:
    def __init__(self, *, host: str, port: int, tls: str, username: str, password: str,
                 sender: str, timeout: float):
        self.name = f"smtp:{host}:{port}"[:64]
        self.host, self.port, self.tls, self.timeout = host, port, tls, timeout
        self.username, self.password, self.sender = username, password, sender

    def compose(self, to: str, subject: str, body: str, *, locale: str) -> EmailMessage:
        # 7-bit: base64 for an Arabic body and RFC 2047 for its subject, so that any relay
        # takes the message, 8BITMIME or not.
        message = EmailMessage(policy=_SEVEN_BIT)
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        # make_msgid() without a domain asks DNS for this host's name: slow, and it leaks it.
        domain = parseaddr(self.sender)[1].rpartition("@")[2] or "localhost"
        message["Message-ID"] = make_msgid(domain=domain)
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
        message.set_content(body)
        message["Content-Language"] = locale  # after set_content, which clears Content-*
        return message

    def send(self, to: str, subject: str, body: str, *, locale: str) -> None:
        message = self.compose(to, subject, body, locale=locale)
        context = ssl.create_default_context()
        try:
            if self.tls == "ssl":
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                        context=context)
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                if self.tls == "starttls":
                    smtp.starttls(context=context)
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        # Only codes and exception names: the server's text may quote the recipient.
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _ in exc.recipients.values()})
            raise DeliveryFailed(f"recipient refused (SMTP {codes})") from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"{type(exc).__name__} (SMTP {exc.smtp_code})") from None
        except smtplib.SMTPException as exc:
            raise DeliveryFailed(type(exc).__name__) from None
        except OSError as exc:  # refused, unreachable, timed out, TLS handshake
            raise DeliveryFailed(_describe(exc)) from None


class LogEmailSender:
    """Development: the message goes to the log, where the developer reads the code."""

    name = "log"

    def send(self, to: str, subject: str, body: str, *, locale: str) -> None:
        log.info("email to %s [%s]\nSubject: %s\n\n%s", to, locale, subject, body)


class LogSmsProvider:
    """Development: the text goes to the log."""

    name = "log"

    def send(self, to: str, text: str) -> None:
        log.info("SMS to %s: %s", to, text)


@dataclass(frozen=True)
class SentSms:
    to: str
    text: str


class RecordingSmsProvider:
    """Tests: keeps every text in a list shared by the app's recording providers."""

    name = "recording"

    def __init__(self, sent: list[SentSms]):
        self.sent = sent

    def send(self, to: str, text: str) -> None:
        self.sent.append(SentSms(to=to, text=text))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET and lose the message: count it as a failure.
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


class HttpSmsProvider:
    """A generic gateway: POST ``{"to": "+967…", "text": "…"}`` as JSON; any 2xx means sent.

    Credentials come from the URL's userinfo and are sent as HTTP Basic; the provider's
    ``name`` keeps only scheme, host and port (a path or query may hold an API key).
    """

    def __init__(self, url: str, *, timeout: float):
        parts = urlsplit(url)
        if not parts.hostname:
            raise SettingsError("an SMS gateway URL needs a host")
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        netloc = f"{host}:{parts.port}" if parts.port else host
        self.endpoint = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        self.name = f"{parts.scheme}://{netloc}"[:64]
        self.timeout = timeout
        self._authorization = None
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            self._authorization = "Basic " + base64.b64encode(pair.encode()).decode()

    def send(self, to: str, text: str) -> None:
        request = urllib.request.Request(
            self.endpoint, method="POST",
            data=json.dumps({"to": to, "text": text}, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8",
                     "Accept": "application/json"})
        if self._authorization:
            request.add_header("Authorization", self._authorization)
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:  # never its body: a gateway may echo the text
            exc.close()
            raise DeliveryFailed(f"HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            raise DeliveryFailed(_describe(reason) if isinstance(reason, BaseException)
                                 else "URLError") from None
        except OSError as exc:  # a timeout while reading the answer, a reset connection
            raise DeliveryFailed(_describe(exc)) from None
        if not 200 <= status < 300:
            raise DeliveryFailed(f"HTTP {status}")


class HttpFormPoster:
    """POSTs ``application/x-www-form-urlencoded`` forms (back-channel logout, OpenID
    Back-Channel Logout 1.0 §2.5); any 2xx means delivered, a redirect is a failure."""

    name = "http"

    def __init__(self, *, timeout: float):
        self.timeout = timeout

    def post(self, url: str, form: dict) -> None:
        request = urllib.request.Request(
            url, method="POST", data=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Cache-Control": "no-cache, no-store"})
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            exc.close()
            raise DeliveryFailed(f"HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            raise DeliveryFailed(_describe(reason) if isinstance(reason, BaseException)
                                 else "URLError") from None
        except OSError as exc:
            raise DeliveryFailed(_describe(exc)) from None
        if not 200 <= status < 300:
            raise DeliveryFailed(f"HTTP {status}")


def build_sms_provider(spec: str, *, setting: str, timeout: float,
                       recorded: list[SentSms]) -> SmsProvider:
    """The provider a setting names: ``log``, ``recording`` or an http(s) gateway URL."""
    spec = spec.strip()
    if spec == "log":
        return LogSmsProvider()
    if spec == "recording":
        return RecordingSmsProvider(recorded)
    if spec.lower().startswith(("http://", "https://")):
        return HttpSmsProvider(spec, timeout=timeout)
    # Not echoed: a mistyped URL may carry the gateway's password.
    raise SettingsError(f"{setting} must be log, recording or an http(s) URL")


@dataclass(frozen=True)
class Providers:
    email: EmailSender
    sms: tuple[SmsProvider, ...]
    #: What this app's ``recording`` SMS providers were sent.
    recorded_sms: list[SentSms]
    http: HttpFormPoster | None = None


def init_app(app: Flask) -> None:
    """Choose the providers once; refuse settings that cannot work or would leak codes."""
    config = app.config
    production = config["IDP_ENV"] == "production"
    if config["IDP_SMTP_TLS"] not in SMTP_TLS_MODES:
        raise SettingsError("IDP_SMTP_TLS must be " + ", ".join(SMTP_TLS_MODES))
    if config["IDP_SMTP_HOST"]:
        email: EmailSender = SmtpEmailSender(
            host=config["IDP_SMTP_HOST"], port=config["IDP_SMTP_PORT"],
            tls=config["IDP_SMTP_TLS"], username=config["IDP_SMTP_USERNAME"],
            password=config["IDP_SMTP_PASSWORD"], sender=config["IDP_MAIL_FROM"],
            timeout=config["IDP_SMTP_TIMEOUT_SECONDS"])
    elif production:
        raise SettingsError("production needs IDP_SMTP_HOST: without it emails, and the codes "
                            "in them, would go to the log")
    else:
        email = LogEmailSender()
    if not config["IDP_SMS_PRIMARY"].strip():
        raise SettingsError("IDP_SMS_PRIMARY must name an SMS provider")
    recorded: list[SentSms] = []
    sms = []
    for setting in ("IDP_SMS_PRIMARY", "IDP_SMS_FALLBACK"):
        spec = config[setting].strip()
        if not spec:
            continue
        if production and spec in ("log", "recording"):
            raise SettingsError(f"production needs a real SMS gateway in {setting}, not {spec}")
        sms.append(build_sms_provider(spec, setting=setting, recorded=recorded,
                                      timeout=config["IDP_SMS_TIMEOUT_SECONDS"]))
    app.extensions[_EXTENSION_KEY] = Providers(
        email=email, sms=tuple(sms), recorded_sms=recorded,
        http=HttpFormPoster(timeout=config["IDP_LOGOUT_HTTP_TIMEOUT_SECONDS"]))


def email_sender() -> EmailSender:
    return current_app.extensions[_EXTENSION_KEY].email


def http_poster() -> HttpFormPoster:
    return current_app.extensions[_EXTENSION_KEY].http


def sms_providers() -> tuple[SmsProvider, ...]:
    """The SMS providers in the order to try them: the primary, then the fallback if any."""
    return current_app.extensions[_EXTENSION_KEY].sms


def recorded_sms(app: Flask | None = None) -> list[SentSms]:
    """The texts the ``recording`` providers of ``app`` (default: the current one) were sent;
    the list may be cleared."""
    return (app or current_app).extensions[_EXTENSION_KEY].recorded_sms
