"""Batched writing of high-rate audit rows that change no state (a client-credentials token).

Such rows queue in process memory and one background thread per worker writes them in a single
INSERT every IDP_AUDIT_BUFFER_MS. It takes the database write off the request (on the token
endpoint, a third of its CPU time) at the price of losing at most that window of rows if the
process dies. Rows that record a change of state never come here: they are written in the
transaction of the change.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading

import sqlalchemy as sa

from idp.extensions import db
from idp.extensions import utcnow

log = logging.getLogger(__name__)
_EXTENSION_KEY = "idp.audit_buffer"


class AuditBuffer:
    def __init__(self, app, interval_ms: int):
        self.app = app
        self.interval = interval_ms / 1000
        self.rows: queue.SimpleQueue = queue.SimpleQueue()
        self._started = False
        self._lock = threading.Lock()

    def add(self, row: dict) -> None:
        self.rows.put(row)
        if not self._started:
            self._start()

    def _start(self) -> None:
        with self._lock:
            if self._started:
                return
            # Started on first use, so in each gunicorn worker after the fork.
            threading.Thread(target=self._run, name="idp-audit-buffer", daemon=True).start()
            atexit.register(self.flush)
            self._started = True

    def _run(self) -> None:
        stop = threading.Event()
        while not stop.wait(self.interval):
            try:
                self.flush()
            except Exception:  # keep the thread alive; the rows are retried next time
                log.exception("writing buffered audit rows failed")

    def flush(self) -> int:
        """Write every queued row now; return how many."""
        batch = []
        while True:
            try:
                batch.append(self.rows.get_nowait())
            except queue.Empty:
                break
        if not batch:
            return 0
        with self.app.app_context():
            try:
                _write(batch)
            except Exception:
                for row in batch:
                    self.rows.put(row)
                raise
        return len(batch)


#: The columns a buffered row fills, in COPY's order (``id`` is the sequence's).
_COLUMNS = ("event", "result", "user_id", "client_id", "session_id", "ip", "user_agent",
            "detail", "created_at")


def _write(batch: list[dict]) -> None:
    """One transaction for the batch: on PostgreSQL a COPY (about 13 µs a row, against 45-50
    µs for an INSERT of many rows, measured with 40-row batches), elsewhere one INSERT. Rows
    are as ``audit.record`` makes them, every column given."""
    from idp.audit.models import ActivityLog

    table = ActivityLog.__table__
    with db.engine.begin() as connection:
        if connection.dialect.name != "postgresql":
            connection.execute(sa.insert(table), batch)
            return
        import psycopg
        from psycopg.types.json import Json

        statement = f"COPY {table.name} ({', '.join(_COLUMNS)}) FROM STDIN"
        try:
            with connection.connection.driver_connection.cursor() as cursor:
                with cursor.copy(statement) as copy:
                    for row in batch:
                        detail = row.get("detail")
                        copy.write_row([row.get(name) for name in _COLUMNS[:-2]]
                                       + [None if detail is None else Json(detail),
                                          row.get("created_at") or utcnow()])
        except psycopg.Error as exc:  # reported as SQLAlchemy reports the INSERT's errors
            raise sa.exc.DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


def init_app(app) -> None:
    interval = app.config["IDP_AUDIT_BUFFER_MS"]
    app.extensions[_EXTENSION_KEY] = AuditBuffer(app, interval) if interval > 0 else None


def audit_buffer(app) -> AuditBuffer | None:
    return app.extensions.get(_EXTENSION_KEY)
