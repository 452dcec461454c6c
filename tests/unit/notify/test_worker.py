"""deliver_due against real providers: SMTP, the recording SMS provider, HTTP gateways that
answer, fail or are not there; retries, the fallback provider, concurrent workers."""

import base64
import threading
from datetime import timedelta

from freezegun import freeze_time

from idp.audit import AuditEvent
from idp.audit.services import events
from idp.extensions import db
from idp.extensions import utcnow
from idp.notify import queue_email
from idp.notify import queue_sms
from idp.notify.providers import recorded_sms
from idp.notify.services import get_message
from idp.notify.services import message_attempts
from idp.notify.worker import deliver_due
from idp.notify.worker import deliver_until_idle
from idp.notify.worker import work
from tests.conftest import LocalSmtpServer
from tests.conftest import free_port

PHONE = "+967771234567"


def queue_code(app, code="482913", to=PHONE) -> str:
    """Queue a one-time code by SMS through ``app`` and commit, as a view would."""
    with app.app_context():
        message_id = queue_sms(to, "one_time_code", {"code": code}, locale="en")
        db.session.commit()
        return message_id


def state(app, message_id):
    with app.app_context():
        row = get_message(message_id)
        tries = [(t.attempt, t.provider, t.ok, t.error) for t in message_attempts(message_id)]
        return row.status, row.attempts, row.provider, tries


def test_email_goes_out_over_smtp_and_is_marked_sent(ctx, app, outbox, smtp_server):
    message_id = queue_email("amina@example.com", "password_changed", {"name": "Amina"},
                             locale="en")
    db.session.commit()
    assert deliver_due() == 1
    [email] = outbox.emails
    assert (email.to, email.subject) == ("amina@example.com", "Your password was changed")
    assert email.body.startswith("Hello Amina,")
    row = get_message(message_id)
    assert (row.status, row.attempts, row.provider) == (
        "sent", 1, f"smtp:127.0.0.1:{smtp_server.port}")
    assert row.sent_at is not None and row.claimed_until is None and row.last_error is None
    assert deliver_due() == 0  # sent is final


def test_nfr_ui_001_03_sms_goes_to_the_primary_provider(app, outbox):
    message_id = queue_code(app, "604311")
    [sms] = outbox.deliver()
    assert (sms.to, sms.text) == (PHONE, "604311 is your verification code. It expires in 10 "
                                         "minutes. Never share it.")
    assert outbox.last_code(PHONE) == "604311"
    assert state(app, message_id)[:3] == ("sent", 1, "recording")


def test_risk_fallback_sms_provider_takes_over_when_the_primary_is_down(make_app):
    down = f"http://127.0.0.1:{free_port()}/sms"
    other = make_app(IDP_SMS_PRIMARY=down, IDP_SMS_FALLBACK="recording")
    message_id = queue_code(other)
    with other.app_context():
        assert deliver_due() == 1
    assert [sms.to for sms in recorded_sms(other)] == [PHONE]
    status, attempts, provider, tries = state(other, message_id)
    assert (status, attempts, provider) == ("sent", 1, "recording")  # in the same attempt
    primary = down.rsplit("/", 1)[0]
    assert tries == [(1, primary, False, "ConnectionRefusedError: Connection refused"),
                     (1, "recording", True, None)]


def test_risk_fallback_gateway_gets_the_sms_when_the_primary_answers_500(make_app,
                                                                        sms_gateway):
    failing, working = sms_gateway(status=500), sms_gateway()
    other = make_app(IDP_SMS_PRIMARY=failing.url,
                     IDP_SMS_FALLBACK=f"http://gw:pw@127.0.0.1:{working.port}/sms")
    message_id = queue_code(other, "771020")
    with other.app_context():
        deliver_due()
    assert [r.json for r in failing.requests] == [{"to": PHONE, "text": working.requests[0]
                                                   .json["text"]}]
    [request] = working.requests
    assert request.json["to"] == PHONE and request.json["text"].startswith("771020 ")
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"gw:pw").decode()
    assert state(other, message_id)[:3] == ("sent", 1, f"http://127.0.0.1:{working.port}")


