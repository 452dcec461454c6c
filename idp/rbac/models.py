from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from idp.extensions import UTCDateTime
from idp.extensions import db
from idp.extensions import utcnow

role_permissions = sa.Table(
    "role_permissions",
    db.metadata,
    sa.Column("role_id", sa.Integer, sa.ForeignKey("roles.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("permission_id", sa.Integer, sa.ForeignKey("permissions.id", ondelete="CASCADE"),
              primary_key=True),
)


class Role(db.Model):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    description: Mapped[str] = mapped_column(sa.String(255), default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    permissions: Mapped[list[Permission]] = relationship(secondary=role_permissions,
                                                         lazy="selectin")


class Permission(db.Model):
    """A permission named ``resource:action`` (``bookings:create``)."""

    __tablename__ = "permissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    description: Mapped[str] = mapped_column(sa.String(255), default="")
    #: Acts on one transport office's data: a user who belongs to an office may use it for
    #: that office only.
    office_scoped: Mapped[bool] = mapped_column(sa.Boolean, default=False,
                                                server_default=sa.false())


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role_id: Mapped[int] = mapped_column(
        sa.ForeignKey("roles.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    granted_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    role: Mapped[Role] = relationship(lazy="joined")


class PermissionEffect:
    GRANT = "grant"
    DENY = "deny"


class UserPermission(db.Model):
    """A per-user grant or denial on top of the user's roles (FR-UI-004-03); a denial wins
    over every role. A grant may be pinned to one office (``office_id``)."""

    __tablename__ = "user_permissions"

    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    permission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("permissions.id", ondelete="CASCADE"), primary_key=True
    )
    effect: Mapped[str] = mapped_column(sa.String(8))
    office_id: Mapped[str | None] = mapped_column(sa.String(32))
    granted_by: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    permission: Mapped[Permission] = relationship(lazy="joined")


class RbacVersion(db.Model):
    """One row whose ``version`` goes up with every change to roles, permissions, assignments
    or grants: each worker's permission cache is valid while the number it saw is current."""

    __tablename__ = "rbac_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger)
