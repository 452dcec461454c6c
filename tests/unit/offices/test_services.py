"""Applying, approving and rejecting, called as the views and the CLI call them, on the real
database and a real documents folder."""

import pytest

from idp.accounts.services import create_user
from idp.accounts.services import find_user
from idp.extensions import db
from idp.offices.documents import check_document
from idp.offices.documents import stored_file
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
from idp.offices.services import OfficeApplication
from idp.offices.services import apply_for_office
from idp.offices.services import approve_office
from idp.offices.services import get_office
from idp.offices.services import list_offices
from idp.offices.services import normalise_registration_number
from idp.offices.services import pending_application_of
from idp.offices.services import reject_office
from idp.rbac.services import assign_role
from tests.flows import PASSWORD
from tests.unit.offices.samples import jpeg_bytes
from tests.unit.offices.samples import pdf_bytes

LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 40_000_000}


@pytest.fixture
def documents_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "office-documents"
    monkeypatch.setitem(app.config, "IDP_OFFICE_DOCUMENTS_DIR", str(folder))
    return folder


def files_in(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def application(**changes) -> OfficeApplication:
    values = {"name": "Saba Express", "commercial_registration_number": "12345",
              "city": "Sana'a", "contact_person": "Khaled Harbi", "email": "office@saba.example",
              "phone": "+967771234568", "password": PASSWORD, "locale": "ar"}
    values.update(changes)
    return OfficeApplication(**values)


def documents():
    return [check_document("registration.pdf", pdf_bytes(), **LIMITS),
            check_document("licence.jpg", jpeg_bytes(), **LIMITS)]


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def super_admin():
    admin = create_user(email="root@platform.example", phone=None, password=PASSWORD,
                        verified=True)
    assign_role(admin, "super_admin")
    return admin


class TestNormaliseRegistrationNumber:
    @pytest.mark.parametrize(("typed", "stored"), [
        ("12345", "12345"), (" 12-345 ", "12345"), ("١٢٣٤٥", "12345"), ("۱۲۳۴۵", "12345"),
        ("cr/2024/77", "CR202477"), ("ab 12.3", "AB123"),
    ])
    def test_same_number_however_typed(self, typed, stored):
        assert normalise_registration_number(typed) == stored

    @pytest.mark.parametrize("typed", ["", "12", "<script>", "سجل١٢٣", "1" * 33])
    def test_refuses_what_is_not_a_number(self, typed):
        with pytest.raises(InvalidRegistrationNumber):
            normalise_registration_number(typed)


class TestApplyForOffice:
    def test_fr_ui_001_02_creates_pending_office_and_representative(self, ctx, documents_dir):
        office = apply_for_office(application(), documents())
        db.session.commit()

        office = get_office(office.id)
        assert office.status == "pending"
        assert office.commercial_registration_number == "12345"
        representative = find_user("office@saba.example")
        assert office.representative_id == representative.id
        assert representative.status == "pending"
        assert representative.office_id is None  # bound only on approval
        assert representative.profile.name == "Khaled Harbi"
        assert representative.profile.locale == "ar"
        assert pending_application_of(representative).id == office.id
        stored = sorted(stored_file(d.storage_path) for d in office.documents)
        assert stored == files_in(documents_dir)
        assert sorted(d.content_type for d in office.documents) == ["application/pdf",
                                                                    "image/jpeg"]
        assert all("registration" not in p.name and "licence" not in p.name for p in stored)
        assert all(p.stat().st_mode & 0o777 == 0o600 for p in stored)

    def test_fr_ui_001_02_files_go_when_the_transaction_rolls_back(self, ctx, documents_dir):
        apply_for_office(application(), documents())
        assert len(files_in(documents_dir)) == 2  # written before the commit...

        db.session.rollback()

        assert files_in(documents_dir) == []  # ...and gone with the rows
        assert count(Office) == count(OfficeDocument) == 0
        assert find_user("office@saba.example") is None

    def test_fr_ui_001_02_files_go_when_the_session_closes_without_commit(self, ctx,
                                                                          documents_dir):
        apply_for_office(application(), documents())
        db.session.remove()
        assert files_in(documents_dir) == []

    def test_fr_ui_001_02_files_stay_after_commit_and_a_later_rollback(self, ctx,
                                                                       documents_dir):
        apply_for_office(application(), documents())
        db.session.commit()
        db.session.rollback()
        db.session.remove()
        assert len(files_in(documents_dir)) == 2

    def test_duplicate_registration_number_writes_nothing(self, ctx, documents_dir):
        apply_for_office(application(), documents())
        db.session.commit()

        with pytest.raises(RegistrationNumberTaken):
            apply_for_office(application(commercial_registration_number="١٢-٣٤٥",
                                         email="other@office.example", phone="+967771234569"),
                             documents())
        db.session.rollback()

        assert count(Office) == 1 and len(files_in(documents_dir)) == 2
        assert find_user("other@office.example") is None

    @pytest.mark.parametrize(("changes", "field"), [
        ({"email": "Office@Saba.example"}, "email"), ({"phone": "0771234568"}, "phone")])
    def test_ec_ui_001_existing_account_is_named(self, ctx, documents_dir, changes, field):
        create_user(email="office@saba.example", phone="+967771234568", password=PASSWORD)
        db.session.commit()
        other = {"email": "new@saba.example", "phone": "+967771234569"}
        other.update(changes)

        with pytest.raises(RepresentativeExists) as refused:
            apply_for_office(application(**other), documents())

        assert refused.value.field == field
        db.session.rollback()
        assert count(Office) == 0 and files_in(documents_dir) == []

    def test_documents_are_required_and_limited(self, ctx, documents_dir, app, monkeypatch):
        with pytest.raises(DocumentsRequired):
            apply_for_office(application(), [])
        monkeypatch.setitem(app.config, "IDP_OFFICE_DOCUMENTS_MAX_COUNT", 1)
        with pytest.raises(TooManyDocuments):
            apply_for_office(application(), documents())

    def test_script_in_name_is_stored_as_text(self, ctx, documents_dir):
        office = apply_for_office(application(name="<script>alert(1)</script>"), documents())
        db.session.commit()
        assert get_office(office.id).name == "<script>alert(1)</script>"


@pytest.fixture
def pending(ctx, documents_dir):
    office = apply_for_office(application(), documents())
    db.session.commit()
    return office


class TestDecisions:
    def test_only_a_super_admin_decides(self, pending):
        customer = create_user(email="c@example.com", phone=None, password=PASSWORD,
                               verified=True)
        db.session.commit()
        for admin_id in (customer.id, "no-such-user"):
            with pytest.raises(NotSuperAdmin):
                approve_office(pending.id, admin_id=admin_id)
            with pytest.raises(NotSuperAdmin):
                reject_office(pending.id, admin_id=admin_id, reason="No licence")

    def test_unknown_office(self, pending):
        admin = super_admin()
        with pytest.raises(OfficeNotFound):
            approve_office("nope", admin_id=admin.id)

    def test_rejection_needs_a_reason(self, pending):
        admin = super_admin()
        with pytest.raises(RejectionReasonRequired):
            reject_office(pending.id, admin_id=admin.id, reason="   ")

    def test_a_decided_office_cannot_be_decided_again(self, pending):
        admin = super_admin()
        db.session.commit()
        reject_office(pending.id, admin_id=admin.id, reason="Licence expired")
        db.session.commit()
        with pytest.raises(OfficeAlreadyDecided, match="rejected"):
            approve_office(pending.id, admin_id=admin.id)

    def test_list_by_status(self, pending):
        assert [o.id for o in list_offices()] == [pending.id]
        assert [o.id for o in list_offices("pending")] == [pending.id]
        assert list_offices("approved") == []
