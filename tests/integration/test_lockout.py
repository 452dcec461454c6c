"""Lockout (FR-UI-002-05, BR-UI-006, EC-UI-004): five wrong passwords lock the account for 15
minutes, longer on repeat; racing requests cannot get more verifications than that; a device
that signed in before keeps its own count; the locked page emails an unlock link."""

import re
import threading

from argon2 import PasswordHasher

from idp.audit import AuditEvent
from idp.audit.services import events
from idp.extensions import db
from tests.flows import PASSWORD
from tests.flows import Flows
from tests.flows import csrf_from
from tests.flows import query_of

WRONG = "Not-my-password-1"
UNLOCK_LINK = re.compile(r"https?://\S+/login/unlock/confirm\?\S+")


def device(app) -> Flows:
    """Another browser: its own cookies, so its own device id."""
    return Flows(app, app.test_client())


def wrong_logins(flows, user, count) -> list[int]:
    return [flows.login(user["email"], WRONG).status_code for _ in range(count)]


def logged(app, event, user=None) -> list:
    with app.app_context():
        return events(user_id=user and user["id"], event=event)


def test_br_ui_006_locks_account_after_five_failures(app, flows, user):
    assert wrong_logins(flows, user, 4) == [200] * 4

    fifth = flows.login(user["email"], WRONG)

    assert fifth.status_code == 423
    page = fifth.get_data(as_text=True)
    assert 'action="/login/unlock"' in page
    assert 'value="amina@example.com"' in page  # the unlock form keeps what was typed
    assert 15 * 60 - 1 <= int(fifth.headers["Retry-After"]) <= 15 * 60
    assert flows.login(user["email"]).status_code == 423  # the right password too
    [locked] = logged(app, AuditEvent.Security.Locked, user)
    assert locked.detail["factor"] == "password" and locked.ip == "127.0.0.1"


def test_br_ui_006_a_success_starts_the_count_again(flows, user):
    assert wrong_logins(flows, user, 4) == [200] * 4
    assert flows.login(user["email"]).status_code == 302

    assert wrong_logins(flows, user, 4) == [200] * 4


def test_br_ui_006_phone_identifier_counts_for_the_same_account(flows, user):
    wrong_logins(flows, user, 3)
    assert [flows.login("771234567", WRONG).status_code for _ in range(2)] == [200, 423]


def test_fr_ui_002_05_lock_is_temporary_and_grows_on_repeat(app, flows, user, clock):
    wrong_logins(flows, user, 5)
    clock.tick(15 * 60 + 1)
    assert wrong_logins(flows, user, 5) == [200] * 4 + [423]  # locked again: 30 minutes now
    other = device(app)

    clock.tick(15 * 60 + 1)
    assert other.login(user["email"]).status_code == 423
    clock.tick(15 * 60)
    assert other.login(user["email"]).status_code == 302


def racing_logins(app, user, password: str, count: int) -> list[int]:
    """``count`` browsers post ``password`` for ``user`` at the same moment; their statuses."""
    browsers = [device(app) for _ in range(count)]
    forms = [{"csrf_token": csrf_from(b.client.get("/login").get_data(as_text=True)),
              "identifier": user["email"], "password": password, "next": ""} for b in browsers]
    barrier = threading.Barrier(count)
    responses = [None] * count

    def post(index):
        barrier.wait(timeout=10)
        responses[index] = browsers[index].client.post("/login", data=forms[index])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return [r.status_code for r in responses]

def test_nfr_ui_002_03_twenty_racing_wrong_passwords_get_at_most_five_verifications(
        app, user, argon2_calls):
    statuses = racing_logins(app, user, WRONG, 20)
    # 423 once a failure has locked the account; 429 while five attempts are still being
    # verified (reserved, not yet known to be wrong: those alone never lock).
    assert set(statuses) <= {200, 423, 429}, statuses
    assert len(argon2_calls) <= 5
    assert statuses.count(423) + statuses.count(429) >= 15
    with app.app_context():
        from idp.audit.models import LoginAttempt

        reasons = [a.reason for a in db.session.scalars(db.select(LoginAttempt))]
    assert reasons.count("bad_credentials") <= 5
    assert sum(reasons.count(r) for r in ("bad_credentials", "locked", "throttled")) == 20
    assert device(app).login(user["email"]).status_code == 423


def test_br_ui_006_racing_right_passwords_never_lock_the_account(app, user):
    """Eight browsers signing in to one shared account at once: some may be asked to retry
    (429) while five are being verified, none is locked out, and the account stays open."""
    from idp.accounts.models import User

    with app.app_context():  # a hash that takes real time, so the eight verifications overlap
        db.session.get(User, user["id"]).password_hash = PasswordHasher(
            time_cost=2, memory_cost=19456).hash(PASSWORD)
        db.session.commit()
    statuses = racing_logins(app, user, PASSWORD, 8)
    assert set(statuses) <= {302, 429}, statuses
    assert statuses.count(302) >= 5
    assert device(app).login(user["email"]).status_code == 302


