"""The activity log: search (newest first, keyset paging) and export as JSON Lines."""

from __future__ import annotations

from flask import Response
from flask import stream_with_context

from idp import audit
from idp.admin.payloads import query_int
from idp.admin.payloads import query_string
from idp.admin.views import actor_id
from idp.admin.views import bp
from idp.admin.views import done
from idp.audit import AuditEvent
from idp.audit import services as log
from idp.extensions import db
from idp.rbac import require


def _filter() -> log.LogFilter:
    since, until = query_string("since", max_length=40), query_string("until", max_length=40)
    return log.LogFilter(
        user_id=query_string("user_id", max_length=32),
        event=query_string("event", max_length=64),
        result=query_string("result", max_length=16),
        client_id=query_string("client_id", max_length=64),
        since=log.parse_time(since, name="since") if since else None,
        until=log.parse_time(until, name="until") if until else None)


@bp.get("/audit")
@require("audit:read")
def search_audit():
    where = _filter()
    limit = query_int("limit", 50, maximum=log.MAX_PAGE)
    before = query_int("before", 0, minimum=0) or None
    rows, next_before = log.search(where, limit=limit, before=before)
    return done({"events": [log.as_dict(row) for row in rows], "next_before": next_before})


@bp.get("/audit/export")
@require("audit:export")
def export_audit():
    where = _filter()
    audit.record(AuditEvent.Admin.AuditExported, user_id=actor_id(), via="api",
                 filters={k: str(v) for k, v in vars(where).items() if v})
    db.session.commit()
    response = Response(stream_with_context(log.export_lines(where)),
                        mimetype="application/jsonl")
    response.headers["Content-Disposition"] = 'attachment; filename="activity-log.jsonl"'
    response.headers["Cache-Control"] = "no-store"
    return response
