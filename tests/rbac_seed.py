"""The roles and permissions migration 0009 seeds, kept between tests as the migration left them.

Tests change them (``flows.grant_permissions``, the admin API's role routes): after each test
the three tables go back to the snapshot taken once after migrating, and the workers' caches
are dropped.
"""

from __future__ import annotations

import sqlalchemy as sa

from idp.extensions import db

TABLES = ("roles", "permissions", "role_permissions")


def snapshot() -> dict[str, list[dict]]:
    with db.engine.connect() as connection:
        return {name: [dict(row._mapping) for row in connection.execute(
            sa.select(db.metadata.tables[name]))] for name in TABLES}


def restore(connection, seed: dict[str, list[dict]]) -> None:
    """Put the seeded rows back (in the caller's transaction, after user_roles and
    user_permissions were emptied)."""
    from idp.rbac.cache import forget

    tables = {name: db.metadata.tables[name] for name in TABLES}
    connection.execute(tables["role_permissions"].delete())
    connection.execute(tables["permissions"].delete())
    seeded_roles = [row["id"] for row in seed["roles"]]
    connection.execute(tables["roles"].delete().where(tables["roles"].c.id.not_in(seeded_roles)))
    for row in seed["roles"]:
        connection.execute(tables["roles"].update().where(tables["roles"].c.id == row["id"])
                           .values(**row))
    for name in ("permissions", "role_permissions"):
        if seed[name]:
            connection.execute(sa.insert(tables[name]), seed[name])
    forget()
