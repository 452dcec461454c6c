"""The activity log (FR-UI-004-05, BR-UI-010/013, issue 5 §5): append-only from the
application, searchable by user, event, result and time range, exported as JSON Lines by
`idp audit export`."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from idp.audit.models import ActivityLog
from idp.audit.models import AppendOnlyViolation
from idp.extensions import db
from idp.extensions import utcnow
from tests.flows import PASSWORD

LOGIN_FAILURE = "account:login:failure"
LOGIN_SUCCESS = "account:login:success"


@pytest.fixture
def history(app, flows, user, clock):
    """A failed login, an hour later a successful one, and another user's failed login; the
    times of the three, in order."""
    other = flows.make_user(email="salem@example.com", phone="+967771234568")
    times = [utcnow()]
    assert flows.login(user["email"], "wrong-Password-1!").status_code == 200
    clock.tick(3600)
    times.append(utcnow())
    assert flows.login(user["email"], PASSWORD).status_code == 302
    clock.tick(3600)
    times.append(utcnow())
    assert flows.login(other["email"], "wrong-Password-1!").status_code == 200
    return {"user": user, "other": other, "times": times}


def _search(**filters):
    from idp.audit.services import LogFilter
    from idp.audit.services import search

    rows, _ = search(LogFilter(**filters), limit=500)
    return rows


def test_fr_ui_004_05_search_filters_by_user_event_result_and_time(ctx, history):
    user_id, other_id = history["user"]["id"], history["other"]["id"]
    start, middle, end = history["times"]

    failures = _search(event=LOGIN_FAILURE)
    assert {row.user_id for row in failures} == {user_id, other_id}
    assert all(row.result == "failure" for row in failures)
    assert [row.event for row in _search(user_id=user_id, event=LOGIN_FAILURE)] == [
        LOGIN_FAILURE]
    assert {row.event for row in _search(user_id=user_id, result="success")} >= {
        LOGIN_SUCCESS}
    assert all(row.user_id == user_id for row in _search(user_id=user_id))

    window = _search(event="account:login:*", since=middle, until=end)
    assert [row.event for row in window] == [LOGIN_SUCCESS]
    assert all(middle <= row.created_at < end for row in window)
    assert _search(event="account:login:*", until=start + timedelta(seconds=1))[0].event == (
        LOGIN_FAILURE)


def test_search_pages_newest_first_with_a_cursor(ctx, history):
    from idp.audit.services import LogFilter
    from idp.audit.services import search

    everything = _search()
    seen, before = [], None
    while True:
        rows, before = search(LogFilter(), limit=2, before=before)
        seen.extend(row.id for row in rows)
        if before is None:
            break
    assert seen == [row.id for row in everything]
    assert seen == sorted(seen, reverse=True)


def test_event_prefix_is_not_a_like_pattern(ctx, history):
    # "_" and "%" in the filter are literal characters, not wildcards.
    assert _search(event="account_login*") == []
    assert _search(event="%") == []


# --- append-only ----------------------------------------------------------------------------


def _a_row():
    return db.session.scalars(db.select(ActivityLog).limit(1)).one()


def test_br_ui_010_a_row_cannot_be_updated_through_the_orm(ctx, history):
    row = _a_row()
    row.result = "success"
    row.detail = {"changed": True}
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()


def test_br_ui_010_a_row_cannot_be_deleted_through_the_orm(ctx, history):
    db.session.delete(_a_row())
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("statement", [
    sa.update(ActivityLog).values(result="success"),
    sa.delete(ActivityLog),
    sa.update(ActivityLog.__table__).values(result="success"),
    sa.delete(ActivityLog.__table__).where(ActivityLog.__table__.c.id > 0),
])
def test_br_ui_010_bulk_update_and_delete_through_the_session_are_refused(ctx, history,
                                                                          statement):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(ActivityLog))
    with pytest.raises(AppendOnlyViolation):
        db.session.execute(statement)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActivityLog)) == before


def test_br_ui_010_postgresql_refuses_update_and_delete_below_the_application(app, ctx,
                                                                              history):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the trigger of migration 0011 exists on PostgreSQL only; SQLite relies "
                    "on the ORM guards tested above")
    for statement in ("UPDATE activity_log SET result = 'success'", "DELETE FROM activity_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as connection:
                connection.execute(sa.text(statement))


def test_recording_still_works_next_to_the_guards(ctx, history):
    from idp import audit
    from idp.audit import AuditEvent

    before = len(_search())
    audit.record(AuditEvent.Account.Logout, user_id=history["user"]["id"])
    db.session.commit()
    assert len(_search()) == before + 1


# --- `idp audit export` -------------------------------------------------------------------


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_export_writes_json_lines_oldest_first_with_filters(app, idp, history, tmp_path):
    user_id = history["user"]["id"]
    output = tmp_path / "audit.jsonl"

    result = idp("audit", "export", "--user", user_id, "--event", "account:login:*",
                 "--output", str(output))

    assert result.exit_code == 0, result.output
    rows = _lines(output.read_text(encoding="utf-8"))
    assert [row["event"] for row in rows] == [LOGIN_FAILURE, LOGIN_SUCCESS]
    assert rows[0]["id"] < rows[1]["id"]
    assert {row["user_id"] for row in rows} == {user_id}
    assert set(rows[0]) >= {"id", "event", "result", "user_id", "ip", "detail", "created_at"}
    assert "2 rows" in result.stderr


def test_export_to_stdout_by_result_and_time_range(idp, history):
    start, middle, end = history["times"]

    failures = _lines(idp("audit", "export", "--result", "failure", "--event",
                          LOGIN_FAILURE).stdout)
    assert len(failures) == 2 and all(r["result"] == "failure" for r in failures)

    window = _lines(idp("audit", "export", "--since", middle.isoformat(), "--until",
                        end.isoformat(), "--event", "account:login:*").stdout)
    assert [row["event"] for row in window] == [LOGIN_SUCCESS]


def test_export_is_itself_recorded(app, idp, history):
    assert idp("audit", "export", "--result", "failure").exit_code == 0
    with app.app_context():
        rows = _search(event="admin:audit:exported")
        assert len(rows) == 1
        assert rows[0].detail["via"] == "cli" and rows[0].detail["rows"] == 2


def test_export_with_a_bad_date_fails_in_one_line(idp):
    from tests.integration.conftest import refused

    line = refused(idp("audit", "export", "--since", "yesterday"))
    assert "--since" in line and "ISO 8601" in line
