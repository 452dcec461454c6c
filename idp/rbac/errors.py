"""What can go wrong with roles and permissions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from idp.errors import IdpError
from idp.errors import InvalidInput
from idp.errors import NotFound


class UnknownRole(NotFound):
    code = "unknown_role"
    description = _l("There is no such role.")


class UnknownPermission(NotFound):
    code = "unknown_permission"
    description = _l("There is no such permission.")


class RoleExists(IdpError):
    code = "role_exists"
    status = 409
    description = _l("A role with this name already exists.")


class RoleInUse(IdpError):
    """BR-UI-015: a role that users hold cannot be deleted."""

    code = "role_in_use"
    status = 409
    description = _l("This role is held by users: revoke it from them before deleting it.")


class InvalidGrant(InvalidInput):
    code = "invalid_request"
    description = _l("This permission cannot be granted that way.")


class NotAllowed(IdpError):
    """BR-UI-011/014: the actor may not do this (only a super admin grants or revokes roles
    and permissions)."""

    code = "forbidden"
    status = 403
    description = _l("You are not allowed to do this.")
