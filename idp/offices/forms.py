from __future__ import annotations

import unicodedata

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField
from wtforms import MultipleFileField
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import StopValidation
from wtforms.validators import ValidationError

from idp.accounts.errors import PasswordRejected
from idp.accounts.identifiers import InvalidIdentifier
from idp.accounts.identifiers import normalise_email
from idp.accounts.identifiers import normalise_phone
from idp.offices.documents import CheckedDocument
from idp.offices.documents import check_document
from idp.offices.documents import clean_filename
from idp.offices.documents import read_upload
from idp.offices.errors import DocumentRejected
from idp.offices.errors import DocumentsRequired
from idp.offices.errors import InvalidRegistrationNumber
from idp.offices.errors import RegistrationNumberTaken
from idp.offices.errors import RepresentativeExists
from idp.offices.errors import TooManyDocuments
from idp.offices.services import OfficeApplication
from idp.offices.services import existing_account_field
from idp.offices.services import normalise_registration_number
from idp.offices.services import registration_number_taken
from idp.security.password_policy import check_password_policy

TOO_LONG = _l("This is too long.")
ACCEPTED_FILES = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"


def plain_text(form, field) -> None:
    """Refuse control characters: a NUL cannot even be stored in PostgreSQL text, and the
    others (bidi overrides) only serve to disguise a name."""
    if field.data and any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in field.data):
        raise ValidationError(_l("Use letters, digits and punctuation only."))


class OfficeSignupForm(FlaskForm):
    """The transport-office application (FR-UI-001-02). After ``validate()``,
    ``checked_documents`` holds the uploads accepted by content and ``account_exists`` names
    the field ("email" or "phone") whose account exists already (EC-UI-001), if any."""

    name = StringField(
        _l("Office name"),
        validators=[InputRequired(_l("Enter the office's name.")),
                    Length(max=200, message=TOO_LONG), plain_text],
        render_kw={"autocomplete": "organization"})
    commercial_registration_number = StringField(
        _l("Commercial registration number"),
        validators=[InputRequired(_l("Enter the commercial registration number.")),
                    Length(max=64, message=TOO_LONG), plain_text],
        render_kw={"dir": "ltr", "autocomplete": "off", "spellcheck": "false"})
    city = StringField(
        _l("City"),
        validators=[InputRequired(_l("Enter the city of the office.")),
                    Length(max=100, message=TOO_LONG), plain_text],
        render_kw={"autocomplete": "address-level2"})
    contact_person = StringField(
        _l("Contact person"),
        validators=[InputRequired(_l("Enter the name of the person we can contact.")),
                    Length(max=200, message=TOO_LONG), plain_text],
        render_kw={"autocomplete": "name"})
    email = StringField(
        _l("Email"),
        validators=[InputRequired(_l("Enter the email address.")),
                    Length(max=254, message=TOO_LONG)],
        render_kw={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false",
                   "dir": "ltr", "inputmode": "email", "type": "email"})
    phone = StringField(
        _l("Mobile phone number"),
        validators=[InputRequired(_l("Enter the mobile phone number.")),
                    Length(max=32, message=TOO_LONG)],
        render_kw={"autocomplete": "tel", "dir": "ltr", "inputmode": "tel"})
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Choose a password.")), Length(max=1024, message=TOO_LONG)],
        render_kw={"autocomplete": "new-password", "dir": "ltr"})
    documents = MultipleFileField(
        _l("Documents"),
        render_kw={"accept": ACCEPTED_FILES})
    terms = BooleanField(
        _l("I accept the terms and conditions"),
        validators=[DataRequired(_l("Accept the terms and conditions to apply."))])

    checked_documents: list[CheckedDocument]
    account_exists: str | None = None

    def validate_commercial_registration_number(self, field) -> None:
        try:
            number = normalise_registration_number(field.data)
        except InvalidRegistrationNumber as exc:
            raise ValidationError(str(exc.description)) from None
        if registration_number_taken(number):
            raise ValidationError(str(RegistrationNumberTaken.description))

    def validate_email(self, field) -> None:
        try:
            email = normalise_email(field.data)
        except InvalidIdentifier as exc:
            raise ValidationError(str(exc.description)) from None
        self._refuse_existing(field, email=email)

    def validate_phone(self, field) -> None:
        try:
            phone = normalise_phone(field.data)
        except InvalidIdentifier as exc:
            raise ValidationError(str(exc.description)) from None
        self._refuse_existing(field, phone=phone)

    def _refuse_existing(self, field, **identifier) -> None:
        taken = existing_account_field(**identifier)
        if taken:
            self.account_exists = self.account_exists or taken
            raise ValidationError(str(RepresentativeExists(taken).description))

    def validate_password(self, field) -> None:
        if self.email.errors or self.phone.errors:
            contacts = {}  # checked once they are valid; a typo must not hide the password rule
        else:
            contacts = {"email": self.email.data, "phone": self.phone.data}
        try:
            check_password_policy(field.data, name=self.contact_person.data, **contacts)
        except PasswordRejected as exc:
            raise ValidationError(str(exc.description)) from None

    def validate_documents(self, field) -> None:
        config = current_app.config
        # A text part named "documents" (a hand-made request) is not a file: ignored.
        uploads = [upload for upload in field.data or []
                   if isinstance(upload, FileStorage) and upload.filename]
        self.checked_documents = []
        if not uploads:
            raise StopValidation(str(DocumentsRequired.description))
        if len(uploads) > config["IDP_OFFICE_DOCUMENTS_MAX_COUNT"]:
            raise StopValidation(str(TooManyDocuments(
                config["IDP_OFFICE_DOCUMENTS_MAX_COUNT"]).description))
        problems = []
        for upload in uploads:
            name = clean_filename(upload.filename)
            try:
                data = read_upload(upload.stream, name, config["IDP_OFFICE_DOCUMENT_MAX_BYTES"])
                self.checked_documents.append(check_document(
                    name, data, max_bytes=config["IDP_OFFICE_DOCUMENT_MAX_BYTES"],
                    max_pixels=config["IDP_OFFICE_IMAGE_MAX_PIXELS"]))
            except DocumentRejected as exc:
                problems.append(str(exc.description))
        if problems:
            field.errors.extend(problems[:-1])
            raise ValidationError(problems[-1])

    def application(self, locale: str | None) -> OfficeApplication:
        return OfficeApplication(
            name=self.name.data, commercial_registration_number=(
                self.commercial_registration_number.data),
            city=self.city.data, contact_person=self.contact_person.data, email=self.email.data,
            phone=self.phone.data, password=self.password.data, locale=locale)
