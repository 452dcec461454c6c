"""The verification API (idp/accounts/verification.py) that signup and the profile share:
email links (FR-UI-001-03), SMS codes (FR-UI-001-04), the wait between codes (EC-UI-003).
Real database, real outbox; the clock is frozen where time matters."""

import re
import threading
from datetime import UTC
from datetime import datetime

import pytest
from freezegun import freeze_time

from idp.accounts import verification
from idp.accounts.errors import ResendTooSoon
from idp.accounts.errors import VerificationAttemptsExceeded
from idp.accounts.errors import VerificationExpired
from idp.accounts.errors import VerificationInvalid
from idp.accounts.services import get_user
from idp.accounts.verification_models import Verification
from idp.extensions import db

EMAIL = "noor@example.com"
PHONE = "+967771111444"
NEW_PHONE = "+967771111555"
TOKEN = re.compile(r"[?&]token=([\w-]+)")


@pytest.fixture
def clock():
    with freeze_time(datetime.now(UTC).replace(microsecond=0)) as frozen:
        yield frozen


@pytest.fixture
def user_id(flows):
    return flows.make_user(email=EMAIL, phone=PHONE, verified=False)["id"]


def in_app(app, action):
    """Run ``action()`` in a fresh app context and unit of work, committed after it, even
    when it raises (as a view does: a spent try and an audit record must stay)."""
    with app.app_context():
        try:
            return action()
        finally:
            db.session.commit()
            db.session.remove()


def send_link(app, user_id, email=EMAIL, purpose="signup") -> str:
    in_app(app, lambda: verification.send_email_link(get_user(user_id), email, purpose=purpose))
    return TOKEN.search(_last_email_body(app)).group(1)


def _last_email_body(app) -> str:
    from idp.notify.models import OutboxMessage
    from idp.notify.services import _open

    with app.app_context():
        message = db.session.scalars(db.select(OutboxMessage).where(
            OutboxMessage.channel == "email").order_by(OutboxMessage.created_at.desc())).first()
        return _open(message.body_encrypted)


def send_code(app, user_id, outbox, phone=PHONE, purpose="signup") -> str:
    in_app(app, lambda: verification.send_phone_code(get_user(user_id), phone, purpose=purpose))
    outbox.deliver()
    return outbox.last_code(phone)


def confirm_code(app, user_id, code, phone=PHONE, purpose="signup"):
    return in_app(app, lambda: verification.confirm_phone_code(
        get_user(user_id), phone, code, purpose=purpose))


def rows(app, user_id) -> list[Verification]:
    with app.app_context():
        found = list(db.session.scalars(db.select(Verification).where(
            Verification.user_id == user_id).order_by(Verification.send_number)))
        for row in found:
            db.session.expunge(row)
        return found


