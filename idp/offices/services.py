"""Transport offices: applying with documents, and an admin's approval or rejection
(FR-UI-001-02, UC-UI-003)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import IntegrityError

from idp import audit
from idp.accounts.errors import IdentifierTaken
from idp.accounts.identifiers import normalise_email
from idp.accounts.identifiers import normalise_phone
from idp.accounts.models import UserStatus
from idp.accounts.services import create_user
from idp.accounts.services import find_user
from idp.accounts.services import get_user
from idp.audit import AuditEvent
from idp.extensions import db
from idp.extensions import new_id
from idp.extensions import utcnow
from idp.notify import notify_user
from idp.offices.documents import CheckedDocument
from idp.offices.documents import write_files
from idp.offices.errors import DocumentsRequired
from idp.offices.errors import InvalidRegistrationNumber
from idp.offices.errors import NotSuperAdmin
from idp.offices.errors import OfficeAlreadyDecided
from idp.offices.errors import OfficeNotFound
from idp.offices.errors import RegistrationNumberTaken
from idp.offices.errors import RejectionReasonRequired
from idp.offices.errors import RepresentativeExists
from idp.offices.errors import TooManyDocuments
from idp.offices.models import Office
from idp.offices.models import OfficeDocument
from idp.offices.models import OfficeStatus
from idp.rbac.services import assign_role
from idp.rbac.services import role_names
from idp.security.password_policy import check_password_policy

OFFICE_ROLE = "office_rep"
#: Who may decide on an application: granting a role is the super admin's (BR-UI-014).
DECIDING_ROLE = "super_admin"

_SEPARATORS = re.compile(r"[\s\-_./]+")
_REGISTRATION_NUMBER = re.compile(r"[A-Z0-9]{3,32}")


@dataclass(frozen=True)
class OfficeApplication:
    """What the office typed on the signup form."""

    name: str
    commercial_registration_number: str
    city: str
    contact_person: str
    email: str
    phone: str
    password: str
    locale: str | None = None


def normalise_registration_number(value: str) -> str:
    """The number with Arabic-Indic digits made ASCII, letters upper-cased, and spaces,
    dashes, dots and slashes removed ("١٢-٣٤٥ ab" → "12345AB"); raises
    InvalidRegistrationNumber unless 3 to 32 letters and digits remain."""
    folded = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in value or "")
    compact = _SEPARATORS.sub("", folded).upper()
    if not _REGISTRATION_NUMBER.fullmatch(compact):
        raise InvalidRegistrationNumber()
    return compact


def registration_number_taken(number: str) -> bool:
    """True if an office has applied with this (normalised) registration number."""
    return db.session.scalar(db.select(Office.id).where(
        Office.commercial_registration_number == number)) is not None


def existing_account_field(*, email: str | None = None,
                           phone: str | None = None) -> str | None:
    """"email" or "phone" if that one belongs to an account already, else None."""
    if email and find_user(email) is not None:
        return "email"
    if phone and find_user(phone) is not None:
        return "phone"
    return None


def apply_for_office(application: OfficeApplication,
                     documents: Sequence[CheckedDocument]) -> Office:
    """Create a pending office, its pending representative and its documents; flush.

    The documents' files are written last, after every row is in place, and are removed again
    if the transaction does not commit. Raises InvalidRegistrationNumber,
    RegistrationNumberTaken, RepresentativeExists (EC-UI-001), InvalidIdentifier,
    PasswordRejected, DocumentsRequired, TooManyDocuments or DocumentStorageFailed; on any of
    them the caller rolls back. Records ``office:applied``.
    """
    maximum = current_app.config["IDP_OFFICE_DOCUMENTS_MAX_COUNT"]
    if not documents:
        raise DocumentsRequired()
    if len(documents) > maximum:
        raise TooManyDocuments(maximum)
    number = normalise_registration_number(application.commercial_registration_number)
    if registration_number_taken(number):
        raise RegistrationNumberTaken()
    email = normalise_email(application.email)
    phone = normalise_phone(application.phone)
    taken = existing_account_field(email=email, phone=phone)
    if taken:
        raise RepresentativeExists(taken)
    check_password_policy(application.password, email=email, phone=phone,
                          name=application.contact_person)
    try:
        representative = create_user(email=email, phone=phone, password=application.password,
                                     name=application.contact_person, verified=False,
                                     locale=application.locale)
    except IdentifierTaken:  # lost a race with another signup
        raise RepresentativeExists(existing_account_field(email=email, phone=phone)
                                   or "email") from None
    office = Office(id=new_id(), name=application.name.strip(),
                    commercial_registration_number=number, city=application.city.strip(),
                    contact_person=application.contact_person.strip(),
                    representative_id=representative.id, status=OfficeStatus.PENDING)
    files = []
    for document in documents:
        row = OfficeDocument(id=new_id(), original_filename=document.filename,
                             content_type=document.content_type, size=document.size,
                             sha256=document.sha256)
        row.storage_path = f"{office.id}/{row.id}.{document.extension}"
        office.documents.append(row)
        files.append((row.storage_path, document.data))
    db.session.add(office)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the registration number, taken meanwhile by another signup
        raise RegistrationNumberTaken() from None
    write_files(files)
    audit.record(AuditEvent.Office.Applied, user_id=representative.id, office_id=office.id,
                 documents=len(files))
    return office


def get_office(office_id: str | None) -> Office | None:
    """The office with this id, or None."""
    return db.session.get(Office, office_id) if office_id else None


def list_offices(status: str | None = None) -> list[Office]:
    """Offices, oldest application first, optionally only those in ``status``."""
    query = db.select(Office).order_by(Office.created_at, Office.id)
    if status:
        query = query.where(Office.status == status)
    return list(db.session.scalars(query))


def representative_of(office: Office):
    """The office's representative account, or None if it was deleted."""
    return get_user(office.representative_id)


