"""`idp notify …`: the outbox worker."""

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group()
def notify():
    """Email and SMS delivery."""


@notify.command("work")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=None,
              help="Seconds between looks for due messages [IDP_NOTIFY_POLL_SECONDS].")
@with_appcontext
def work(once, interval):
    """Deliver the outbox: send, retry with backoff, switch to the fallback SMS provider."""
    from idp.notify.worker import deliver_until_idle
    from idp.notify.worker import work as work_forever

    if once:
        click.echo(f"{deliver_until_idle()} message(s) tried")
        return
    interval = interval or current_app.config["IDP_NOTIFY_POLL_SECONDS"]
    stop = threading.Event()
    # SIGTERM (Kubernetes stopping the pod) finishes the message in hand, then exits.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"delivering the outbox every {interval:g} s; SIGTERM or Ctrl-C stops")
    work_forever(interval, stop)
