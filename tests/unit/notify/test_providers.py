"""Email senders and SMS providers against real local servers, and choosing them at startup."""

import base64
import logging

import pytest
from aiosmtpd.smtp import AuthResult

from idp.config import SettingsError
from idp.notify.errors import DeliveryFailed
from idp.notify.providers import HttpSmsProvider
from idp.notify.providers import LogEmailSender
from idp.notify.providers import LogSmsProvider
from idp.notify.providers import RecordingSmsProvider
from idp.notify.providers import SmtpEmailSender
from idp.notify.providers import build_sms_provider
from idp.notify.providers import email_sender
from idp.notify.providers import sms_providers
from tests.conftest import LocalSmtpServer
from tests.conftest import free_port

PHONE = "+967771234567"
PRODUCTION = {
    "IDP_ENV": "production",
    "IDP_ISSUER": "https://id.example.com",
    "IDP_SECRET_KEY": "a-real-secret",
    "IDP_DIGEST_KEY": "a-real-digest-key",
    "IDP_DATA_KEYS": ["k1:cmVhbC1kYXRhLWtleS0zMi1ieXRlcy1sb25nLS0tLS0="],
    "IDP_SMTP_HOST": "smtp.example.com",
    "IDP_SMS_PRIMARY": "https://sms.example.com/send",
}


def smtp_sender(port, **overrides):
    options = dict(host="127.0.0.1", port=port, tls="none", username="", password="",
                   sender="Booking <no-reply@booking.example>", timeout=5)
    return SmtpEmailSender(**{**options, **overrides})


# --- the HTTP SMS gateway ---


def test_http_gateway_gets_the_number_and_text_as_json(sms_gateway):
    gateway = sms_gateway()
    HttpSmsProvider(gateway.url, timeout=5).send(PHONE, "رمز التحقق 123456")
    [request] = gateway.requests
    assert request.path == "/sms"
    assert request.json == {"to": PHONE, "text": "رمز التحقق 123456"}
    assert request.headers["Content-Type"].startswith("application/json")
    assert "Authorization" not in request.headers


def test_http_gateway_sends_the_url_userinfo_as_basic_credentials(sms_gateway):
    gateway = sms_gateway()
    provider = HttpSmsProvider(f"http://sms-user:p%40ss@127.0.0.1:{gateway.port}/sms?route=ye",
                               timeout=5)
    provider.send(PHONE, "hello")
    [request] = gateway.requests
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(
        b"sms-user:p@ss").decode()
    assert request.path == "/sms?route=ye"
    # The name is stored with every try: no credentials, no path or query (API keys).
    assert provider.name == f"http://127.0.0.1:{gateway.port}"


@pytest.mark.parametrize("status", [500, 503, 400, 302])
def test_http_gateway_answer_other_than_2xx_is_a_failure_without_its_body(sms_gateway, status):
    gateway = sms_gateway(status=status)
    with pytest.raises(DeliveryFailed) as raised:
        HttpSmsProvider(gateway.url, timeout=5).send(PHONE, "123456 is your code")
    assert raised.value.description == f"HTTP {status}"
    assert len(gateway.requests) == 1


def test_http_gateway_with_nothing_listening_is_a_failure():
    with pytest.raises(DeliveryFailed, match="ConnectionRefusedError"):
        HttpSmsProvider(f"http://127.0.0.1:{free_port()}/sms", timeout=5).send(PHONE, "x")


@pytest.mark.parametrize(("spec", "kind"), [("log", LogSmsProvider),
                                            ("recording", RecordingSmsProvider),
                                            ("https://u:p@sms.example.com/send", HttpSmsProvider),
                                            (" http://127.0.0.1:9/sms ", HttpSmsProvider)])
def test_sms_spec_names_the_provider(spec, kind):
    assert isinstance(build_sms_provider(spec, setting="IDP_SMS_PRIMARY", timeout=1,
                                         recorded=[]), kind)


def test_unknown_sms_spec_stops_startup_without_echoing_it():
    with pytest.raises(SettingsError) as raised:
        build_sms_provider("htps://user:secret@sms.example.com", setting="IDP_SMS_FALLBACK",
                           timeout=1, recorded=[])
    assert "IDP_SMS_FALLBACK" in str(raised.value)
    assert "secret" not in str(raised.value)


