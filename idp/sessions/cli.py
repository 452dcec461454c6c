"""`idp sessions …`: the idle-expiry sweep."""

import threading

import click
from flask.cli import with_appcontext


@click.group()
def sessions():
    """Login sessions."""


@sessions.command("sweep")
@click.option("--every", type=click.FloatRange(min=1), default=None,
              help="Keep sweeping every this many seconds (default: once, then exit).")
@click.option("--batch", type=click.IntRange(min=1), default=None,
              help="Sessions ended per transaction [IDP_SESSION_SWEEP_BATCH].")
@with_appcontext
def sweep(every, batch):
    """End idle and expired sessions (BR-UI-008); their tokens are revoked and their clients
    told through back-channel logout."""
    import signal

    from idp.extensions import db
    from idp.sessions.services import sweep as sweep_sessions

    if every is None:
        click.echo(f"{sweep_sessions(batch=batch)} session(s) ended")
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.is_set():
        ended = sweep_sessions(batch=batch)
        db.session.remove()
        if ended:
            click.echo(f"{ended} session(s) ended")
        stop.wait(every)
