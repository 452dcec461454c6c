"""In-process delivery for development: no worker to run, messages leave within a second.

When IDP_NOTIFY_INLINE is on, a request whose transaction committed queued messages wakes one
daemon thread per process (the courier), which delivers inside its own app context. It also
looks for due messages every IDP_NOTIFY_POLL_SECONDS, so retries and messages queued by the
command line go out too. Messages queued in a transaction that rolls back are never sent: they
were never written. Production runs `idp notify work` instead.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask
from flask import current_app
from flask import g
from flask import has_app_context
from sqlalchemy import event

from idp.extensions import db

log = logging.getLogger("idp.notify")
_EXTENSION_KEY = "idp.notify.courier"
_QUEUED = "idp.notify.queued"  # session.info: ids queued in the open transaction
_COMMITTED = "_idp_notify_committed"  # g: this request committed queued messages
_listening = False


def note_queued(message_id: str) -> None:
    """Remember that the open transaction queued a message (services call this)."""
    db.session.info.setdefault(_QUEUED, []).append(message_id)


def _after_commit(session) -> None:
    if session.info.pop(_QUEUED, None) and has_app_context():
        setattr(g, _COMMITTED, True)


def _after_rollback(session) -> None:
    session.info.pop(_QUEUED, None)


class Courier:
    """One daemon thread delivering the outbox of ``app``, started on the first request (so in
    each gunicorn worker after the fork)."""

    def __init__(self, app: Flask):
        self.app = app
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="idp-notify-courier",
                                                daemon=True)
                self._thread.start()

    def kick(self) -> None:
        self.start()
        self._wake.set()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        from idp.notify.worker import deliver_until_idle

        interval = self.app.config["IDP_NOTIFY_POLL_SECONDS"]
        while not self._stop.is_set():
            self._wake.wait(interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            with self.app.app_context():
                try:
                    deliver_until_idle()
                except Exception:  # the next wake-up tries again; nothing is lost
                    log.exception("in-process delivery failed")


def _after_request_teardown(_exc) -> None:
    courier = current_app.extensions.get(_EXTENSION_KEY)
    if courier is None:
        return
    if g.pop(_COMMITTED, False):
        courier.kick()
    else:
        courier.start()


def init_app(app: Flask) -> None:
    global _listening
    enabled = app.config["IDP_NOTIFY_INLINE"]
    if enabled == "":
        enabled = app.config["IDP_ENV"] != "production"
    app.extensions[_EXTENSION_KEY] = Courier(app) if enabled else None
    if not enabled:
        return
    if not _listening:  # the session factory is shared by every app built in this process
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)
        _listening = True
    app.teardown_request(_after_request_teardown)


def courier(app: Flask) -> Courier | None:
    """The app's in-process courier, or None when inline delivery is off."""
    return app.extensions.get(_EXTENSION_KEY)
