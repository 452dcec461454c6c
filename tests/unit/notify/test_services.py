"""The outbox API (queue_email, queue_sms, notify_user) and the worker's outbox queries."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from idp.accounts.identifiers import InvalidIdentifier
from idp.accounts.services import create_user
from idp.audit import AuditEvent
from idp.audit.services import events
from idp.extensions import db
from idp.extensions import utcnow
from idp.notify import notify_user
from idp.notify import queue_email
from idp.notify import queue_sms
from idp.notify.services import ProviderTry
from idp.notify.services import claim_due
from idp.notify.services import get_message
from idp.notify.services import message_attempts
from idp.notify.services import record_delivery
from idp.notify.services import retry_delay
from idp.security import crypto


def raw_row(message_id: str) -> dict:
    """The row as the database holds it, read without the ORM."""
    return dict(db.session.execute(sa.text("SELECT * FROM outbox_messages WHERE id = :id"),
                                   {"id": message_id}).mappings().one())


def make_user(**kw):
    options = dict(email="amina@example.com", phone="+967771234567", password=None,
                   name="Amina Saleh", verified=True, locale="en")
    return create_user(**{**options, **kw})


# --- queueing ---


def test_queue_email_adds_a_queued_message_and_returns_its_id(ctx):
    message_id = queue_email("Amina@Example.com", "password_changed", {"name": "Amina"},
                             locale="en")
    db.session.commit()
    row = raw_row(message_id)
    assert (row["channel"], row["template"], row["locale"], row["status"], row["attempts"]) == (
        "email", "password_changed", "en", "queued", 0)
    assert row["claimed_until"] is None and row["sent_at"] is None
    recipient = crypto.decrypt(row["recipient_encrypted"], context="outbox").decode()
    assert recipient == "amina@example.com"  # normalised as accounts stores it


def test_nfr_ui_002_02_recipient_subject_and_body_are_encrypted_at_rest(ctx):
    email_id = queue_email("amina@example.com", "one_time_code", {"code": "482913"},
                           locale="en")
    sms_id = queue_sms("+967771234567", "one_time_code", {"code": "482913"}, locale="en")
    db.session.commit()
    for row in (raw_row(email_id), raw_row(sms_id)):
        stored = " ".join(str(value) for value in row.values())
        for secret in ("482913", "771234567", "amina", "verification"):
            assert secret not in stored
    body = crypto.decrypt(raw_row(sms_id)["body_encrypted"], context="outbox").decode()
    assert body.startswith("482913 is your verification code.")


def test_queued_message_belongs_to_the_callers_unit_of_work(ctx):
    message_id = queue_email("amina@example.com", "password_changed", locale="en")
    assert get_message(message_id) is not None  # flushed: visible to the caller
    db.session.rollback()
    assert db.session.scalar(sa.text("SELECT count(*) FROM outbox_messages")) == 0


def test_queue_sms_normalises_a_local_number_to_e164(ctx):
    message_id = queue_sms("077 123 4567", "password_changed", locale="en")
    row = raw_row(message_id)
    assert crypto.decrypt(row["recipient_encrypted"], context="outbox") == b"+967771234567"
    assert row["subject_encrypted"] is None


@pytest.mark.parametrize(("queue", "to"), [(queue_email, "not-an-address"),
                                           (queue_sms, "12"), (queue_sms, "+96777")])
def test_malformed_recipient_is_refused(ctx, queue, to):
    with pytest.raises(InvalidIdentifier):
        queue(to, "password_changed")


def test_language_defaults_to_idp_default_locale(ctx, app):
    assert raw_row(queue_email("amina@example.com", "password_changed"))["locale"] == (
        app.config["IDP_DEFAULT_LOCALE"])
    assert raw_row(queue_sms("+967771234567", "password_changed", locale="fr"))["locale"] == (
        app.config["IDP_DEFAULT_LOCALE"])


def test_notify_user_queues_to_email_and_phone_in_the_users_language(ctx):
    user = make_user(locale="en")
    ids = notify_user(user, "password_changed")
    rows = [raw_row(message_id) for message_id in ids]
    assert [row["channel"] for row in rows] == ["email", "sms"]
    assert {row["locale"] for row in rows} == {"en"}
    assert {row["user_id"] for row in rows} == {user.id}
    recipients = [crypto.decrypt(row["recipient_encrypted"], context="outbox").decode()
                  for row in rows]
    assert recipients == ["amina@example.com", "+967771234567"]
    body = crypto.decrypt(rows[0]["body_encrypted"], context="outbox").decode()
    assert body.startswith("Hello Amina Saleh,")  # the profile name, unless context has one


def test_notify_user_without_a_language_uses_the_default(ctx, app):
    ids = notify_user(make_user(locale=None), "password_changed")
    assert {raw_row(message_id)["locale"] for message_id in ids} == {
        app.config["IDP_DEFAULT_LOCALE"]}


def test_notify_user_skips_a_channel_without_an_address(ctx):
    user = make_user(phone=None)
    [message_id] = notify_user(user, "password_changed")
    assert raw_row(message_id)["channel"] == "email"


def test_notify_user_sends_only_on_the_channels_asked(ctx):
    [message_id] = notify_user(make_user(), "one_time_code", {"code": "123456"},
                               channels=("sms",))
    assert raw_row(message_id)["channel"] == "sms"
    with pytest.raises(ValueError, match="fax"):
        notify_user(make_user(email="b@example.com", phone=None), "password_changed",
                    channels=("fax",))


# --- claiming and recording outcomes ---


def test_claim_due_returns_the_decrypted_message_and_holds_it(ctx, app):
    message_id = queue_email("amina@example.com", "one_time_code", {"code": "123456"},
                             locale="en")
    db.session.commit()
    [message] = claim_due(10)
    db.session.commit()
    assert (message.id, message.channel, message.to, message.attempts) == (
        message_id, "email", "amina@example.com", 0)
    assert message.subject == "Your verification code"
    assert "123456" in message.body and "123456" not in repr(message)
    assert claim_due(10) == []  # held by this worker


def test_a_lapsed_claim_is_free_again(ctx, app):
    with freeze_time(utcnow()) as clock:
        queue_email("amina@example.com", "password_changed", locale="en")
        db.session.commit()
        assert len(claim_due(10)) == 1
        db.session.commit()
        clock.tick(timedelta(seconds=app.config["IDP_NOTIFY_CLAIM_SECONDS"] - 1))
        assert claim_due(10) == []
        clock.tick(timedelta(seconds=2))  # the worker died mid-send: another takes it
        assert len(claim_due(10)) == 1


def test_claim_due_takes_at_most_limit_oldest_first(ctx):
    with freeze_time(utcnow()) as clock:
        ids = []
        for code in ("111111", "222222", "333333"):
            ids.append(queue_sms("+967771234567", "one_time_code", {"code": code}))
            clock.tick(1)
        db.session.commit()
        assert [message.id for message in claim_due(2)] == ids[:2]
        assert [message.id for message in claim_due(2)] == ids[2:]


def test_retry_delay_doubles_from_idp_notify_retry_seconds(ctx):
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [30, 60, 120, 240, 480]


def test_record_delivery_marks_sent_and_keeps_every_try(ctx):
    message_id = queue_sms("+967771234567", "password_changed", locale="en")
    db.session.commit()
    [message] = claim_due(10)
    status = record_delivery(message, [ProviderTry("http://gw1", "HTTP 500"),
                                       ProviderTry("recording")])
    db.session.commit()
    row = get_message(message_id)
    assert (status, row.status, row.provider, row.attempts) == ("sent", "sent", "recording", 1)
    assert row.sent_at is not None and row.claimed_until is None
    assert row.last_error == "http://gw1: HTTP 500"
    assert [(a.attempt, a.provider, a.ok, a.error) for a in message_attempts(message_id)] == [
        (1, "http://gw1", False, "HTTP 500"), (1, "recording", True, None)]


def test_record_delivery_schedules_a_retry_then_gives_up_with_an_audit_record(ctx, app):
    with freeze_time(utcnow()) as clock:
        message_id = queue_sms("+967771234567", "password_changed", locale="en")
        db.session.commit()
        waits = []
        for _ in range(app.config["IDP_NOTIFY_MAX_ATTEMPTS"]):
            [message] = claim_due(10)
            record_delivery(message, [ProviderTry("log", "HTTP 503")])
            db.session.commit()
            row = get_message(message_id)
            if row.status == "queued":
                waits.append((row.next_attempt_at - utcnow()).total_seconds())
                assert claim_due(10) == []  # not due before its backoff
                clock.tick(timedelta(seconds=waits[-1]))
        assert waits == [30, 60, 120, 240, 480]
        assert (row.status, row.attempts, row.last_error) == ("failed", 6, "log: HTTP 503")
        [record] = events(event=AuditEvent.Notify.MessageFailed)
        assert record.result == "failure"
        assert record.detail == {"message_id": message_id, "channel": "sms",
                                 "template": "password_changed", "attempts": 6,
                                 "error": "log: HTTP 503"}
        clock.tick(timedelta(days=1))
        assert claim_due(10) == []  # failed is final
