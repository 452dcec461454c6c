"""Activity-log rows of a unit of work, written in one INSERT when it commits.

A login records three or four events (success, session ended, session started, second factor),
each its own INSERT round trip until now. ``record`` keeps them on the session instead, and
they are written together, in the same transaction, right before it commits: the log says what
the commit did, no more (a rollback drops them, as it dropped the rows before). The readers of
the log (``audit.services``: ``events``, ``search``, ``export_lines``) call ``write`` first, so
a read in the same transaction sees them. (Looking at every statement instead, to find those
that read the log, cost more than the round trips saved.)
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from idp.audit.models import ActivityLog

_KEY = "idp.audit.pending"
#: render_nulls: the ORM's bulk INSERT would otherwise group the rows by which columns are None
#: (a row without a session apart from one with it), one statement a group. Built once.
_INSERT = sa.insert(ActivityLog).execution_options(render_nulls=True)


def add(session, row: dict) -> None:
    """Keep ``row`` until ``session`` commits. Begins the session's transaction, so that a
    rollback (which ends it) drops the row too."""
    session.connection()
    session.info.setdefault(_KEY, []).append(row)


def write(session) -> None:
    """Insert the rows kept so far (at commit; and before the log is read)."""
    rows = session.info.pop(_KEY, None)
    if rows:
        session.execute(_INSERT, rows)


def _before_commit(session) -> None:
    write(session)


def _after_transaction_end(session, transaction) -> None:
    if transaction.parent is None:  # the whole unit of work ended: committed or dropped
        session.info.pop(_KEY, None)


def init_app(app) -> None:
    """Listen on every session of the app (Flask-SQLAlchemy's Session class), once."""
    if getattr(Session, "_idp_audit_listening", False):
        return
    sa.event.listen(Session, "before_commit", _before_commit)
    sa.event.listen(Session, "after_transaction_end", _after_transaction_end)
    Session._idp_audit_listening = True
