"""Read-only views of an account for the hot read paths (UserInfo).

One SELECT of the columns the claims need, on a connection in autocommit mode: no ORM object
to build and track, and no transaction to roll back when the request ends (measured on
PostgreSQL: ~0.2 ms of CPU instead of ~0.5 ms for ``db.session.get`` and its teardown, the
largest part of a UserInfo request). Writes never go through here.
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


def _autocommit_engine():
    """The app's engine with AUTOCOMMIT, made once per engine (making it costs a fifth of a
    UserInfo request)."""
    engine = db.engine
    held = current_app.extensions.get(_ENGINE_KEY)
    if held is None or held[0] is not engine:
        held = current_app.extensions[_ENGINE_KEY] = (
            engine, engine.execution_options(isolation_level="AUTOCOMMIT"))
    return held[1]


_ENGINE_KEY = "idp.accounts.autocommit_engine"


def user_snapshot(user_id: str | None) -> UserSnapshot | None:
    """The account ``user_id`` as committed now, or None."""
    if not user_id:
        return None
    with _autocommit_engine().connect() as connection:
        row = connection.execute(_SELECT, {"user_id": user_id}).first()
    if row is None:
        return None
    profile = (ProfileSnapshot(name=row.name, locale=row.locale)
               if row.profile_user_id is not None else None)
    return UserSnapshot(id=row.id, status=row.status, email=row.email,
                        email_verified_at=row.email_verified_at,
                        phone_encrypted=row.phone_encrypted,
                        phone_verified_at=row.phone_verified_at, office_id=row.office_id,
                        updated_at=row.updated_at, profile=profile)
