"""Users: search, view, lock, unlock, activate, disable."""

from __future__ import annotations

from idp.accounts.models import UserStatus
from idp.admin import services
from idp.admin.errors import InvalidBody
from idp.admin.payloads import json_body
from idp.admin.payloads import only_fields
from idp.admin.payloads import query_int
from idp.admin.payloads import query_string
from idp.admin.payloads import string_field
from idp.admin.serializers import user_detail
from idp.admin.serializers import user_summary
from idp.admin.views import actor_id
from idp.admin.views import bp
from idp.admin.views import done
from idp.rbac import require


@bp.get("/users")
@require("users:read")
def list_users():
    status = query_string("status")
    if status and status not in UserStatus.ALL:
        raise InvalidBody(f"status must be one of {', '.join(UserStatus.ALL)}.")
    terms = services.UserQuery(email=query_string("email"), phone=query_string("phone"),
                               name=query_string("name", max_length=200), status=status,
                               role=query_string("role", max_length=64),
                               office_id=query_string("office_id", max_length=32))
    page = query_int("page", 1, maximum=100_000)
    per_page = query_int("per_page", 50, maximum=services.MAX_PER_PAGE)
    users, total = services.search_users(terms, page=page, per_page=per_page)
    return done({"users": [user_summary(u) for u in users], "page": page,
                 "per_page": per_page, "total": total})


@bp.get("/users/<user_id>")
@require("users:read")
def show_user(user_id):
    return done(user_detail(services.user_or_404(user_id)))


def _reason() -> str:
    body = json_body(required=False)
    only_fields(body, {"reason"})
    return string_field(body, "reason", max_length=200, default="")


@bp.post("/users/<user_id>/lock")
@require("users:update")
def lock_user(user_id):
    user = services.lock_user(user_id, actor_id=actor_id(), reason=_reason())
    return done(user_detail(user))


@bp.post("/users/<user_id>/unlock")
@require("users:update")
def unlock_user(user_id):
    json_body(required=False)
    return done(user_detail(services.unlock_user(user_id, actor_id=actor_id())))


@bp.post("/users/<user_id>/activate")
@require("users:update")
def activate_user(user_id):
    json_body(required=False)
    return done(user_detail(services.activate_user(user_id, actor_id=actor_id())))


@bp.post("/users/<user_id>/disable")
@require("users:update")
def disable_user(user_id):
    user = services.disable_user(user_id, actor_id=actor_id(), reason=_reason())
    return done(user_detail(user))
