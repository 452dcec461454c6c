"""Registration under load (issue 3, item 7): simultaneous signups with one address make
exactly one account; the database's unique constraint decides, and the other submission gets
EC-UI-001's answer, never a 500."""

import threading

import pytest

from tests.flows import csrf_from
from tests.integration.signup_steps import CUSTOMER
from tests.integration.signup_steps import count_users
from tests.integration.signup_steps import outbox_size
from tests.integration.signup_steps import signup_page

#: Two people typing the same address, each with their own other details.
SAME_EMAIL = [{"email": "Huda@Example.com", "phone": "+967771111222"},
              {"email": "huda@example.com", "phone": "+967771111333"}]
SAME_PHONE = [{"email": "huda@example.com", "phone": "+967771111222"},
              {"email": "amal@example.com", "phone": "0771111222"}]


def _simultaneous_signups(app, variants: list[dict]) -> list:
    """Each variant signs up from its own browser (test client), the posts released together
    by a barrier; returns the responses in variant order."""
    clients = [app.test_client() for _ in variants]
    forms = []
    for client, variant in zip(clients, variants, strict=True):
        page = signup_page(client).get_data(as_text=True)
        forms.append({**CUSTOMER, **variant, "csrf_token": csrf_from(page)})
    barrier = threading.Barrier(len(variants))
    responses: list = [None] * len(variants)
    failures: list = []

    def post(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            responses[index] = clients[index].post("/signup", data=forms[index])
        except Exception as exc:  # reported below: a thread's exception would vanish
            failures.append(exc)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(variants))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return responses


@pytest.mark.parametrize(("variants", "field"), [(SAME_EMAIL, "email"), (SAME_PHONE, "phone")],
                         ids=["same-email", "same-phone"])
def test_br_ui_001_002_simultaneous_signups_make_one_account(app, variants, field):
    for _ in range(3):  # a race may go either way; three rounds to see more than one
        responses = _simultaneous_signups(app, variants)
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [302, 409], [r.get_data(as_text=True)[:500] for r in responses]
        loser = next(r for r in responses if r.status_code == 409).get_data(as_text=True)
        assert 'id="account-exists"' in loser
        assert "/password/forgot" in loser and "/login" in loser
        assert count_users(app) == 1
        # The loser's messages were never queued: its transaction rolled back whole.
        assert outbox_size(app) == 2
        _forget_users(app)


def _forget_users(app) -> None:
    from idp.extensions import db

    with app.app_context():
        for table in ("outbox_messages", "verifications", "activity_log", "user_roles",
                      "profiles", "users"):
            # PostgreSQL's trigger refuses DELETE on the append-only log (migration 0011).
            verb = ("TRUNCATE" if table == "activity_log"
                    and db.engine.dialect.name == "postgresql" else "DELETE FROM")
            db.session.execute(db.text(f"{verb} {table}"))  # noqa: S608 (fixed names)
        db.session.commit()
