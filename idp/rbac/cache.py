"""The worker's cache of what each user holds, valid while the RBAC version is unchanged.

Every change to roles, permissions, assignments or grants adds one to the single row of
``rbac_version`` in the same transaction as the change (``bump``), so the new number becomes
visible to every worker exactly when the change does, whether or not Redis is configured. Each
worker reads that number once per request (``g``; every call outside a request) and forgets
its whole cache when it moved: changes are rare, reads are on every token and every guarded
request. A hit costs a dict lookup; bench/rbac.py measures it.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from flask import current_app
from flask import g
from flask import has_request_context
from sqlalchemy.orm import Session

from idp.extensions import db

_EXTENSION_KEY = "idp.rbac.cache"


@dataclass(frozen=True)
class Entitlements:
    """What one user holds: role names, permission names (sorted), and grants pinned to
    offices (permission name → office ids)."""

    roles: tuple[str, ...]
    permissions: tuple[str, ...]
    pinned: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass
class _State:
    version: int | None = None
    users: dict[str, Entitlements] = field(default_factory=dict)
    office_scoped: frozenset[str] | None = None
    account_names: frozenset[str] | None = None


def _state() -> _State:
    state = current_app.extensions.get(_EXTENSION_KEY)
    if state is None:
        state = current_app.extensions[_EXTENSION_KEY] = _State()
    return state


def current_version() -> int:
    """The committed RBAC version as this transaction sees it; once per request."""
    if has_request_context() and "rbac_version" in g:
        return g.rbac_version
    from idp.rbac.models import RbacVersion

    version = db.session.scalar(sa.select(RbacVersion.version).where(RbacVersion.id == 1)) or 0
    if has_request_context():
        g.rbac_version = version
    return version


def bump() -> None:
    """Invalidate every worker's cache with the caller's transaction. Until that commits, this
    request computes without caching (what it sees is not yet everyone's truth)."""
    from idp.rbac.models import RbacVersion

    db.session.execute(sa.update(RbacVersion).where(RbacVersion.id == 1)
                       .values(version=RbacVersion.version + 1))
    forget()
    if has_request_context():
        g.rbac_uncommitted = True
        g.pop("rbac_version", None)


def forget() -> None:
    """Drop this worker's cache (tests, after restoring the seeded tables)."""
    current_app.extensions[_EXTENSION_KEY] = _State()


def changed_user(user_id: str) -> None:
    """One user's roles or own permissions changed. A user inserted by this very transaction
    cannot be in any other worker's cache (nobody else can see the row yet): only this worker
    forgets it, and signups and imports neither empty every cache nor queue on the version
    row's lock. Any other user: ``bump``."""
    if user_id in db.session.info.get(_NEW_USERS, ()):
        _state().users.pop(user_id, None)
    else:
        bump()


_NEW_USERS = "idp.rbac.new_users"


def _note_new_users(session, _flush_context) -> None:
    # after_flush still sees the pre-flush ``new`` collection.
    from idp.accounts.models import User

    added = {obj.id for obj in session.new if isinstance(obj, User)}
    if added:
        session.info.setdefault(_NEW_USERS, set()).update(added)


def _forget_new_users(session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: committed or not
        session.info.pop(_NEW_USERS, None)


if not sa.event.contains(Session, "after_flush", _note_new_users):
    sa.event.listen(Session, "after_flush", _note_new_users)
    sa.event.listen(Session, "after_transaction_end", _forget_new_users)


def _fresh_state() -> _State | None:
    """The cache if it may be used now, after dropping it if the version moved; None while
    this request has an uncommitted change."""
    if has_request_context() and g.get("rbac_uncommitted"):
        return None
    state = _state()
    version = current_version()
    if state.version != version:
        state = current_app.extensions[_EXTENSION_KEY] = _State(version=version)
    return state


def entitlements(user_id: str) -> Entitlements:
    state = _fresh_state()
    if state is not None:
        held = state.users.get(user_id)
        if held is not None:
            return held
    held = _compute(user_id)
    if state is not None:
        if len(state.users) >= current_app.config["IDP_RBAC_CACHE_SIZE"]:
            state.users.clear()
        state.users[user_id] = held
    return held


def office_scoped() -> frozenset[str]:
    """Names of the office-scoped permissions."""
    state = _fresh_state()
    if state is not None and state.office_scoped is not None:
        return state.office_scoped
    from idp.rbac.models import Permission

    names = frozenset(db.session.scalars(sa.select(Permission.name).where(
        Permission.office_scoped.is_(True))))
    if state is not None:
        state.office_scoped = names
    return names


def _compute(user_id: str) -> Entitlements:
    from idp.rbac.models import Permission
    from idp.rbac.models import PermissionEffect
    from idp.rbac.models import UserPermission
    from idp.rbac.models import UserRole
    from idp.rbac.models import role_permissions
    from idp.rbac.services import ACCOUNT_PERMISSIONS
    from idp.rbac.services import role_names_select

    if not user_id:
        return Entitlements(roles=(), permissions=())
    roles = sorted(db.session.scalars(role_names_select(user_id)))
    from_roles = set(db.session.scalars(
        sa.select(Permission.name)
        .join(role_permissions, role_permissions.c.permission_id == Permission.id)
        .join(UserRole, UserRole.role_id == role_permissions.c.role_id)
        .where(UserRole.user_id == user_id)))
    names = from_roles | _account_permissions(ACCOUNT_PERMISSIONS)
    pinned: dict[str, set[str]] = {}
    overrides = db.session.execute(
        sa.select(Permission.name, UserPermission.effect, UserPermission.office_id)
        .join(UserPermission, UserPermission.permission_id == Permission.id)
        .where(UserPermission.user_id == user_id))
    for name, effect, office_id in overrides:
        if effect == PermissionEffect.DENY:
            names.discard(name)
        elif office_id is None:
            names.add(name)
        else:
            pinned.setdefault(name, set()).add(office_id)
    return Entitlements(roles=tuple(roles), permissions=tuple(sorted(names)),
                        pinned={name: frozenset(offices) for name, offices in pinned.items()})


def _account_permissions(names: tuple[str, ...]) -> set[str]:
    # Every account holds these (FR-UI-006): only the seeded ones, so a deployment that
    # removes them from the catalogue removes them from everyone.
    from idp.rbac.models import Permission

    state = _state()
    if state.account_names is None:
        state.account_names = frozenset(db.session.scalars(sa.select(Permission.name).where(
            Permission.name.in_(names))))
    return set(state.account_names)
