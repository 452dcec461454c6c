"""Who holds which role, what that lets them do, and who may change it (FR-UI-004, BR-UI-011…015).

A user's permissions are the union of their roles' permissions, plus per-user grants, minus
per-user denials (FR-UI-004-03); ``effective_permissions`` computes them, through the worker's
cache (``idp/rbac/cache.py``). Every change bumps the version the caches check, records an
``rbac:*`` event and, when one user's roles or permissions change, ends that user's sessions
and revokes their tokens (EC-UI-007).

``actor_id`` is the user making a change; None is the system (the CLI, signup, office
approval), which may do anything. Only a super admin may grant or revoke (BR-UI-014).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from idp import audit
from idp.audit import AuditEvent
from idp.extensions import db
from idp.rbac import cache
from idp.rbac.errors import InvalidGrant
from idp.rbac.errors import NotAllowed
from idp.rbac.errors import RoleExists
from idp.rbac.errors import RoleInUse
from idp.rbac.errors import UnknownPermission
from idp.rbac.errors import UnknownRole
from idp.rbac.models import Permission
from idp.rbac.models import PermissionEffect
from idp.rbac.models import Role
from idp.rbac.models import UserPermission
from idp.rbac.models import UserRole

__all__ = ["UnknownRole", "UnknownPermission", "RoleInUse", "NotAllowed"]

#: BR-UI-014: the one role that may grant or revoke roles and permissions.
GRANTING_ROLE = "super_admin"
#: Roles whose holders act for one transport office: without an office (``users.office_id``)
#: they can use no office-scoped permission.
OFFICE_ROLES = frozenset({"office_rep"})
#: Permissions on one's own account that every active account holds, whatever its roles
#: (FR-UI-006: everyone manages their own profile); a per-user denial still removes them.
ACCOUNT_PERMISSIONS = ("account:read", "account:update")
#: The roles the migrations seed (the spec's actors); they can be changed but not deleted.
BUILTIN_ROLES = frozenset({"customer", "office_rep", "support_admin", "finance_admin",
                           "super_admin", "system"})
ROLE_NAME_MAX = 64


# --- reading -------------------------------------------------------------------------------

def get_role(name: str) -> Role | None:
    return db.session.scalar(db.select(Role).where(Role.name == name))


def list_roles() -> list[Role]:
    return list(db.session.scalars(db.select(Role).order_by(Role.name)))


def get_permission(name: str) -> Permission | None:
    return db.session.scalar(db.select(Permission).where(Permission.name == name))


def list_permissions() -> list[Permission]:
    return list(db.session.scalars(db.select(Permission).order_by(Permission.name)))


def role_names(user_id: str) -> list[str]:
    return list(cache.entitlements(user_id).roles)


def role_names_select(user_id, *, tag: str | None = None):
    """A SELECT of the user's role names (``user_id``: a value or a bindparam); with ``tag``,
    of (``tag``, name), for a caller that reads them in the same round trip as something else
    (``mfa.services.login_needs``). The entitlements cache reads them through it too."""
    columns = (Role.name.label("name"),) if tag is None else (
        sa.literal(tag).label("tag"), Role.name.label("name"))
    return db.select(*columns).join(UserRole, UserRole.role_id == Role.id).where(
        UserRole.user_id == user_id)


def role_user_count(role_name: str) -> int:
    role = _role_or_raise(role_name)
    return db.session.scalar(db.select(sa.func.count()).select_from(UserRole).where(
        UserRole.role_id == role.id)) or 0


def user_overrides(user_id: str) -> list[UserPermission]:
    """The user's own grants and denials (FR-UI-004-03), by permission name."""
    rows = db.session.scalars(db.select(UserPermission).where(UserPermission.user_id == user_id))
    return sorted(rows, key=lambda row: row.permission.name)