class TestEmailLinks:
    def test_fr_ui_001_03_link_proves_the_address_once(self, app, user_id):
        token = send_link(app, user_id)
        def confirm():
            user, address = verification.confirm_email_link(token, purpose="signup")
            return user.id, address

        assert in_app(app, confirm) == (user_id, EMAIL)
        with pytest.raises(VerificationInvalid):
            in_app(app, lambda: verification.confirm_email_link(token, purpose="signup"))

    def test_fr_ui_001_03_only_a_keyed_digest_of_the_token_is_stored(self, app, user_id):
        token = send_link(app, user_id, email="Noor@Example.com")
        row, = rows(app, user_id)
        assert token not in (row.secret_digest, row.target_encrypted)
        assert EMAIL not in row.target_encrypted
        assert (row.purpose, row.channel, row.send_number) == ("signup", "email", 1)
        with app.app_context():
            from idp.security import crypto

            assert row.secret_digest == crypto.keyed_digest(token)

    def test_fr_ui_001_03_link_of_another_purpose_is_refused(self, app, user_id):
        token = send_link(app, user_id, purpose="change_email")
        with pytest.raises(VerificationInvalid):
            in_app(app, lambda: verification.confirm_email_link(token, purpose="signup"))
        _, address = in_app(app, lambda: verification.confirm_email_link(
            token, purpose="change_email"))
        assert address == EMAIL

    @pytest.mark.parametrize("token", ["", None, "x" * 5000, "not-a-token"])
    def test_fr_ui_001_03_unknown_or_malformed_token_is_invalid(self, app, user_id, token):
        with pytest.raises(VerificationInvalid):
            in_app(app, lambda: verification.confirm_email_link(token, purpose="signup"))

    def test_fr_ui_001_03_link_expires(self, app, user_id, clock):
        token = send_link(app, user_id)
        clock.tick(app.config["IDP_EMAIL_LINK_SECONDS"])
        with pytest.raises(VerificationExpired) as refused:
            in_app(app, lambda: verification.confirm_email_link(token, purpose="signup"))
        assert refused.value.channel == "email"

    def test_fr_ui_001_03_new_link_makes_the_earlier_one_useless(self, app, user_id):
        first = send_link(app, user_id)
        second = send_link(app, user_id)
        with pytest.raises(VerificationExpired):
            in_app(app, lambda: verification.confirm_email_link(first, purpose="signup"))
        in_app(app, lambda: verification.confirm_email_link(second, purpose="signup"))

    def test_fr_ui_001_03_single_use_under_concurrent_confirmations(self, app, user_id):
        token = send_link(app, user_id)
        barrier = threading.Barrier(6)
        outcomes = []

        def confirm():
            with app.app_context():
                barrier.wait(timeout=10)
                try:
                    verification.confirm_email_link(token, purpose="signup")
                    outcomes.append("ok")
                except VerificationInvalid:
                    outcomes.append("refused")
                finally:
                    db.session.commit()
                    db.session.remove()

        threads = [threading.Thread(target=confirm) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["ok"] + ["refused"] * 5

    def test_email_link_names_the_page_of_its_purpose(self, app):
        with app.app_context():
            assert verification.email_link("t", "signup").startswith(
                "http://localhost/signup/verify-email?token=t")
            assert "/account/email/verify?token=t&lang=en" in verification.email_link(
                "t", "change_email", "en")
            with pytest.raises(ValueError):
                verification.email_link("t", "no_such_purpose")


class TestPhoneCodes:
    def test_fr_ui_001_04_six_digit_code_proves_the_number_once(self, app, user_id, outbox):
        code = send_code(app, user_id, outbox)
        assert re.fullmatch(r"\d{6}", code)
        confirm_code(app, user_id, code)
        with pytest.raises(VerificationInvalid):
            confirm_code(app, user_id, code)
        row, = rows(app, user_id)
        assert row.used_at is not None and code not in row.secret_digest

    def test_fr_ui_001_04_number_in_any_format_matches(self, app, user_id, outbox):
        code = send_code(app, user_id, outbox)
        confirm_code(app, user_id, code, phone="077 111 1444")

    def test_fr_ui_001_04_code_for_another_number_is_refused(self, app, user_id, outbox):
        code = send_code(app, user_id, outbox, phone=NEW_PHONE, purpose="change_phone")
        with pytest.raises(VerificationInvalid):
            confirm_code(app, user_id, code, phone=PHONE, purpose="change_phone")
        with pytest.raises(VerificationInvalid):
            confirm_code(app, user_id, code, phone=NEW_PHONE, purpose="signup")
        confirm_code(app, user_id, code, phone=NEW_PHONE, purpose="change_phone")

    def test_fr_ui_001_04_five_tries_then_the_code_is_dead(self, app, user_id, outbox):
        code = send_code(app, user_id, outbox)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        for left in (4, 3, 2, 1):
            with pytest.raises(VerificationInvalid) as refused:
                confirm_code(app, user_id, wrong)
            assert refused.value.attempts_left == left
            assert not isinstance(refused.value, VerificationAttemptsExceeded)
        with pytest.raises(VerificationAttemptsExceeded):
            confirm_code(app, user_id, wrong)
        with pytest.raises(VerificationAttemptsExceeded):
            confirm_code(app, user_id, code)
        assert rows(app, user_id)[0].attempts == 5

    def test_fr_ui_001_04_concurrent_guesses_never_exceed_five_tries(self, app, user_id,
                                                                   outbox):
        code = send_code(app, user_id, outbox)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        barrier = threading.Barrier(12)
        refusals = []

        def guess():
            with app.app_context():
                barrier.wait(timeout=10)
                try:
                    verification.confirm_phone_code(get_user(user_id), PHONE, wrong,
                                                    purpose="signup")
                except (VerificationInvalid, VerificationAttemptsExceeded) as exc:
                    refusals.append(type(exc).__name__)
                finally:
                    db.session.commit()
                    db.session.remove()

        threads = [threading.Thread(target=guess) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(refusals) == 12
        assert rows(app, user_id)[0].attempts == 5

    def test_fr_ui_001_04_code_expires_after_ten_minutes(self, app, user_id, outbox, clock):
        code = send_code(app, user_id, outbox)
        clock.tick(599)
        confirm_code(app, user_id, code)
        code = None
        clock.tick(60)
        code = send_code(app, user_id, outbox)
        clock.tick(600)
        with pytest.raises(VerificationExpired) as refused:
            confirm_code(app, user_id, code)
        assert refused.value.channel == "sms"


class TestResendWait:
    def test_ec_ui_003_waits_30_60_120_seconds_between_codes(self, app, user_id, outbox,
                                                            clock):
        send_code(app, user_id, outbox)
        for wait in (30, 60, 120, 240, 480):
            with pytest.raises(ResendTooSoon) as refused:
                send_code(app, user_id, outbox)
            assert refused.value.retry_after_seconds == wait
            assert refused.value.status == 429
            clock.tick(wait - 1)
            with pytest.raises(ResendTooSoon) as refused:
                send_code(app, user_id, outbox)
            assert refused.value.retry_after_seconds == 1
            clock.tick(1)
            send_code(app, user_id, outbox)
        assert [row.send_number for row in rows(app, user_id)] == [1, 2, 3, 4, 5, 6]

    def test_ec_ui_003_wait_stops_growing_at_the_maximum(self, app, user_id, outbox, clock,
                                                        monkeypatch):
        monkeypatch.setitem(app.config, "IDP_VERIFICATION_RESEND_MAX_SECONDS", 100)
        send_code(app, user_id, outbox)
        for _ in range(4):
            with app.app_context():
                wait = verification.resend_wait_seconds(get_user(user_id), purpose="signup")
            assert wait <= 100
            clock.tick(wait)
            send_code(app, user_id, outbox)
        with app.app_context():
            assert verification.resend_wait_seconds(get_user(user_id), purpose="signup") == 100

    def test_ec_ui_003_sends_older_than_a_day_no_longer_count(self, app, user_id, outbox,
                                                             clock):
        for wait in (0, 30, 60):
            clock.tick(wait)
            send_code(app, user_id, outbox)
        clock.tick(24 * 3600 + 1)
        send_code(app, user_id, outbox)
        with app.app_context():
            assert verification.resend_wait_seconds(get_user(user_id), purpose="signup") == 30

    def test_ec_ui_003_each_purpose_waits_on_its_own(self, app, user_id, outbox):
        send_code(app, user_id, outbox)
        send_code(app, user_id, outbox, phone=NEW_PHONE, purpose="change_phone")

    def test_ec_ui_003_a_new_code_kills_the_earlier_one(self, app, user_id, outbox, clock):
        first = send_code(app, user_id, outbox)
        clock.tick(30)
        second = send_code(app, user_id, outbox)
        if first != second:
            with pytest.raises(VerificationInvalid):
                confirm_code(app, user_id, first)
        confirm_code(app, user_id, second)
