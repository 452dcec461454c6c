"""Who holds which role, and what that lets them do."""

from __future__ import annotations

from idp.errors import InvalidInput
from idp.extensions import db
from idp.rbac.models import Role
from idp.rbac.models import UserRole


class UnknownRole(InvalidInput):
    code = "unknown_role"
    description = "There is no such role."


def get_role(name: str) -> Role | None:
    return db.session.scalar(db.select(Role).where(Role.name == name))


def list_roles() -> list[Role]:
    return list(db.session.scalars(db.select(Role).order_by(Role.name)))


def assign_role(user, role_name: str) -> None:
    """Give ``user`` the role named ``role_name``; raises UnknownRole."""
    role = get_role(role_name)
    if role is None:
        raise UnknownRole(f"There is no role named {role_name!r}.")
    if db.session.get(UserRole, (user.id, role.id)) is None:
        db.session.add(UserRole(user_id=user.id, role_id=role.id))
        db.session.flush()


def role_names(user_id: str) -> list[str]:
    rows = db.session.scalars(db.select(UserRole).where(UserRole.user_id == user_id))
    return sorted(row.role.name for row in rows)


def effective_permissions(user_id: str) -> list[str]:
    """Every permission the user's roles grant, sorted."""
    rows = db.session.scalars(db.select(UserRole).where(UserRole.user_id == user_id))
    return sorted({perm.name for row in rows for perm in row.role.permissions})