def effective_permissions(user_id: str) -> list[str]:
    """Every permission the user holds, sorted: their roles' permissions and their grants,
    without their denials, plus the own-account permissions every account holds.

    Grants pinned to another office are not included (``can`` honours them; tokens carry them
    as ``office_permissions``). Answered from the worker's cache while nothing changed.
    """
    return list(cache.entitlements(user_id).permissions)


def can(user_id: str, permission: str, *, office_id: str | None = None) -> bool:
    """True if the user may use ``permission`` now, on ``office_id``'s data if given.

    An office-scoped permission held by someone who belongs to an office applies to that office
    only, and to no office-wide request (``office_id`` None); held by platform staff (no
    office) it applies to every office. An office role without an office gives none. A grant
    pinned to an office applies to that office.
    """
    held = cache.entitlements(user_id)
    if office_id is not None and office_id in held.pinned.get(permission, ()):
        return True
    if permission not in held.permissions:
        return False
    if permission not in cache.office_scoped():
        return True
    own_office = _office_of(user_id)
    if own_office is None:
        return not (OFFICE_ROLES & set(held.roles))
    return office_id == own_office


def _office_of(user_id: str) -> str | None:
    from idp.accounts.services import get_user

    user = get_user(user_id)
    return user.office_id if user is not None else None


def token_permissions(user, allowed: Iterable[str] | None) -> dict:
    """``permissions`` (and ``office_permissions`` when a grant is pinned to an office) for a
    token of a client allowed ``allowed`` (patterns; None: none): see docs/tokens.md."""
    held = cache.entitlements(user.id)
    patterns = tuple(allowed or ())
    names = list(held.permissions)
    if user.office_id is None and OFFICE_ROLES & set(held.roles):
        scoped = cache.office_scoped()
        names = [name for name in names if name not in scoped]
    claims: dict = {"permissions": [name for name in names if permits(patterns, name)]}
    pinned: dict[str, list[str]] = {}
    for name, offices in held.pinned.items():
        if permits(patterns, name):
            for office in offices:
                pinned.setdefault(office, []).append(name)
    if pinned:
        claims["office_permissions"] = {office: sorted(names)
                                        for office, names in sorted(pinned.items())}
    return claims


def permits(patterns: Iterable[str], permission: str) -> bool:
    """True if a client allowed ``patterns`` (exact names, ``resource:*`` or ``*``) may carry
    ``permission``."""
    resource = permission.partition(":")[0]
    for pattern in patterns:
        if pattern == "*" or pattern == permission or pattern == f"{resource}:*":
            return True
    return False


def validate_permission_patterns(patterns: Iterable[str]) -> list[str]:
    """Clean a client's permission limit: each entry an existing permission, ``resource:*``
    for a known resource, or ``*``. Raises UnknownPermission."""
    known = {permission.name for permission in list_permissions()}
    resources = {name.partition(":")[0] for name in known}
    cleaned = []
    for pattern in dict.fromkeys(p.strip() for p in patterns):
        if not pattern:
            continue
        resource, _sep, action = pattern.partition(":")
        if pattern != "*" and pattern not in known and not (action == "*"
                                                             and resource in resources):
            raise UnknownPermission(_("There is no permission named %(name)s.", name=pattern))
        cleaned.append(pattern)
    return cleaned


# --- changing ------------------------------------------------------------------------------

def create_role(name: str, *, description: str = "", permissions: Iterable[str] = (),
                actor_id: str | None = None) -> Role:
    """Create a role with ``permissions``; raises RoleExists, UnknownPermission, NotAllowed
    (BR-UI-014), InvalidGrant for a bad name. Records ``rbac:role:created``."""
    _check_actor(actor_id, "create_role", role=name)
    name = (name or "").strip()
    if not name or len(name) > ROLE_NAME_MAX or not name.replace("_", "").isalnum():
        raise InvalidGrant(_("A role name has 1 to 64 letters, digits or underscores."))
    if get_role(name) is not None:
        raise RoleExists()
    role = Role(name=name, description=(description or "")[:255])
    role.permissions = _permissions_or_raise(permissions)
    db.session.add(role)
    db.session.flush()
    cache.bump()
    audit.record(AuditEvent.Rbac.RoleCreated, user_id=actor_id, role=name,
                 permissions=sorted(p.name for p in role.permissions))
    return role


