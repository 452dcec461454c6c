"""Recording security events.

Every package calls ``record`` from the service that makes the decision. The row joins the
current unit of work; the caller's commit writes it together with the change it describes (all
of a commit's rows in one INSERT, ``unit_of_work``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask import has_request_context
from flask import request

from idp.audit import unit_of_work
from idp.audit.buffer import audit_buffer
from idp.audit.models import ActivityLog
from idp.audit.models import LoginAttempt
from idp.errors import InvalidInput
from idp.extensions import db
from idp.extensions import utcnow


def _request_origin() -> tuple[str | None, str | None]:
    if not has_request_context():
        return None, None
    # The header itself: request.user_agent would build a parser object only to read it back.
    return request.remote_addr, (request.headers.get("User-Agent") or None)


def record(
    event: str,
    *,
    user_id: str | None = None,
    client_id: str | None = None,
    session_id: str | None = None,
    result: str = "success",
    durable: bool = True,
    **detail: Any,
) -> None:
    """Add an activity-log row for ``event`` (an ``AuditEvent``) to the unit of work.

    IP and user agent come from the current request, if any. ``detail`` must be JSON-ready and
    must never hold a secret (passwords, codes, tokens). ``durable=False`` is for high-rate
    events that change no state (a client-credentials token): the row goes to the worker's
    audit buffer (``idp/audit/buffer.py``), written within IDP_AUDIT_BUFFER_MS, not in the
    caller's transaction; a crashing process may lose that window of such rows.
    """
    ip, user_agent = _request_origin()
    row = dict(event=str(event), result=result, user_id=user_id, client_id=client_id,
               session_id=session_id, ip=ip, user_agent=user_agent and user_agent[:512],
               detail=detail or None, created_at=utcnow())
    buffer = audit_buffer(current_app) if not durable else None
    if buffer is not None:
        buffer.add(row)
        return
    # Written with the unit of work's other rows in one INSERT right before it commits
    # (idp/audit/unit_of_work.py): no ORM object to track, one round trip per commit.
    unit_of_work.add(db.session, row)


def record_login_attempt(
    *, identifier_digest: str, user_id: str | None, success: bool, reason: str | None = None
) -> None:
    ip, user_agent = _request_origin()
    # A Core INSERT, built once: no ORM object to track for a row nothing reads back.
    db.session.execute(_INSERT_ATTEMPT, {
        "identifier_digest": identifier_digest, "user_id": user_id, "success": success,
        "reason": reason, "ip": ip, "user_agent": user_agent and user_agent[:512]})


_INSERT_ATTEMPT = sa.insert(LoginAttempt.__table__)


def events(*, user_id: str | None = None, event: str | None = None) -> list[ActivityLog]:
    """Activity rows, newest first, filtered by user and event name."""
    unit_of_work.write(db.session)  # this transaction's rows too
    query = db.select(ActivityLog).order_by(ActivityLog.id.desc())
    if user_id:
        query = query.where(ActivityLog.user_id == user_id)
    if event:
        query = query.where(ActivityLog.event == str(event))
    return list(db.session.scalars(query))


# --- searching and exporting (issue 5 §5) ---------------------------------------------------

#: Most rows one search page returns.
MAX_PAGE = 500


@dataclass(frozen=True)
class LogFilter:
    """What to look for in the activity log; every field is optional.

    ``event`` is an exact name (``account:login:failure``) or, ending in ``*``, a prefix
    (``oauth:token:*``). ``since`` is inclusive, ``until`` exclusive; both timezone-aware.
    """

    user_id: str | None = None
    event: str | None = None
    result: str | None = None
    client_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def parse_time(value: str, *, name: str = "time") -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (no zone means UTC); raises
    InvalidInput naming ``name``."""
    text = (value or "").strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{name}: expected an ISO 8601 date or date-time such as "
                           f"2026-11-22 or 2026-11-22T08:30:00Z, got {text[:40]!r}.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _filtered(query, where: LogFilter):
    if where.user_id:
        query = query.where(ActivityLog.user_id == where.user_id)
    if where.event:
        if where.event.endswith("*"):
            prefix = where.event[:-1].replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_")
            query = query.where(ActivityLog.event.like(prefix + "%", escape="\\"))
        else:
            query = query.where(ActivityLog.event == where.event)
    if where.result:
        query = query.where(ActivityLog.result == where.result)
    if where.client_id:
        query = query.where(ActivityLog.client_id == where.client_id)
    if where.since is not None:
        query = query.where(ActivityLog.created_at >= where.since)
    if where.until is not None:
        query = query.where(ActivityLog.created_at < where.until)
    return query


def search(where: LogFilter, *, limit: int = 50, before: int | None = None
           ) -> tuple[list[ActivityLog], int | None]:
    """One page of matching rows, newest first, and the cursor of the next page (None at the
    end): pass it back as ``before``. Keyset paging on the id, so a page costs the same at the
    end of a long log as at its start."""
    limit = max(1, min(limit, MAX_PAGE))
    unit_of_work.write(db.session)  # this transaction's rows too
    query = _filtered(db.select(ActivityLog), where).order_by(ActivityLog.id.desc())
    if before is not None:
        query = query.where(ActivityLog.id < before)
    rows = list(db.session.scalars(query.limit(limit + 1)))
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None


def as_dict(row: ActivityLog) -> dict:
    """A row as JSON-ready data: what the admin API and the export show."""
    return {"id": row.id, "event": row.event, "result": row.result, "user_id": row.user_id,
            "client_id": row.client_id, "session_id": row.session_id, "ip": row.ip,
            "user_agent": row.user_agent, "detail": row.detail or {},
            "created_at": row.created_at.isoformat()}


def export_lines(where: LogFilter, *, batch: int = 1000) -> Iterator[str]:
    """Every matching row, oldest first, as one JSON document per line (JSON Lines), read in
    batches of ``batch`` rows so a long log never sits whole in memory."""
    unit_of_work.write(db.session)  # this transaction's rows too
    after = 0
    while True:
        query = _filtered(db.select(ActivityLog), where).where(ActivityLog.id > after)
        rows = list(db.session.scalars(query.order_by(ActivityLog.id).limit(batch)))
        for row in rows:
            yield json.dumps(as_dict(row), ensure_ascii=False, sort_keys=True) + "\n"
        if len(rows) < batch:
            return
        after = rows[-1].id
