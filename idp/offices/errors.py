"""What can go wrong with an office application. ``field`` names the signup form field a
refusal belongs to (None: the form as a whole), so the page shows it beside what was typed.

Messages that quote a file name are plain ``str`` (rendered now, in the request's language):
a lazy string's ``__html__`` would let Jinja print the user's file name unescaped."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from idp.accounts.errors import AccountExists
from idp.errors import IdpError
from idp.errors import InvalidInput
from idp.errors import NotFound


class OfficeSignupRefused(InvalidInput):
    """An application that cannot be accepted as sent; nothing of it is kept."""

    code = "office_signup_refused"
    field: str | None = None


class InvalidRegistrationNumber(OfficeSignupRefused):
    code = "invalid_registration_number"
    field = "commercial_registration_number"
    description = _l("Enter the commercial registration number: 3 to 32 letters and digits.")


class RegistrationNumberTaken(OfficeSignupRefused):
    code = "registration_number_taken"
    status = 409
    field = "commercial_registration_number"
    description = _l("An office with this commercial registration number has applied already. "
                     "If it is yours, sign in with the representative's account or contact "
                     "support.")


class RepresentativeExists(AccountExists, OfficeSignupRefused):
    """The email or phone belongs to an account already (BR-UI-001/002, EC-UI-001): the
    accounts package's refusal, shown beside the office form's field."""


class DocumentsRequired(OfficeSignupRefused):
    code = "documents_required"
    field = "documents"
    description = _l("Attach at least one document: the commercial registration or licence "
                     "(PDF, PNG or JPEG).")


class TooManyDocuments(OfficeSignupRefused):
    code = "too_many_documents"
    field = "documents"

    def __init__(self, maximum: int):
        super().__init__(_("Attach at most %(count)d documents.", count=maximum))


class DocumentRejected(OfficeSignupRefused):
    """One uploaded file cannot be accepted; the message names it."""

    code = "document_rejected"
    field = "documents"


class DocumentEmpty(DocumentRejected):
    def __init__(self, filename: str):
        super().__init__(_("“%(name)s” is empty.", name=filename))


class DocumentTooLarge(DocumentRejected):
    code = "document_too_large"
    status = 413

    def __init__(self, filename: str, max_bytes: int):
        super().__init__(_("“%(name)s” is larger than %(size)s MB. Send a smaller scan or "
                           "photo.", name=filename, size=megabytes(max_bytes)))


class DocumentTypeNotAllowed(DocumentRejected):
    code = "document_type_not_allowed"
    status = 415

    def __init__(self, filename: str):
        super().__init__(_("“%(name)s” is not a PDF, PNG or JPEG file. Only these types are "
                           "accepted.", name=filename))


class DocumentNameMismatch(DocumentRejected):
    """The name claims one type and the bytes are another: a PDF named .png, say."""

    code = "document_name_mismatch"
    status = 415

    def __init__(self, filename: str, kind: str):
        super().__init__(_("“%(name)s” is named as another type of file but contains a "
                           "%(kind)s document. Rename it or choose the right file.",
                           name=filename, kind=kind))


class DocumentDamaged(DocumentRejected):
    code = "document_damaged"

    def __init__(self, filename: str):
        super().__init__(_("“%(name)s” could not be read: the file is damaged or incomplete.",
                           name=filename))


class ImageTooLarge(DocumentRejected):
    code = "image_too_large"

    def __init__(self, filename: str):
        super().__init__(_("“%(name)s” has too many pixels. Scan it at a lower resolution.",
                           name=filename))


class DocumentStorageFailed(IdpError):
    """The documents directory could not be written: the server's fault, not the user's."""

    code = "server_error"
    status = 500


class OfficeNotFound(NotFound):
    code = "office_not_found"
    description = _l("There is no office with this id.")


class OfficeAlreadyDecided(IdpError):
    code = "office_already_decided"
    status = 409

    def __init__(self, status: str):
        super().__init__(_l("This office application has been decided already: %(status)s.",
                            status=status))


class NotSuperAdmin(IdpError):
    """Only a super admin grants roles (BR-UI-014); approving grants ``office_rep``."""

    code = "not_super_admin"
    status = 403
    description = _l("Only an active super admin may approve or reject offices.")


class RejectionReasonRequired(InvalidInput):
    code = "reason_required"
    description = _l("Give the reason for the rejection: the office is told it.")


def megabytes(size: int) -> str:
    """``size`` bytes in MB for people: 5242880 → "5", 1572864 → "1.5"."""
    value = size / (1024 * 1024)
    return f"{value:.1f}".rstrip("0").rstrip(".")
