"""The admin API: JSON under /api/admin, our own access tokens, each route guarded by
``rbac.require``. This module holds the blueprint, its helpers and the OpenAPI document; each
resource has a module of routes (imported at the bottom)."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify

from idp.admin.breakglass import password_change_gate
from idp.extensions import csrf
from idp.extensions import db
from idp.oauth.bearer import current_claims

bp = Blueprint("admin", __name__, url_prefix="/api/admin")
# Bearer tokens, never cookies, authenticate these routes: no cross-site request can carry one.
csrf.exempt(bp)
bp.before_app_request(password_change_gate)


def actor_id() -> str:
    """The id of the administrator (the access token's subject) making the request."""
    return current_claims()["sub"]


def done(payload, status: int = 200):
    """Commit the request's unit of work and answer ``payload`` as JSON."""
    db.session.commit()
    response = jsonify(payload)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 description of this API: public, like the discovery document."""
    from idp.admin.openapi import document

    return jsonify(document())


# The resources' routes, registered on ``bp`` (after it and the helpers above exist).
from idp.admin import audit_views  # noqa: E402,F401
from idp.admin import client_views  # noqa: E402,F401
from idp.admin import office_views  # noqa: E402,F401
from idp.admin import role_views  # noqa: E402,F401
from idp.admin import user_views  # noqa: E402,F401
