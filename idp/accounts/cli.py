"""`idp users recover`: support-assisted recovery for a user who lost both password and email
(EC-UI-002); `idp users import`: accounts moved in from another platform (issue 4). Added to
the `users` group of ``idp.cli`` on import."""

import json
import sys

import click

from idp.cli import service_command
from idp.cli import users


@users.command("recover")
@click.option("--user", "user_id", required=True, help="Id of the account to recover.")
@click.option("--support-admin", "support_admin_id", required=True,
              help="Id of the support admin doing it (support_admin or super_admin role).")
@click.option("--checks", required=True,
              help="The identity checks performed, as they are to be kept in the audit log.")
@click.option("--new-email", help="A new email address for the account: gets a reset link.")
@click.option("--new-phone", help="A new phone number for the account: gets a reset code.")
@service_command
def users_recover(user_id, support_admin_id, checks, new_email, new_phone):
    """Record identity checks, set a new verified contact and send a reset to it."""
    from idp.accounts.passwords import start_support_recovery

    channel = start_support_recovery(user_id, support_admin_id=support_admin_id, checks=checks,
                                     new_email=new_email, new_phone=new_phone)
    click.echo(json.dumps({"id": user_id, "sent": "reset link" if channel == "email"
                           else "reset code", "to": new_email or new_phone}))


@users.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@service_command
def users_import(file):
    """Create or update accounts from a JSON-lines FILE (see idp/accounts/importing.py):
    bcrypt or argon2 password hashes keep working, bad lines are reported by number."""
    from idp.accounts.importing import import_users

    summary = import_users(file)
    for number, reason in summary.failed:
        click.echo(f"line {number}: {reason}", err=True)
    click.echo(json.dumps({"created": summary.created, "updated": summary.updated,
                           "failed": len(summary.failed)}))
    if summary.failed:
        sys.exit(1)