def pending_application_of(user) -> Office | None:
    """The office application ``user`` made that waits for a decision, or None: what the
    login page can tell a representative who tries to sign in before approval."""
    if user is None:
        return None
    return db.session.scalar(db.select(Office).where(
        Office.representative_id == user.id, Office.status == OfficeStatus.PENDING))


def approve_office(office_id: str, *, admin_id: str) -> Office:
    """Approve a pending office: its representative becomes active, bound to the office
    (``users.office_id``, which access tokens carry) with the ``office_rep`` role, and is told
    by email and SMS.

    The admin's approval stands for the verification of the representative's email and phone
    (BR-UI-003/004): the admin checked the office's documents and contacts, so both are marked
    verified if they are not yet. Raises OfficeNotFound, OfficeAlreadyDecided, NotSuperAdmin.
    Records ``office:approved``.
    """
    office, admin = _pending_office(office_id), _deciding_admin(admin_id)
    office.status = OfficeStatus.APPROVED
    office.decided_at = utcnow()
    office.decided_by = admin.id
    representative = representative_of(office)
    if representative is not None:
        _activate_representative(representative, office)
        assign_role(representative, OFFICE_ROLE)
        notify_user(representative, "office_approved", _message_context(office))
    db.session.flush()
    audit.record(AuditEvent.Office.Approved, user_id=admin.id, office_id=office.id,
                 representative_id=office.representative_id)
    return office


def reject_office(office_id: str, *, admin_id: str, reason: str) -> Office:
    """Reject a pending office with ``reason``, which its representative is told by email and
    SMS. The representative's account is disabled: it was made only for this application.
    Raises RejectionReasonRequired, OfficeNotFound, OfficeAlreadyDecided, NotSuperAdmin.
    Records ``office:rejected``.
    """
    reason = (reason or "").strip()
    if not reason:
        raise RejectionReasonRequired()
    office, admin = _pending_office(office_id), _deciding_admin(admin_id)
    office.status = OfficeStatus.REJECTED
    office.rejection_reason = reason
    office.decided_at = utcnow()
    office.decided_by = admin.id
    representative = representative_of(office)
    if representative is not None:
        # Through the User the accounts services returned; accounts has no status API yet.
        representative.status = UserStatus.DISABLED
        notify_user(representative, "office_rejected", _message_context(office))
    db.session.flush()
    audit.record(AuditEvent.Office.Rejected, user_id=admin.id, office_id=office.id,
                 representative_id=office.representative_id)
    return office


def _pending_office(office_id: str) -> Office:
    office = get_office(office_id)
    if office is None:
        raise OfficeNotFound()
    if office.status != OfficeStatus.PENDING:
        raise OfficeAlreadyDecided(office.status)
    return office


def _deciding_admin(admin_id: str):
    admin = get_user(admin_id)
    if admin is None or not admin.is_active or DECIDING_ROLE not in role_names(admin.id):
        raise NotSuperAdmin()
    return admin


def _activate_representative(user, office: Office) -> None:
    # Through the User the accounts services returned; accounts has no activation API yet.
    now = utcnow()
    user.status = UserStatus.ACTIVE
    user.office_id = office.id
    if user.email and user.email_verified_at is None:
        user.email_verified_at = now
    if user.phone_digest and user.phone_verified_at is None:
        user.phone_verified_at = now


def _message_context(office: Office) -> dict:
    return {"office_name": office.name, "contact_person": office.contact_person,
            "reason": office.rejection_reason or "",
            "login_url": current_app.config["IDP_ISSUER"] + "/login"}
