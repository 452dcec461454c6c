"""`idp admin emergency`: the break-glass super admin."""

from __future__ import annotations

import click


@click.group()
def admin():
    """Administration that cannot wait for an administrator."""


# After `admin` exists: idp.cli imports this module for it, whichever is imported first.
from idp.cli import service_command  # noqa: E402


@admin.command("emergency")
@click.option("--email", required=True, help="Email of the emergency super admin.")
@click.option("--phone", help="Its phone number (E.164), for a new account.")
@click.option("--name", default="Emergency administrator", show_default=True)
@service_command
def admin_emergency(email, phone, name):
    """Create or re-enable a super admin with a one-time password, shown once.

    The account must change the password and enrol a second factor at its first sign-in. The
    security contact (IDP_SECURITY_CONTACT) is alerted by email and the event is recorded.
    """
    from idp.admin.breakglass import emergency_account
    from idp.admin.breakglass import security_contact
    from idp.extensions import db

    account = emergency_account(email, phone=phone, name=name)
    db.session.commit()  # stored before the password is shown
    click.echo(f"{'created' if account.created else 're-enabled'} super admin "
               f"{account.email} ({account.user_id})")
    click.echo(f"one-time password (shown once, change it at first sign-in): "
               f"{account.one_time_password}")
    contact = security_contact()
    if contact:
        click.echo(f"alert sent to {contact}")
    else:
        click.echo("warning: IDP_SECURITY_CONTACT is not set; only the account's address was "
                   "alerted", err=True)
