"""The audit buffer: state-free, high-rate rows written in batches (BR-UI-010)."""

import pytest
from sqlalchemy.exc import IntegrityError

from idp import audit
from idp.audit import AuditEvent
from idp.audit.buffer import AuditBuffer
from idp.audit.services import events
from idp.extensions import db


@pytest.fixture
def buffered(app):
    """The app with a buffer whose thread waits an hour, so the test decides when it writes."""
    previous = app.extensions["idp.audit_buffer"]
    app.extensions["idp.audit_buffer"] = AuditBuffer(app, interval_ms=3_600_000)
    buffer = app.extensions["idp.audit_buffer"]
    yield buffer
    while not buffer.rows.empty():  # nothing left for its exit-time flush
        buffer.rows.get_nowait()
    app.extensions["idp.audit_buffer"] = previous


def test_br_ui_010_non_durable_rows_wait_for_the_flush_then_are_all_written(app, buffered):
    with app.test_request_context("/token", environ_base={"REMOTE_ADDR": "203.0.113.7"}):
        for number in range(3):
            audit.record(AuditEvent.OAuth.TokenIssued, client_id=f"svc-{number}", durable=False,
                         scope="bookings:read", number=number)
        db.session.rollback()  # the caller's transaction does not carry them
        assert events(event=AuditEvent.OAuth.TokenIssued) == []
    assert buffered.flush() == 3
    with app.app_context():
        rows = events(event=AuditEvent.OAuth.TokenIssued)
        assert sorted(row.client_id for row in rows) == ["svc-0", "svc-1", "svc-2"]
        assert {row.ip for row in rows} == {"203.0.113.7"}
        # Written by COPY on PostgreSQL, by INSERT elsewhere: the same values come back.
        assert sorted(row.detail["number"] for row in rows) == [0, 1, 2]
        assert {row.detail["scope"] for row in rows} == {"bookings:read"}
        assert all(row.created_at.tzinfo is not None and row.result == "success" for row in rows)


def test_br_ui_010_durable_rows_never_go_to_the_buffer(app, buffered):
    with app.test_request_context("/login"):
        audit.record(AuditEvent.Account.LoginFailure, result="failure")
        db.session.commit()
        assert len(events(event=AuditEvent.Account.LoginFailure)) == 1
    assert buffered.flush() == 0


def test_rows_are_kept_for_the_next_flush_when_writing_fails(app, buffered):
    row = {"event": str(AuditEvent.OAuth.TokenIssued), "result": "success", "client_id": "svc"}
    buffered.add({**row, "event": None})  # NOT NULL: the database refuses the batch
    buffered.add(row)
    with pytest.raises(IntegrityError):
        buffered.flush()
    assert buffered.rows.qsize() == 2