@pytest.fixture
def notify_log(caplog):
    # migrations/env.py's fileConfig() disables every logger that existed before it ran.
    logger = logging.getLogger("idp.notify")
    was_disabled, logger.disabled = logger.disabled, False
    caplog.set_level(logging.INFO, logger="idp.notify")
    yield caplog
    logger.disabled = was_disabled


def test_log_providers_write_the_message_to_the_log(notify_log):
    caplog = notify_log
    LogSmsProvider().send(PHONE, "123456 is your code")
    LogEmailSender().send("amina@example.com", "Your code", "It is 654321", locale="en")
    assert "SMS to +967771234567: 123456 is your code" in caplog.text
    assert "amina@example.com" in caplog.text and "It is 654321" in caplog.text


# --- SMTP ---


def test_smtp_sender_delivers_utf8_arabic_as_7bit_mail(smtp_server):
    smtp_sender(smtp_server.port).send("amina@example.com", "تم تغيير كلمة المرور",
                                       "مرحبًا أمينة،\n\nسطر ثانٍ", locale="ar")
    [received] = smtp_server.messages
    assert received.to == "amina@example.com"
    assert received.subject == "تم تغيير كلمة المرور"
    assert received.body == "مرحبًا أمينة،\n\nسطر ثانٍ"
    headers = received.message
    assert headers["From"] == "Booking <no-reply@booking.example>"
    assert headers["Content-Language"] == "ar"
    assert headers["Auto-Submitted"] == "auto-generated"
    assert headers["Message-ID"].endswith("@booking.example>")
    headers.as_bytes().decode("ascii")  # RFC 2047 subject, base64 body: any relay takes it


def test_smtp_sender_logs_in_with_the_configured_credentials():
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((mechanism, auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    server = LocalSmtpServer(authenticator=authenticator, auth_require_tls=False)
    try:
        smtp_sender(server.port, username="idp", password="s3cret").send(
            "amina@example.com", "Subject", "Body", locale="en")
        assert [login[1:] for login in logins] == [(b"idp", b"s3cret")]
        assert len(server.messages) == 1
        with pytest.raises(DeliveryFailed) as raised:
            smtp_sender(server.port, username="idp", password="wrong").send(
                "amina@example.com", "Subject", "Body", locale="en")
        assert raised.value.description == "SMTPAuthenticationError (SMTP 535)"
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_smtp_server_down_is_a_failure():
    with pytest.raises(DeliveryFailed, match="ConnectionRefusedError"):
        smtp_sender(free_port()).send("amina@example.com", "Subject", "Body", locale="en")


# --- chosen once at startup ---


def test_test_settings_choose_smtp_and_the_recording_provider(ctx, smtp_server):
    assert email_sender().name == f"smtp:127.0.0.1:{smtp_server.port}"
    assert [provider.name for provider in sms_providers()] == ["recording"]


def test_primary_then_fallback(make_app, sms_gateway):
    gateway = sms_gateway()
    other = make_app(IDP_SMS_PRIMARY=gateway.url, IDP_SMS_FALLBACK="log", IDP_SMTP_HOST="")
    with other.app_context():
        assert [provider.name for provider in sms_providers()] == [
            f"http://127.0.0.1:{gateway.port}", "log"]
        assert email_sender().name == "log"


def test_production_settings_with_real_providers_start(make_app):
    assert make_app(**PRODUCTION).config["IDP_ENV"] == "production"


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("IDP_SMTP_HOST", "", "IDP_SMTP_HOST"),
    ("IDP_SMS_PRIMARY", "log", "IDP_SMS_PRIMARY"),
    ("IDP_SMS_FALLBACK", "recording", "IDP_SMS_FALLBACK"),
])
def test_production_refuses_providers_that_would_log_codes(make_app, setting, value, message):
    with pytest.raises(SettingsError, match=message):
        make_app(**{**PRODUCTION, setting: value})


@pytest.mark.parametrize(("setting", "value"), [("IDP_SMTP_TLS", "tls"),
                                                ("IDP_SMS_PRIMARY", ""),
                                                ("IDP_SMS_PRIMARY", "twilio")])
def test_unusable_provider_settings_stop_startup(make_app, setting, value):
    with pytest.raises(SettingsError, match=setting):
        make_app(**{setting: value})
