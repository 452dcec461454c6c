"""`idp offices …`: list, approve and reject office applications."""

import json

import click

from idp.offices.models import OfficeStatus


@click.group()
def offices():
    """Transport-office applications."""


# After `offices` exists: idp.cli imports this module for it, whichever is imported first.
from idp.cli import service_command  # noqa: E402


def _describe(office) -> dict:
    from idp.offices.services import representative_of

    representative = representative_of(office)
    return {
        "id": office.id, "status": office.status, "name": office.name,
        "commercial_registration_number": office.commercial_registration_number,
        "city": office.city, "contact_person": office.contact_person,
        "representative_id": office.representative_id,
        "email": representative.email if representative else None,
        "created_at": office.created_at.isoformat(),
        "decided_at": office.decided_at.isoformat() if office.decided_at else None,
        "decided_by": office.decided_by, "rejection_reason": office.rejection_reason,
        "documents": [{"id": d.id, "filename": d.original_filename, "type": d.content_type,
                       "size": d.size, "sha256": d.sha256, "path": d.storage_path}
                      for d in office.documents],
    }


@offices.command("list")
@click.option("--status", type=click.Choice(OfficeStatus.ALL), help="Only offices in this state.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, documents "
                                                      "included.")
@service_command
def offices_list(status, as_json):
    """List applications, oldest first."""
    from idp.offices.services import list_offices

    for office in list_offices(status):
        if as_json:
            click.echo(json.dumps(_describe(office), ensure_ascii=False))
            continue
        # repr-like quoting keeps a hostile name on one line of the operator's terminal.
        name = json.dumps(office.name, ensure_ascii=False)
        click.echo(f"{office.id}  {office.status:8}  {office.commercial_registration_number}  "
                   f"{name}  {json.dumps(office.city, ensure_ascii=False)}  "
                   f"{len(office.documents)} document(s)  {office.created_at:%Y-%m-%d %H:%M}")


@offices.command("approve")
@click.argument("office_id")
@click.option("--admin", "admin_id", required=True, help="Id of the super admin deciding.")
@service_command
def offices_approve(office_id, admin_id):
    """Approve an application: activate its representative as the office's office_rep."""
    from idp.offices.services import approve_office

    office = approve_office(office_id, admin_id=admin_id)
    click.echo(f"approved {office.id}; representative {office.representative_id} is active "
               "and notified")


@offices.command("reject")
@click.argument("office_id")
@click.option("--admin", "admin_id", required=True, help="Id of the super admin deciding.")
@click.option("--reason", required=True, help="Why; sent to the office.")
@service_command
def offices_reject(office_id, admin_id, reason):
    """Reject an application; the representative is told the reason."""
    from idp.offices.services import reject_office

    office = reject_office(office_id, admin_id=admin_id, reason=reason)
    click.echo(f"rejected {office.id}; representative {office.representative_id} notified")
