"""Roles and permissions (issue 5): seeded permissions, per-user grants and denials,
client permission limits.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22

Permissions are named ``resource:action`` and cover appendix A of the specification. Those
marked office-scoped act on one transport office's data: a user who belongs to an office
(``users.office_id``) may use them for that office only (see docs/tokens.md).

The catalogue below is this revision's snapshot: later changes to it come in later revisions,
never by editing this one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: name, office-scoped, description
PERMISSIONS = (
    ("account:read", False, "See one's own account, profile and sessions"),
    ("account:update", False, "Change one's own profile, contacts, password and sessions"),
    ("trips:read", False, "View trips"),
    ("trips:create", True, "Create trips"),
    ("trips:update", True, "Change trips"),
    ("trips:delete", True, "Cancel or remove trips"),
    ("seats:read", False, "View seats and their availability"),
    ("seats:update", True, "Manage seats"),
    ("bookings:create", False, "Book seats"),
    ("bookings:read_own", False, "View one's own bookings"),
    ("bookings:cancel_own", False, "Cancel one's own bookings"),
    ("bookings:read", True, "View bookings"),
    ("bookings:update", True, "Change bookings (resolve issues)"),
    ("bookings:cancel", True, "Cancel bookings"),
    ("payments:create", False, "Pay for one's own bookings"),
    ("payments:read_own", False, "View one's own payments"),
    ("payments:read", True, "View payments"),
    ("payments:refund", False, "Refund payments"),
    ("reviews:read", False, "Read reviews"),
    ("reviews:create", False, "Review a trip one took"),
    ("reviews:moderate", False, "Hide or remove reviews"),
    ("reports:read", True, "Operational reports"),
    ("reports:finance", False, "Financial reports"),
    ("commissions:read", False, "View commissions"),
    ("commissions:update", False, "Set commissions"),
    ("users:read", False, "View users' accounts"),
    ("users:update", False, "Lock, unlock, activate, disable and correct users' accounts"),
    ("users:contact", False, "Contact users"),
    ("users:create", False, "Create users"),
    ("sessions:update", False, "End other users' sessions"),
    ("roles:read", False, "View roles and who holds them"),
    ("roles:update", False, "Create, change and delete roles"),
    ("roles:assign", False, "Grant and revoke roles and permissions"),
    ("clients:read", False, "View client registrations"),
    ("clients:update", False, "Register, change and disable clients"),
    ("offices:read", False, "View transport offices"),
    ("offices:update", True, "Change a transport office's details"),
    ("offices:approve", False, "Approve or reject transport offices"),
    ("settings:read", False, "View platform settings"),
    ("settings:update", False, "Change platform settings"),
    ("audit:read", False, "Search the activity log"),
    ("audit:export", False, "Export the activity log"),
    ("tickets:read", False, "View support issues"),
    ("tickets:resolve", False, "Resolve support issues"),
    ("notifications:send", False, "Send notifications to users"),
)

_ACCOUNT = ("account:read", "account:update")

#: Appendix A; super_admin holds every permission.
ROLE_PERMISSIONS = {
    "customer": _ACCOUNT + (
        "trips:read", "seats:read", "bookings:create", "bookings:read_own",
        "bookings:cancel_own", "payments:create", "payments:read_own", "reviews:read",
        "reviews:create"),
    "office_rep": _ACCOUNT + (
        "trips:read", "trips:create", "trips:update", "trips:delete", "seats:read",
        "seats:update", "bookings:read", "reports:read", "reviews:read", "offices:update"),
    "support_admin": _ACCOUNT + (
        "trips:read", "seats:read", "bookings:read", "bookings:update", "bookings:cancel",
        "payments:read", "reviews:read", "reviews:moderate", "users:read", "users:update",
        "users:contact", "sessions:update", "offices:read", "roles:read", "audit:read",
        "tickets:read", "tickets:resolve"),
    "finance_admin": _ACCOUNT + (
        "trips:read", "payments:read", "payments:refund", "reports:finance",
        "commissions:read", "commissions:update", "offices:read"),
    "super_admin": tuple(name for name, _scoped, _description in PERMISSIONS),
    "system": ("trips:read", "bookings:read", "users:read", "notifications:send"),
}


def upgrade():
    with op.batch_alter_table("permissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("office_scoped", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        "user_permissions",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("permission_id", sa.Integer(), nullable=False),
        sa.Column("effect", sa.String(length=8), nullable=False),
        sa.Column("office_id", sa.String(length=32), nullable=True),
        sa.Column("granted_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_user_permissions_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["permission_id"], ["permissions.id"],
                                name=op.f("fk_user_permissions_permission_id_permissions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "permission_id", name=op.f("pk_user_permissions")),
    )
    op.create_table(
        "rbac_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rbac_version")),
    )
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        # BR-UI-015 asks "does this role have users?": role_id is the second key column.
        batch_op.create_index("ix_user_roles_role_id", ["role_id"], unique=False)
    with op.batch_alter_table("clients", schema=None) as batch_op:
        # The permissions a client's tokens may carry (exact names, "resource:*" or "*");
        # NULL: none.
        batch_op.add_column(sa.Column("permissions", sa.JSON(), nullable=True))

    connection = op.get_bind()
    op.bulk_insert(sa.table("rbac_version", sa.column("id", sa.Integer),
                            sa.column("version", sa.BigInteger)), [{"id": 1, "version": 1}])
    permissions = sa.table("permissions", sa.column("id", sa.Integer),
                           sa.column("name", sa.String), sa.column("description", sa.String),
                           sa.column("office_scoped", sa.Boolean))
    op.bulk_insert(permissions, [{"name": name, "office_scoped": scoped, "description": text}
                                 for name, scoped, text in PERMISSIONS])
    permission_ids = dict(connection.execute(
        sa.select(permissions.c.name, permissions.c.id)).all())
    roles = sa.table("roles", sa.column("id", sa.Integer), sa.column("name", sa.String))
    role_ids = dict(connection.execute(sa.select(roles.c.name, roles.c.id)).all())
    links = sa.table("role_permissions", sa.column("role_id", sa.Integer),
                     sa.column("permission_id", sa.Integer))
    op.bulk_insert(links, [{"role_id": role_ids[role], "permission_id": permission_ids[name]}
                           for role, names in ROLE_PERMISSIONS.items() for name in names])


def downgrade():
    names = [name for name, _scoped, _description in PERMISSIONS]
    permissions = sa.table("permissions", sa.column("id", sa.Integer),
                           sa.column("name", sa.String))
    links = sa.table("role_permissions", sa.column("permission_id", sa.Integer))
    op.execute(links.delete().where(links.c.permission_id.in_(
        sa.select(permissions.c.id).where(permissions.c.name.in_(names)))))
    op.execute(permissions.delete().where(permissions.c.name.in_(names)))
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("permissions")
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_index("ix_user_roles_role_id")
    op.drop_table("rbac_version")
    op.drop_table("user_permissions")
    with op.batch_alter_table("permissions", schema=None) as batch_op:
        batch_op.drop_column("office_scoped")
