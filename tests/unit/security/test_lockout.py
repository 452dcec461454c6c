"""The lockout counters through the service interface (BR-UI-006): passwords and codes count
apart, a right password does not wipe wrong codes, and the lock doubles on repeat."""

import pytest

from idp.extensions import db
from idp.security import lockout
from idp.security.lockout import Policy


@pytest.fixture
def account(flows, ctx):
    from idp.accounts.services import get_user

    return get_user(flows.make_user()["id"])


def fail(user, factor, times):
    for _ in range(times):
        lockout.check(user, factor=factor)
        lockout.record_failure(user, factor=factor)
    db.session.commit()


def test_br_ui_006_a_right_password_does_not_wipe_wrong_codes(account):
    fail(account, "code", 4)
    lockout.record_success(account, factor="password")

    with pytest.raises(lockout.AccountLocked):
        fail(account, "code", 1)
        lockout.check(account)


def test_br_ui_006_a_right_code_clears_the_bucket(account):
    fail(account, "code", 4)
    fail(account, "password", 4)
    lockout.record_success(account)

    fail(account, "password", 4)
    fail(account, "code", 4)
    lockout.check(account)  # still below the threshold for each


def test_br_ui_006_failure_without_check_still_counts(account):
    for _ in range(5):
        lockout.record_failure(account, factor="code")
    with pytest.raises(lockout.AccountLocked) as raised:
        lockout.check(account)
    assert raised.value.retry_after == 900


def test_fr_ui_002_05_lock_doubles_up_to_the_longest(app):
    with app.app_context():
        policy = Policy.from_config()
    assert [policy.duration(level) for level in range(9)] == [
        900, 1800, 3600, 7200, 14400, 28800, 57600, 86400, 86400]


def test_check_without_user_does_nothing(ctx):
    lockout.check(None, factor="password")
    assert lockout.record_failure(None, factor="password") is None


def test_br_ui_006_attempts_being_verified_never_lock_by_themselves(account):
    """Five right passwords at once (an office sharing an account): each is counted before
    its hash is checked, a sixth waits (429), and none of them locks the account; only a
    failure at the threshold does."""
    from idp.security.errors import TooManyAttempts

    for _ in range(5):  # five attempts reserved, their hashes still being checked
        lockout.check(account, factor="password")
    with pytest.raises(TooManyAttempts):
        lockout.check(account, factor="password")
    assert lockout.locked_until(account) is None

    lockout.record_success(account, factor="password")  # one of them was right
    db.session.commit()
    lockout.check(account, factor="password")
    assert lockout.locked_until(account) is None


def test_br_ui_006_a_failure_at_the_threshold_locks(account):
    for _ in range(4):
        lockout.check(account, factor="password")
    lockout.check(account, factor="password")
    assert lockout.locked_until(account) is None  # reserved, not yet known to be wrong
    assert lockout.record_failure(account, factor="password") is not None
    with pytest.raises(lockout.AccountLocked):
        lockout.check(account)