def test_both_sms_providers_down_retries_with_backoff_then_fails_with_an_audit_record(
        make_app, sms_gateway):
    failing = sms_gateway(status=503)
    other = make_app(IDP_SMS_PRIMARY=failing.url,
                     IDP_SMS_FALLBACK=f"http://127.0.0.1:{free_port()}/sms")
    with freeze_time(utcnow()) as clock:
        message_id = queue_code(other)
        for wait in (30, 60, 120, 240, 480):
            with other.app_context():
                assert deliver_due() == 1
                row = get_message(message_id)
                assert (row.status, (row.next_attempt_at - utcnow()).total_seconds()) == (
                    "queued", wait)
                clock.tick(timedelta(seconds=wait - 1))
                assert deliver_due() == 0  # not before its time
                clock.tick(timedelta(seconds=1))
        with other.app_context():
            assert deliver_due() == 1
            row = get_message(message_id)
            assert (row.status, row.attempts) == ("failed", 6)
            assert row.last_error.startswith(f"http://127.0.0.1:{failing.port}: HTTP 503; ")
            [record] = events(event=AuditEvent.Notify.MessageFailed)
            assert record.detail["message_id"] == message_id
            assert PHONE not in str(record.detail) and "482913" not in str(record.detail)
            assert len(message_attempts(message_id)) == 12  # two providers, six attempts
    assert len(failing.requests) == 6


def test_smtp_server_down_then_back_loses_nothing(make_app):
    port = free_port()
    other = make_app(IDP_SMTP_PORT=port)
    with freeze_time(utcnow()) as clock:
        with other.app_context():
            message_id = queue_email("amina@example.com", "one_time_code", {"code": "310577"},
                                     locale="en")
            db.session.commit()
            assert deliver_due() == 1
            row = get_message(message_id)
            assert (row.status, row.attempts) == ("queued", 1)
            assert "ConnectionRefusedError" in row.last_error
        server = LocalSmtpServer(port=port)  # the server is back
        try:
            clock.tick(timedelta(seconds=30))
            with other.app_context():
                assert deliver_due() == 1
                row = get_message(message_id)
                assert (row.status, row.attempts) == ("sent", 2)
            [email] = server.messages
            assert "310577" in email.body
        finally:
            server.stop()


def test_two_workers_claiming_at_once_send_each_message_exactly_once(app, outbox):
    codes = [f"{n:06d}" for n in range(100000, 100030)]
    with app.app_context():
        for code in codes:
            queue_email(f"rider{code}@example.com", "one_time_code", {"code": code},
                        locale="en")
        db.session.commit()
    start, errors = threading.Barrier(2), []

    def worker():
        try:
            with app.app_context():
                start.wait()
                deliver_until_idle(limit=4)
        except Exception as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(email.to for email in outbox.emails) == [f"rider{c}@example.com"
                                                           for c in codes]
    with app.app_context():
        rows = db.session.execute(db.text("SELECT status, attempts FROM outbox_messages"))
        assert set(rows) == {("sent", 1)}


def test_a_message_whose_data_key_is_gone_fails_at_once(app, make_app):
    message_id = queue_code(app)
    other = make_app(IDP_DATA_KEYS=["k2:" + base64.b64encode(b"n" * 32).decode()])
    with other.app_context():
        assert deliver_due() == 0
        row = get_message(message_id)
        assert (row.status, row.attempts) == ("failed", 0)
        assert "data key" in row.last_error
        assert len(events(event=AuditEvent.Notify.MessageFailed)) == 1


def test_work_loop_delivers_until_stopped(app, smtp_server):
    with app.app_context():
        queue_email("amina@example.com", "password_changed", locale="en")
        db.session.commit()
    stop = threading.Event()

    def run():
        with app.app_context():
            work(0.01, stop)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert len(smtp_server.wait_for(1)) == 1
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_a_batch_stops_at_half_its_claim_and_frees_the_rest(make_app, app):
    with freeze_time(utcnow()) as clock:
        # A slow SMTP server: each message costs 100 s of a 300 s claim.
        server = LocalSmtpServer(on_message=lambda _: clock.tick(timedelta(seconds=100)))
        other = make_app(IDP_SMTP_PORT=server.port, IDP_NOTIFY_CLAIM_SECONDS=300)
        try:
            with other.app_context():
                for code in ("100001", "100002", "100003"):
                    queue_email("amina@example.com", "one_time_code", {"code": code})
                db.session.commit()
                assert deliver_due() == 2  # the third would start 200 s into the claim
                assert len(server.messages) == 2
                assert deliver_due() == 1  # freed at once, not when the claim lapses
            assert len(server.messages) == 3
        finally:
            server.stop()
