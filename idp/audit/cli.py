"""`idp audit export`: the activity log as JSON Lines, filtered like the admin API's search."""

from __future__ import annotations

import getpass
import sys

import click

from idp.audit import AuditEvent
from idp.audit import record


@click.group()
def audit():
    """The activity log."""


# After `audit` exists: idp.cli imports this module for it, whichever is imported first.
from idp.cli import service_command  # noqa: E402


@audit.command("export")
@click.option("--user", "user_id", help="Only rows of this user id.")
@click.option("--event", help="An event name, or a prefix ending in * (oauth:token:*).")
@click.option("--result", help="success or failure (or another recorded result).")
@click.option("--since", help="From this ISO 8601 date or date-time (inclusive; UTC if no zone).")
@click.option("--until", help="Before this ISO 8601 date or date-time (exclusive).")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of standard output.")
@service_command
def audit_export(user_id, event, result, since, until, output):
    """Write matching rows, oldest first, one JSON object per line."""
    from idp.audit.services import LogFilter
    from idp.audit.services import export_lines
    from idp.audit.services import parse_time

    where = LogFilter(user_id=user_id, event=event, result=result,
                      since=parse_time(since, name="--since") if since else None,
                      until=parse_time(until, name="--until") if until else None)
    count = 0
    stream = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
    try:
        for line in export_lines(where):
            stream.write(line)
            count += 1
    finally:
        if output:
            stream.close()
    try:
        operator = getpass.getuser()
    except Exception:  # no login name (a container with an arbitrary uid)
        operator = "unknown"
    record(AuditEvent.Admin.AuditExported, rows=count, via="cli", operator=operator,
           filters={k: v for k, v in {"user": user_id, "event": event, "result": result,
                                      "since": since, "until": until}.items() if v})
    if output:
        click.echo(f"{count} rows written to {output}", err=True)
