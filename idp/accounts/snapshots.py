"""Read-only views of an account for the hot read paths (UserInfo).

One SELECT of the columns the claims need, on a connection in autocommit mode: no ORM object
to build and track, and no transaction to roll back when the request ends (measured on
PostgreSQL: ~0.2 ms of CPU instead of ~0.5 ms for ``db.session.get`` and its teardown, the
largest part of a UserInfo request), and run on the DB-API cursor (``_Prepared``), another
~0.17 ms. Writes never go through here.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from idp.accounts.models import Profile
from idp.accounts.models import User
from idp.accounts.models import UserStatus
from idp.extensions import db


@dataclass(frozen=True)
class ProfileSnapshot:
    name: str
    locale: str | None


@dataclass(frozen=True)
class UserSnapshot:
    """The attributes of ``User`` that claims read, frozen at the time of the SELECT."""

    id: str
    status: str
    email: str | None
    email_verified_at: object | None
    phone_encrypted: str | None
    phone_verified_at: object | None
    office_id: str | None
    updated_at: object
    profile: ProfileSnapshot | None

    @property
    def is_active(self) -> bool:
        return self.status == UserStatus.ACTIVE


_SELECT = (
    sa.select(User.id, User.status, User.email, User.email_verified_at, User.phone_encrypted,
              User.phone_verified_at, User.office_id, User.updated_at,
              Profile.user_id.label("profile_user_id"), Profile.name, Profile.locale)
    .outerjoin(Profile, Profile.user_id == User.id)
    .where(User.id == sa.bindparam("user_id"))
)


@dataclass(frozen=True)
class _Prepared:
    """``_SELECT`` made ready once for one engine: its SQL in the dialect's parameter style,
    the order of its parameters when that style is positional, and the columns' result
    processors. Run on the DB-API cursor of a pooled AUTOCOMMIT connection, it skips
    SQLAlchemy's per-execution work and the driver's column descriptions: on PostgreSQL
    ~0.13 ms of CPU instead of ~0.3 ms, a sixth of a UserInfo request."""

    engine: object
    autocommit: object
    sql: str
    positions: tuple[str, ...] | None
    processors: tuple

    @classmethod
    def of(cls, engine) -> _Prepared:
        dialect = engine.dialect
        compiled = _SELECT.compile(dialect=dialect)
        return cls(
            engine=engine,
            autocommit=engine.execution_options(isolation_level="AUTOCOMMIT"),
            sql=compiled.string,
            positions=tuple(compiled.positiontup) if compiled.positional else None,
            processors=tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                             for column in _SELECT.selected_columns),
        )

    def first(self, params: dict) -> tuple | None:
        """The first row, its values as SQLAlchemy would give them (e.g. aware datetimes from
        SQLite's strings). The parameters are plain strings: no bind processing needed."""
        if self.positions is not None:
            params = tuple(params[name] for name in self.positions)
        with self.autocommit.connect() as connection:
            cursor = connection.connection.cursor()
            try:
                cursor.execute(self.sql, params)
                raw = cursor.fetchone()
            finally:
                cursor.close()
        if raw is None:
            return None
        return tuple(value if process is None else process(value)
                     for process, value in zip(self.processors, raw, strict=True))


def _prepared() -> _Prepared:
    """The app's engine's ``_Prepared``, made once per engine."""
    engine = db.engine
    held = current_app.extensions.get(_PREPARED_KEY)
    if held is None or held.engine is not engine:
        held = current_app.extensions[_PREPARED_KEY] = _Prepared.of(engine)
    return held


_PREPARED_KEY = "idp.accounts.snapshot_query"


def user_snapshot(user_id: str | None) -> UserSnapshot | None:
    """The account ``user_id`` as committed now, or None."""
    if not user_id:
        return None
    row = _prepared().first({"user_id": user_id})
    if row is None:
        return None
    (id_, status, email, email_verified_at, phone_encrypted, phone_verified_at, office_id,
     updated_at, profile_user_id, name, locale) = row
    profile = ProfileSnapshot(name=name, locale=locale) if profile_user_id is not None else None
    return UserSnapshot(id=id_, status=status, email=email, email_verified_at=email_verified_at,
                        phone_encrypted=phone_encrypted, phone_verified_at=phone_verified_at,
                        office_id=office_id, updated_at=updated_at, profile=profile)
