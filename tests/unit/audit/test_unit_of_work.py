"""Activity-log rows join the unit of work (BR-UI-010): a commit writes all of them in one
INSERT, a rollback drops them, and a query of the log in the same transaction sees them."""

import sqlalchemy as sa

from idp import audit
from idp.audit import AuditEvent
from idp.audit.models import ActivityLog
from idp.audit.services import events
from idp.extensions import db


def _inserts_into_the_log(app, work) -> int:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO ACTIVITY_LOG"):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_br_ui_010_a_commit_writes_its_rows_in_one_insert(app):
    with app.test_request_context("/login", environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        def work():
            for event in (AuditEvent.Account.LoginSuccess, AuditEvent.Session.Started,
                          AuditEvent.Mfa.Success):
                audit.record(event, user_id="u-batch")
            db.session.commit()

        assert _inserts_into_the_log(app, work) == 1
        rows = events(user_id="u-batch")
    assert [r.event for r in reversed(rows)] == ["account:login:success", "session:started",
                                                 "mfa:challenge:success"]
    assert {r.ip for r in rows} == {"203.0.113.9"}


def test_br_ui_010_a_rollback_drops_the_rows_it_would_have_written(app):
    with app.app_context():
        audit.record(AuditEvent.Account.LoginSuccess, user_id="u-rolled-back")
        db.session.rollback()
        db.session.commit()  # a later commit of the same session writes nothing of it
        assert events(user_id="u-rolled-back") == []


def test_br_ui_010_the_log_read_in_the_same_transaction_sees_its_rows(app):
    """The audit services' readers write the pending rows first (and only once)."""
    from idp.audit.services import LogFilter
    from idp.audit.services import search

    with app.app_context():
        audit.record(AuditEvent.Account.LoginSuccess, user_id="u-read-back")
        assert [r.event for r in events(user_id="u-read-back")] == ["account:login:success"]
        audit.record(AuditEvent.Account.Logout, user_id="u-read-back")
        rows, _ = search(LogFilter(user_id="u-read-back"))
        assert [r.event for r in rows] == ["account:logout", "account:login:success"]
        db.session.commit()
        counted = db.session.scalar(sa.select(sa.func.count()).select_from(ActivityLog)
                                    .where(ActivityLog.user_id == "u-read-back"))
        assert counted == 2  # each written once, not again at the commit
