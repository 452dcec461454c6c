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
        from idp.audit.models import ActivityLog

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
                db.session.execute(sa.insert(ActivityLog), batch)
                db.session.commit()
            except Exception:
                db.session.rollback()
                for row in batch:
                    self.rows.put(row)
                raise
            finally:
                db.session.remove()
        return len(batch)


def init_app(app) -> None:
    interval = app.config["IDP_AUDIT_BUFFER_MS"]
    app.extensions[_EXTENSION_KEY] = AuditBuffer(app, interval) if interval > 0 else None


def audit_buffer(app) -> AuditBuffer | None:
    return app.extensions.get(_EXTENSION_KEY)
