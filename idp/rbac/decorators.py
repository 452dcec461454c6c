"""Checking permission before every operation (FR-UI-004-04, BR-UI-012) and recording every
refusal (BR-UI-013, EC-UI-006).

``require`` guards API views called with our access tokens; ``require_page`` guards hosted
pages acting for the signed-in user; ``can_current`` answers for templates and views.
"""

from __future__ import annotations

import functools

from flask import jsonify
from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from idp import audit
from idp.audit import AuditEvent
from idp.extensions import db
from idp.oauth.bearer import current_claims
from idp.oauth.bearer import require_token
from idp.rbac import alerts
from idp.rbac.errors import NotAllowed
from idp.rbac.services import can


def _token_carries(claims: dict, permission: str, office_id: str | None) -> bool:
    if permission in (claims.get("permissions") or ()):
        return True
    pinned = claims.get("office_permissions") or {}
    return office_id is not None and permission in (pinned.get(office_id) or ())


def record_denial(*, user_id: str | None, permission: str, office_id: str | None = None,
                  client_id: str | None = None, reason: str) -> None:
    """BR-UI-013: who (user, client), what (permission), resource (method, path, office),
    IP and time (the row's), committed at once so that refusing keeps the record; counts
    toward the security alert (EC-UI-006)."""
    resource = f"{request.method} {request.path}"
    audit.record(AuditEvent.Rbac.AccessDenied, user_id=user_id, client_id=client_id,
                 result="denied", permission=permission, resource=resource,
                 office_id=office_id, reason=reason)
    alerts.note_denial(user_id=user_id, ip=request.remote_addr, permission=permission,
                       resource=resource)
    db.session.commit()


def _forbidden(permission: str):
    response = jsonify(error="forbidden", error_description=_(
        "This needs the %(permission)s permission.", permission=permission))
    response.status_code = 403
    response.headers["Cache-Control"] = "no-store"
    return response


def require(permission: str, *, office_arg: str | None = None):
    """Decorator for API views: 401 without a valid access token; 403 ``forbidden`` unless the
    token carries ``permission`` (the client may hold it, FR-UI-004-02) and its user holds it
    *now* (a revoked permission stops working at once, whatever the token says).

    ``office_arg`` names the view argument holding the office the request acts on: an
    office-scoped permission then applies only to the caller's own office (BR-UI-011).
    A token of a client acting for itself (client_credentials) holds no permission.
    """

    def decorator(view):
        @functools.wraps(view)
        @require_token()
        def wrapper(*args, **kwargs):
            claims = current_claims()
            office_id = kwargs.get(office_arg) if office_arg else None
            office_id = str(office_id) if office_id is not None else None
            user_id = claims.get("sub")
            if user_id == claims.get("client_id"):
                reason = "client_token"
            elif not _token_carries(claims, permission, office_id):
                reason = "not_in_token"
            elif not can(user_id, permission, office_id=office_id):
                reason = "not_held"
            else:
                return view(*args, **kwargs)
            record_denial(user_id=None if reason == "client_token" else user_id,
                          client_id=claims.get("client_id"), permission=permission,
                          office_id=office_id, reason=reason)
            return _forbidden(permission)

        wrapper.required_permission = permission
        return wrapper

    return decorator


def can_current(permission: str, *, office_id: str | None = None) -> bool:
    """True if the signed-in user (hosted pages) may use ``permission`` now."""
    if not current_user or not current_user.is_authenticated:
        return False
    return can(current_user.id, permission, office_id=office_id)


def require_page(permission: str):
    """Decorator for hosted pages acting on data (BR-UI-012): a signed-in user without
    ``permission`` gets the translated 403 page and the refusal is recorded. Anonymous
    requests pass through: the view sends them to log in as it always did."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if current_user and current_user.is_authenticated and not can_current(permission):
                record_denial(user_id=current_user.id, permission=permission, reason="not_held")
                raise NotAllowed()
            return view(*args, **kwargs)

        wrapper.required_permission = permission
        return wrapper

    return decorator