def set_role_permissions(role_name: str, permissions: Iterable[str], *,
                         actor_id: str | None = None) -> Role:
    """Replace a role's permissions. Its holders' cached permissions are dropped at once in
    every worker; their sessions go on (a role may have a million holders): tokens already
    issued keep the old list until they expire or are refreshed. Records
    ``rbac:role:permissions_changed`` with what was added and removed."""
    _check_actor(actor_id, "set_role_permissions", role=role_name)
    role = _role_or_raise(role_name)
    wanted = _permissions_or_raise(permissions)
    before = {p.name for p in role.permissions}
    after = {p.name for p in wanted}
    if before == after:
        return role
    role.permissions = wanted
    db.session.flush()
    cache.bump()
    audit.record(AuditEvent.Rbac.RolePermissionsChanged, user_id=actor_id, role=role.name,
                 added=sorted(after - before), removed=sorted(before - after))
    return role


def delete_role(role_name: str, *, actor_id: str | None = None) -> None:
    """Delete a role no user holds; raises RoleInUse (BR-UI-015), UnknownRole, NotAllowed.
    The six roles of the spec's actors cannot be deleted (RoleInUse too)."""
    _check_actor(actor_id, "delete_role", role=role_name)
    role = _role_or_raise(role_name)
    holders = role_user_count(role.name)
    if holders or role.name in BUILTIN_ROLES:
        audit.record(AuditEvent.Rbac.RoleDeleteRefused, user_id=actor_id, role=role.name,
                     holders=holders, result="failure")
        _commit_refusal()
        raise RoleInUse()
    role.permissions = []
    db.session.delete(role)
    db.session.flush()
    cache.bump()
    audit.record(AuditEvent.Rbac.RoleDeleted, user_id=actor_id, role=role.name)


def assign_role(user, role_name: str, *, actor_id: str | None = None) -> None:
    """Give ``user`` the role ``role_name``; raises UnknownRole, NotAllowed (BR-UI-014).

    A real change ends the user's sessions and revokes their tokens (EC-UI-007) and records
    ``rbac:role:assigned``; assigning a role already held changes nothing.
    """
    _check_actor(actor_id, "assign_role", target=user.id, role=role_name)
    role = _role_or_raise(role_name)
    if db.session.get(UserRole, (user.id, role.id)) is not None:
        return
    db.session.add(UserRole(user_id=user.id, role_id=role.id))
    db.session.flush()
    _changed(user.id, AuditEvent.Rbac.RoleAssigned, actor_id, role=role.name)


def revoke_role(user, role_name: str, *, actor_id: str | None = None) -> None:
    """Take the role from ``user`` (nothing if not held); like ``assign_role``."""
    _check_actor(actor_id, "revoke_role", target=user.id, role=role_name)
    role = _role_or_raise(role_name)
    held = db.session.get(UserRole, (user.id, role.id))
    if held is None:
        return
    db.session.delete(held)
    db.session.flush()
    _changed(user.id, AuditEvent.Rbac.RoleRevoked, actor_id, role=role.name)


def grant_permission(user, permission: str, *, office_id: str | None = None,
                     actor_id: str | None = None) -> None:
    """Grant ``user`` a permission beyond their roles (replacing a denial of it), for every
    office or, for an office-scoped permission, pinned to ``office_id``. Raises
    UnknownPermission, InvalidGrant (``office_id`` on a permission that is not
    office-scoped), NotAllowed. Ends the user's sessions (EC-UI-007)."""
    _set_override(user, permission, PermissionEffect.GRANT, office_id, actor_id)


def deny_permission(user, permission: str, *, actor_id: str | None = None) -> None:
    """Deny ``user`` a permission whatever their roles give (FR-UI-004-03)."""
    _set_override(user, permission, PermissionEffect.DENY, None, actor_id)


