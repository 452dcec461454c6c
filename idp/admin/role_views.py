"""Roles, their permissions, and each user's roles and per-user grants and denials
(FR-UI-004-01..03). Only a super admin may grant or revoke (BR-UI-014): the rbac services
refuse anyone else with ``NotAllowed`` (403), whatever permission the route asked for."""

from __future__ import annotations

from idp.admin import services
from idp.admin.errors import InvalidBody
from idp.admin.payloads import json_body
from idp.admin.payloads import only_fields
from idp.admin.payloads import string_field
from idp.admin.payloads import string_list
from idp.admin.serializers import permission_json
from idp.admin.serializers import role_json
from idp.admin.views import actor_id
from idp.admin.views import bp
from idp.admin.views import done
from idp.errors import NotFound
from idp.rbac import require
from idp.rbac import services as rbac

ROLE_NAME_MAX = 64


class UnknownPermissionInBody(InvalidBody):
    """A permission named in the body does not exist: the body is wrong (400), where an
    unknown permission in the path is a missing resource (404)."""

    code = "unknown_permission"


def _permissions_of(body: dict, *, required: bool) -> list[str]:
    names = string_list(body, "permissions", required=required, max_length=64) or []
    known = {p.name for p in rbac.list_permissions()}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UnknownPermissionInBody(f"There is no permission named {', '.join(unknown)}.")
    return names


def _role_or_404(name: str):
    role = rbac.get_role(name) if len(name) <= ROLE_NAME_MAX else None
    if role is None:
        raise NotFound("There is no role with this name.")
    return role


@bp.get("/roles")
@require("roles:read")
def list_roles():
    return done({"roles": [role_json(role) for role in rbac.list_roles()]})


@bp.get("/roles/<name>")
@require("roles:read")
def show_role(name):
    return done(role_json(_role_or_404(name)))


@bp.post("/roles")
@require("roles:update")
def create_role():
    body = json_body()
    only_fields(body, {"name", "description", "permissions"})
    name = string_field(body, "name", required=True, max_length=ROLE_NAME_MAX)
    role = rbac.create_role(
        name, description=string_field(body, "description", default=""),
        permissions=_permissions_of(body, required=False), actor_id=actor_id())
    return done(role_json(role), 201)


@bp.put("/roles/<name>/permissions")
@require("roles:update")
def set_role_permissions(name):
    _role_or_404(name)
    body = json_body()
    only_fields(body, {"permissions"})
    rbac.set_role_permissions(name, _permissions_of(body, required=True),
                              actor_id=actor_id())
    return done(role_json(_role_or_404(name)))


@bp.delete("/roles/<name>")
@require("roles:update")
def delete_role(name):
    _role_or_404(name)
    rbac.delete_role(name, actor_id=actor_id())
    return done({"deleted": name})


@bp.get("/permissions")
@require("roles:read")
def list_permissions():
    return done({"permissions": [permission_json(p) for p in rbac.list_permissions()]})


# --- a user's roles and per-user permissions ----------------------------------------------


def _user_access(user) -> dict:
    return {"user_id": user.id, "roles": rbac.role_names(user.id),
            "permissions": sorted(rbac.effective_permissions(user.id))}


@bp.get("/users/<user_id>/roles")
@require("users:read")
def user_roles(user_id):
    return done(_user_access(services.user_or_404(user_id)))


@bp.put("/users/<user_id>/roles/<role>")
@require("roles:assign")
def assign_role(user_id, role):
    user = services.user_or_404(user_id)
    _role_or_404(role)
    rbac.assign_role(user, role, actor_id=actor_id())
    return done(_user_access(user))


@bp.delete("/users/<user_id>/roles/<role>")
@require("roles:assign")
def revoke_role(user_id, role):
    user = services.user_or_404(user_id)
    _role_or_404(role)
    rbac.revoke_role(user, role, actor_id=actor_id())
    return done(_user_access(user))


@bp.put("/users/<user_id>/permissions/<permission>")
@require("roles:assign")
def set_user_permission(user_id, permission):
    user = services.user_or_404(user_id)
    body = json_body()
    only_fields(body, {"effect", "office_id"})
    effect = string_field(body, "effect", required=True, max_length=8)
    office_id = string_field(body, "office_id", max_length=32) or None
    if effect == "grant":
        rbac.grant_permission(user, permission, office_id=office_id, actor_id=actor_id())
    elif effect == "deny":
        if office_id:
            raise InvalidBody("office_id goes only with a grant.")
        rbac.deny_permission(user, permission, actor_id=actor_id())
    else:
        raise InvalidBody('effect must be "grant" or "deny".')
    return done(_user_access(user))


@bp.delete("/users/<user_id>/permissions/<permission>")
@require("roles:assign")
def clear_user_permission(user_id, permission):
    user = services.user_or_404(user_id)
    rbac.clear_permission(user, permission, actor_id=actor_id())
    return done(_user_access(user))
