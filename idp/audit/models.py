from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import Session
from sqlalchemy.orm import mapped_column

from idp.extensions import UTCDateTime
from idp.extensions import db
from idp.extensions import utcnow


class ActivityLog(db.Model):
    """One security decision. Append-only: the application has no update or delete path."""

    __tablename__ = "activity_log"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    event: Mapped[str] = mapped_column(sa.String(64), index=True)
    result: Mapped[str] = mapped_column(sa.String(16), default="success")
    user_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    client_id: Mapped[str | None] = mapped_column(sa.String(64))
    session_id: Mapped[str | None] = mapped_column(sa.String(32))
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(512))
    detail: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)


class LoginAttempt(db.Model):
    """A password or code attempt, kept for lockout and for the audit trail (BR-UI-006/010)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    identifier_digest: Mapped[str] = mapped_column(sa.String(64), index=True)
    success: Mapped[bool] = mapped_column(sa.Boolean)
    reason: Mapped[str | None] = mapped_column(sa.String(64))
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(512))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AppendOnlyViolation(RuntimeError):
    """Something tried to change or remove an activity-log row (BR-UI-010, issue 5 §5)."""


def _refuse_change(_mapper, _connection, target) -> None:
    raise AppendOnlyViolation(f"the activity log is append-only: row {target.id} stays as written")


def _refuse_bulk_change(execute_state) -> None:
    """``update()`` / ``delete()`` of the activity log run through a session (ORM or Core)."""
    if not (execute_state.is_update or execute_state.is_delete):
        return
    table = getattr(execute_state.statement, "table", None)
    if table is not None and getattr(table, "name", None) == ActivityLog.__tablename__:
        raise AppendOnlyViolation("the activity log is append-only: no bulk update or delete")


# The ORM refuses to change a row; on PostgreSQL a trigger (migration 0011) refuses any UPDATE
# or DELETE that reaches the table by another road.
sa.event.listen(ActivityLog, "before_update", _refuse_change)
sa.event.listen(ActivityLog, "before_delete", _refuse_change)
sa.event.listen(Session, "do_orm_execute", _refuse_bulk_change)