def clear_permission(user, permission: str, *, actor_id: str | None = None) -> None:
    """Remove the user's own grant or denial of ``permission`` (nothing if none)."""
    _check_actor(actor_id, "clear_permission", target=user.id, permission=permission)
    held = _permission_or_raise(permission)
    row = db.session.get(UserPermission, (user.id, held.id))
    if row is None:
        return
    effect = row.effect
    db.session.delete(row)
    db.session.flush()
    _changed(user.id, AuditEvent.Rbac.PermissionCleared, actor_id, permission=held.name,
             was=effect)


def _set_override(user, permission: str, effect: str, office_id: str | None,
                  actor_id: str | None) -> None:
    _check_actor(actor_id, f"{effect}_permission", target=user.id, permission=permission)
    held = _permission_or_raise(permission)
    office_id = (office_id or "").strip() or None
    if office_id is not None and not held.office_scoped:
        raise InvalidGrant(_("%(name)s is not office-scoped: it cannot be pinned to an office.",
                             name=held.name))
    row = db.session.get(UserPermission, (user.id, held.id))
    if row is not None and row.effect == effect and row.office_id == office_id:
        return
    if row is None:
        row = UserPermission(user_id=user.id, permission_id=held.id)
        db.session.add(row)
    row.effect, row.office_id, row.granted_by = effect, office_id, actor_id
    db.session.flush()
    event = (AuditEvent.Rbac.PermissionGranted if effect == PermissionEffect.GRANT
             else AuditEvent.Rbac.PermissionDenied)
    _changed(user.id, event, actor_id, permission=held.name, office_id=office_id)


def _changed(user_id: str, event, actor_id: str | None, **detail) -> None:
    """EC-UI-007: a user whose roles or permissions changed signs in again, and no token
    issued with the old ones stays usable: their sessions end (revoking the tokens issued
    under them) and their other tokens (no session: issued before sessions were tracked, or
    by a flow without one) are revoked too."""
    from idp.oauth.services import revoke_user_tokens
    from idp.sessions.services import end_user_sessions

    cache.changed_user(user_id)
    ended = end_user_sessions(user_id, reason="rbac_changed")
    revoked = revoke_user_tokens(user_id, "rbac_changed")
    audit.record(event, user_id=actor_id, target_user_id=user_id, sessions_ended=ended,
                 token_families_revoked=revoked, **detail)


def _check_actor(actor_id: str | None, action: str, **detail) -> None:
    """BR-UI-014: only a super admin grants or revokes. A refusal is recorded (and committed:
    the refusal must outlive the request's rollback) and raises NotAllowed."""
    if actor_id is None or GRANTING_ROLE in cache.entitlements(actor_id).roles:
        return
    audit.record(AuditEvent.Rbac.ChangeRefused, user_id=actor_id, result="denied",
                 action=action, **detail)
    _commit_refusal()
    raise NotAllowed()


def _commit_refusal() -> None:
    # DESIGN "one unit of work per request": a refused request's audit row gets its own
    # commit. The rbac services refuse before changing anything, so nothing else is pending.
    db.session.commit()


def _role_or_raise(name: str) -> Role:
    role = get_role(name) if name and len(name) <= ROLE_NAME_MAX else None
    if role is None:
        raise UnknownRole(_("There is no role named %(name)s.", name=name))
    return role


def _permission_or_raise(name: str) -> Permission:
    permission = get_permission(name) if name and len(name) <= 64 else None
    if permission is None:
        raise UnknownPermission(_("There is no permission named %(name)s.", name=name))
    return permission


def _permissions_or_raise(names: Iterable[str]) -> list[Permission]:
    names = list(dict.fromkeys(names))
    found = {p.name: p for p in db.session.scalars(
        db.select(Permission).where(Permission.name.in_(names)))} if names else {}
    missing = [name for name in names if name not in found]
    if missing:
        raise UnknownPermission(_("There is no permission named %(name)s.",
                                  name=", ".join(missing)))
    return [found[name] for name in names]
