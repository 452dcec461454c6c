"""Recording security events.

Every package calls ``record`` from the service that makes the decision. The row joins the
current unit of work; the caller's commit writes it together with the change it describes.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask import has_request_context
from flask import request

from idp.audit.buffer import audit_buffer
from idp.audit.models import ActivityLog
from idp.audit.models import LoginAttempt
from idp.extensions import db
from idp.extensions import utcnow


def _request_origin() -> tuple[str | None, str | None]:
    if not has_request_context():
        return None, None
    return request.remote_addr, (request.user_agent.string or None)


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
    # A Core INSERT in the caller's transaction: no ORM object to track (the log is write-only
    # from here), a third of the cost of a flush.
    db.session.execute(sa.insert(ActivityLog).values(**row))


def record_login_attempt(
    *, identifier_digest: str, user_id: str | None, success: bool, reason: str | None = None
) -> None:
    ip, user_agent = _request_origin()
    db.session.add(
        LoginAttempt(
            identifier_digest=identifier_digest, user_id=user_id, success=success, reason=reason,
            ip=ip, user_agent=user_agent and user_agent[:512],
        )
    )


def events(*, user_id: str | None = None, event: str | None = None) -> list[ActivityLog]:
    """Activity rows, newest first, filtered by user and event name."""
    query = db.select(ActivityLog).order_by(ActivityLog.id.desc())
    if user_id:
        query = query.where(ActivityLog.user_id == user_id)
    if event:
        query = query.where(ActivityLog.event == str(event))
    return list(db.session.scalars(query))
