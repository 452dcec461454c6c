"""Transport offices: list, view, approve, reject (FR-UI-001-02). A representative sees only
their own office (BR-UI-011)."""

from __future__ import annotations

from flask import jsonify

from idp.admin.errors import InvalidBody
from idp.admin.payloads import json_body
from idp.admin.payloads import only_fields
from idp.admin.payloads import query_string
from idp.admin.payloads import string_field
from idp.admin.serializers import office_json
from idp.admin.views import actor_id
from idp.admin.views import bp
from idp.admin.views import done
from idp.oauth.bearer import current_claims
from idp.oauth.bearer import require_token
from idp.offices import services as offices
from idp.offices.errors import OfficeNotFound
from idp.offices.models import OfficeStatus
from idp.rbac import can
from idp.rbac import require
from idp.rbac.decorators import record_denial


def _may_read(office_id: str) -> bool:
    """Platform staff read every office (``offices:read``); a representative reads their own
    office only, through the office-scoped ``offices:update`` they hold for it (BR-UI-011)."""
    claims = current_claims()
    user_id = claims.get("sub")
    if user_id == claims.get("client_id"):
        return False
    carried = set(claims.get("permissions") or ()) | set(
        (claims.get("office_permissions") or {}).get(office_id) or ())
    return ("offices:read" in carried and can(user_id, "offices:read")) or (
        "offices:update" in carried and can(user_id, "offices:update", office_id=office_id))


@bp.get("/offices")
@require("offices:read")
def list_offices():
    status = query_string("status")
    if status and status not in OfficeStatus.ALL:
        raise InvalidBody(f"status must be one of {', '.join(OfficeStatus.ALL)}.")
    return done({"offices": [office_json(o) for o in offices.list_offices(status)]})


@bp.get("/offices/<office_id>")
@require_token()
def show_office(office_id):
    if not _may_read(office_id):
        claims = current_claims()
        record_denial(user_id=claims.get("sub"), client_id=claims.get("client_id"),
                      permission="offices:read", office_id=office_id[:32],
                      reason="not_held")
        return jsonify(error="forbidden", error_description="This needs the offices:read "
                       "permission, or offices:update for your own office."), 403
    office = offices.get_office(office_id) if len(office_id) <= 32 else None
    if office is None:
        raise OfficeNotFound()
    return done(office_json(office))


@bp.post("/offices/<office_id>/approve")
@require("offices:approve")
def approve_office(office_id):
    json_body(required=False)
    return done(office_json(offices.approve_office(office_id, admin_id=actor_id())))


@bp.post("/offices/<office_id>/reject")
@require("offices:approve")
def reject_office(office_id):
    body = json_body()
    only_fields(body, {"reason"})
    reason = string_field(body, "reason", required=True, max_length=2000)
    return done(office_json(offices.reject_office(office_id, admin_id=actor_id(),
                                                  reason=reason)))
