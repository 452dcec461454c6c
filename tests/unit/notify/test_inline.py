"""In-process delivery (development): a request that committed messages wakes the courier."""

import pytest
from flask import request

from idp.extensions import db
from idp.notify import queue_email
from idp.notify.inline import courier
from tests.unit.notify.test_providers import PRODUCTION


def add_queueing_view(app) -> None:
    """A view that queues a code by email, then commits or rolls back as asked."""

    @app.get("/test/queue-code")
    def queue_code():
        queue_email("amina@example.com", "one_time_code", {"code": request.args["code"]},
                    locale="en")
        if request.args.get("then") == "rollback":
            db.session.rollback()
        else:
            db.session.commit()
        return "queued"


@pytest.fixture
def inline_app(make_app):
    # A poll far beyond the test: only the request's wake-up can deliver in time.
    app = make_app(IDP_NOTIFY_INLINE=True, IDP_NOTIFY_POLL_SECONDS=3600)
    add_queueing_view(app)
    return app


def test_nfr_ui_001_03_committed_messages_leave_right_after_the_request(inline_app,
                                                                        smtp_server):
    client = inline_app.test_client()
    assert client.get("/test/queue-code?code=111111&then=rollback").status_code == 200
    assert client.get("/test/queue-code?code=222222").status_code == 200
    [email] = smtp_server.wait_for(1)
    assert "222222" in email.body
    courier(inline_app).stop()  # lets it finish recording the outcome
    # The rolled-back message was never written, so the courier found only the other.
    with inline_app.app_context():
        assert db.session.scalar(db.text("SELECT count(*) FROM outbox_messages")) == 1
        assert db.session.scalar(db.text("SELECT status FROM outbox_messages")) == "sent"
    assert len(smtp_server.messages) == 1


def test_requests_that_queue_nothing_deliver_nothing(inline_app, smtp_server):
    client = inline_app.test_client()
    assert client.get("/.well-known/openid-configuration").status_code == 200
    assert courier(inline_app) is not None
    assert smtp_server.messages == []


@pytest.mark.parametrize(("settings", "inline"), [
    ({"IDP_NOTIFY_INLINE": ""}, True),
    ({"IDP_NOTIFY_INLINE": False}, False),
    ({**PRODUCTION, "IDP_NOTIFY_INLINE": ""}, False),
    ({**PRODUCTION, "IDP_NOTIFY_INLINE": True}, True),
])
def test_inline_delivery_is_on_by_default_outside_production(make_app, settings, inline):
    assert (courier(make_app(**settings)) is not None) is inline


def test_the_suite_delivers_through_the_outbox_fixture_not_in_process(app):
    assert courier(app) is None