def test_ec_ui_004_a_known_device_is_not_locked_out_by_strangers(app, user):
    owner = device(app)
    assert owner.login(user["email"]).status_code == 302  # this device is now known
    owner.client.post("/logout", data={"csrf_token": csrf_from(
        owner.client.get("/logout").get_data(as_text=True))})
    attacker = device(app)

    assert wrong_logins(attacker, user, 5)[-1] == 423
    assert device(app).login(user["email"]).status_code == 423  # every unknown device

    assert owner.login(user["email"]).status_code == 302


def test_ec_ui_004_a_known_device_has_its_own_count(app, user):
    owner = device(app)
    assert owner.login(user["email"]).status_code == 302

    assert wrong_logins(owner, user, 5) == [200] * 4 + [423]

    assert device(app).login(user["email"]).status_code == 302  # strangers' bucket untouched


def test_ec_ui_004_locked_page_emails_an_unlock_link(app, flows, user, outbox):
    locked = flows.login(user["email"], WRONG) if wrong_logins(flows, user, 4) else None
    page = locked.get_data(as_text=True)

    sent = flows.client.post("/login/unlock", data={"csrf_token": csrf_from(page),
                                                    "identifier": user["email"]})

    assert sent.status_code == 302 and sent.headers["Location"] == "/login/unlock/sent"
    outbox.deliver()
    [email] = [m for m in outbox.emails if m.to == user["email"]]
    link = UNLOCK_LINK.search(email.body).group(0)
    path = link.split("localhost", 1)[1]
    confirm = flows.client.get(path)  # opening the link spends nothing (mail scanners)
    assert confirm.status_code == 200
    token = query_of(link)["token"]
    form = {"csrf_token": csrf_from(confirm.get_data(as_text=True)), "token": token}
    assert flows.client.post("/login/unlock/confirm", data=form).status_code == 200
    assert flows.login(user["email"]).status_code == 302
    [unlocked] = logged(app, AuditEvent.Security.Unlocked, user)
    assert unlocked.detail["how"] == "link"
    assert flows.client.post("/login/unlock/confirm", data=form).status_code == 400  # once
    assert flows.client.get(path).status_code == 400


def test_ec_ui_004_unlock_request_for_unknown_account_looks_the_same(flows, outbox):
    page = flows.client.get("/login/unlock").get_data(as_text=True)

    sent = flows.client.post("/login/unlock", data={"csrf_token": csrf_from(page),
                                                    "identifier": "nobody@example.com"})

    assert sent.status_code == 302 and sent.headers["Location"] == "/login/unlock/sent"
    assert outbox.deliver() == []


def test_ec_ui_004_unlock_link_expires(app, flows, user, outbox, clock):
    wrong_logins(flows, user, 5)
    page = flows.client.get("/login/unlock").get_data(as_text=True)
    flows.client.post("/login/unlock", data={"csrf_token": csrf_from(page),
                                             "identifier": user["email"]})
    outbox.deliver()
    link = UNLOCK_LINK.search(outbox.emails[-1].body).group(0)

    clock.tick(3601)

    assert flows.client.get(link.split("localhost", 1)[1]).status_code == 400


def test_br_ui_006_admin_lock_refuses_every_device_until_unlocked(app, user):
    from idp.accounts.services import get_user
    from idp.security import lockout

    owner = device(app)
    assert owner.login(user["email"]).status_code == 302
    with app.test_request_context():
        lockout.lock(get_user(user["id"]), reason="fraud report", actor_id="admin-1")
        db.session.commit()
    assert owner.login(user["email"]).status_code == 423

    with app.test_request_context():
        lockout.unlock(get_user(user["id"]), actor_id="admin-1")
        db.session.commit()
    assert owner.login(user["email"]).status_code == 302
    [unlocked] = logged(app, AuditEvent.Security.Unlocked, user)
    assert unlocked.detail == {"actor_id": "admin-1", "how": "admin"}


def test_br_ui_006_locked_answers_json_to_api_callers(flows, user):
    wrong_logins(flows, user, 5)
    page = flows.client.get("/login").get_data(as_text=True)

    response = flows.client.post("/login", headers={"Accept": "application/json"}, data={
        "csrf_token": csrf_from(page), "identifier": user["email"], "password": PASSWORD})

    assert response.status_code == 423
    assert response.get_json()["error"] == "account_locked"
    assert response.headers["Retry-After"]
