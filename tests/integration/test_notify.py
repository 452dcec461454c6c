"""Notifications end to end: queued by a service, delivered by the worker over real SMTP and
the recording SMS provider, read as the user gets them, in Arabic and in English."""

import pytest

from idp.accounts.services import create_user
from idp.extensions import db
from idp.notify import notify_user
from idp.notify import queue_email
from idp.notify import queue_sms

PHONE = "+967771234567"
PASSWORD_CHANGED = {
    "en": {
        "subject": "Your password was changed",
        "body": ("Hello Amina Saleh,\n\n"
                 "The password of your account was just changed.\n\n"
                 "If it wasn't you, reset your password now: someone else may know it.\n"
                 "Reset your password: https://id.example/forgot\n\n"
                 "This is an automatic message; please do not reply to it."),
        "sms": "Your password was changed. If it wasn't you, reset it now.",
    },
    "ar": {
        "subject": "تم تغيير كلمة المرور الخاصة بك",
        "body": ("مرحبًا Amina Saleh،\n\n"
                 "تم للتو تغيير كلمة المرور لحسابك.\n\n"
                 "إذا لم تكن أنت من غيّرها، فأعد تعيين كلمة المرور الآن: ربما يعرفها شخص آخر.\n"
                 "أعد تعيين كلمة المرور: https://id.example/forgot\n\n"
                 "هذه رسالة تلقائية، يُرجى عدم الرد عليها."),
        "sms": "تم تغيير كلمة المرور الخاصة بك. إذا لم تكن أنت، فأعد تعيينها الآن.",
    },
}


@pytest.mark.parametrize("language", ["en", "ar"])
def test_fr_ui_003_04_password_change_notice_reaches_email_and_phone_in_their_language(
        app, outbox, language):
    with app.app_context():
        user = create_user(email="amina@example.com", phone=PHONE, password=None,
                           name="Amina Saleh", verified=True, locale=language)
        notify_user(user, "password_changed", {"reset_url": "https://id.example/forgot"})
        db.session.commit()
    delivered = outbox.deliver()
    assert len(delivered) == 2
    [email], [sms] = outbox.emails, outbox.sms
    expected = PASSWORD_CHANGED[language]
    assert (email.to, email.subject, email.body) == ("amina@example.com", expected["subject"],
                                                     expected["body"])
    assert email.message["Content-Language"] == language
    assert (sms.to, sms.text) == (PHONE, expected["sms"])


def test_nfr_ui_001_03_one_time_codes_reach_phone_and_inbox(app, outbox):
    with app.app_context():
        queue_sms(PHONE, "one_time_code", {"code": "090807"}, locale="en")
        queue_email("amina@example.com", "one_time_code", {"code": "123450"}, locale="ar")
        queue_sms(PHONE, "one_time_code", {"code": "554433"}, locale="ar")
        db.session.commit()
    assert outbox.deliver() != []
    assert outbox.last_code(PHONE) == "554433"  # the latest of two
    assert outbox.last_code("Amina@example.com") == "123450"
    with pytest.raises(AssertionError, match="no 6-digit code"):
        outbox.last_code("+967771111111")


def test_nothing_is_sent_before_the_queueing_transaction_commits(app, outbox):
    with app.app_context():
        queue_sms(PHONE, "one_time_code", {"code": "777777"})
        db.session.rollback()  # the signup that would have sent it failed
    assert outbox.deliver() == []


def test_idp_notify_work_once_delivers_what_is_queued(app, outbox):
    with app.app_context():
        queue_email("amina@example.com", "password_changed", locale="en")
        queue_sms(PHONE, "password_changed", locale="en")
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notify", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2 message(s) tried"
    assert [email.to for email in outbox.emails] == ["amina@example.com"]
    assert [sms.to for sms in outbox.sms] == [PHONE]
    again = runner.invoke(args=["notify", "work", "--once"])
    assert again.output.strip() == "0 message(s) tried"


def test_idp_notify_work_refuses_a_nonsense_interval(app):
    result = app.test_cli_runner().invoke(args=["notify", "work", "--interval", "0"])
    assert result.exit_code == 2
    assert "--interval" in result.output
