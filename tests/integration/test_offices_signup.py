"""Transport-office signup through the hosted page (FR-UI-001-02, UC-UI-003): real multipart
uploads of real PDF, PNG and JPEG bytes; every refusal keeps what was typed and leaves nothing
behind (no user, no office, no document row, no file)."""

import html
import io
import re

import pytest

from idp.extensions import db
from tests.flows import PASSWORD
from tests.flows import csrf_from
from tests.unit.offices.samples import EXECUTABLE
from tests.unit.offices.samples import FAKE_PNG
from tests.unit.offices.samples import TEXT
from tests.unit.offices.samples import jpeg_bytes
from tests.unit.offices.samples import pdf_bytes
from tests.unit.offices.samples import png_bytes
from tests.unit.offices.samples import truncated

SIGNUP = "/offices/signup"
TYPED = {"name": "Saba Express", "commercial_registration_number": "12345", "city": "Sana'a",
         "contact_person": "Khaled Harbi", "email": "office@saba.example",
         "phone": "771 234 568", "password": PASSWORD, "terms": "y"}


@pytest.fixture
def documents_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "office-documents"
    monkeypatch.setitem(app.config, "IDP_OFFICE_DOCUMENTS_DIR", str(folder))
    return folder


def apply(client, files=None, lang="en", **changes):
    """Open the signup page and send it with ``files`` as (name, bytes[, mimetype]); by
    default one PDF."""
    if files is None:
        files = [("registration.pdf", pdf_bytes())]
    page = client.get(f"{SIGNUP}?lang={lang}")
    data = {**TYPED, **changes, "csrf_token": csrf_from(page.get_data(as_text=True))}
    data = {k: v for k, v in data.items() if v is not None}
    data["documents"] = [(io.BytesIO(f[1]), f[0], *f[2:]) for f in files]
    return client.post(SIGNUP, data=data, content_type="multipart/form-data")


def state(app, folder) -> dict:
    """What an application may leave behind: rows of each table and files on disk."""
    from idp.accounts.models import User
    from idp.offices.models import Office
    from idp.offices.models import OfficeDocument

    with app.app_context():
        rows = {model.__tablename__: db.session.scalar(
            db.select(db.func.count()).select_from(model))
            for model in (User, Office, OfficeDocument)}
    rows["files"] = len([p for p in folder.rglob("*") if p.is_file()]) if folder.exists() else 0
    return rows


NOTHING = {"users": 0, "offices": 0, "office_documents": 0, "files": 0}


def errors_of(response) -> list[str]:
    page = response.get_data(as_text=True)
    return [html.unescape(m) for m in re.findall(
        r'<p class="(?:field-error|alert)" role="alert">(.*?)</p>', page, re.S)]


def value_of(response, name) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', response.get_data(as_text=True))
    assert match, f"no input {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return html.unescape(value.group(1)) if value else None


def assert_kept_typing(response, **changes) -> None:
    typed = {**TYPED, **changes}
    for name in ("name", "commercial_registration_number", "city", "contact_person", "email",
                 "phone"):
        assert value_of(response, name) == typed[name], name
    assert value_of(response, "password") in (None, "")  # never sent back


# --- the page ---


def test_fr_ui_001_02_signup_page_asks_for_office_data_and_documents(client):
    response = client.get(SIGNUP + "?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in page
    for name in ("name", "commercial_registration_number", "city", "contact_person", "email",
                 "phone", "password", "documents", "terms"):
        assert f'name="{name}"' in page, name
    assert 'type="file"' in page and "multiple" in page


def test_fr_ui_001_02_signup_page_speaks_arabic(client):
    page = client.get(SIGNUP + "?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in page
    assert "تسجيل مكتب نقل" in page


# --- the happy path ---


def test_fr_ui_001_02_office_stays_pending_until_approved(app, client, flows, documents_dir):
    response = apply(client, files=[("registration.pdf", pdf_bytes()),
                                    ("licence.png", png_bytes()), ("permit.jpg", jpeg_bytes())])

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/offices/signup/under-review")
    review = client.get(response.headers["Location"])
    assert "Your application is under review" in review.get_data(as_text=True)
    assert "Saba Express" in review.get_data(as_text=True)
    assert state(app, documents_dir) == {"users": 1, "offices": 1, "office_documents": 3,
                                         "files": 3}
    with app.app_context():
        from idp.accounts.services import find_user
        from idp.offices.services import list_offices
        from idp.rbac.services import role_names

        office, = list_offices()
        representative = find_user("office@saba.example")
        assert office.status == "pending" and representative.status == "pending"
        assert representative.office_id is None and role_names(representative.id) == []
        assert sorted((d.original_filename, d.content_type) for d in office.documents) == [
            ("licence.png", "image/png"), ("permit.jpg", "image/jpeg"),
            ("registration.pdf", "application/pdf")]
    # The representative cannot sign in yet.
    login = flows.login("office@saba.example", PASSWORD)
    assert login.status_code == 200
    assert errors_of(login), "login refused without a message"


def test_fr_ui_001_02_documents_are_kept_outside_the_web_root_by_random_name(
        app, client, documents_dir):
    data = pdf_bytes()
    apply(client, files=[("registration.pdf", data)])

    stored, = [p for p in documents_dir.rglob("*") if p.is_file()]
    assert stored.read_bytes() == data
    assert "registration" not in str(stored.relative_to(documents_dir))
    assert stored.suffix == ".pdf"
    assert client.get(f"/static/{stored.name}").status_code == 404


def test_fr_ui_001_02_arabic_text_and_digits_are_accepted(app, client, documents_dir):
    response = apply(client, lang="ar", name="مكتب سبأ للنقل", city="صنعاء",
                     contact_person="خالد الحربي", commercial_registration_number="١٢٣٤٥",
                     files=[("سجل تجاري.pdf", pdf_bytes())])
    assert response.status_code == 302, errors_of(response)
    with app.app_context():
        from idp.offices.services import list_offices

        office, = list_offices()
        assert office.name == "مكتب سبأ للنقل"
        assert office.commercial_registration_number == "12345"
        assert office.documents[0].original_filename == "سجل تجاري.pdf"


# --- bad files ---


@pytest.mark.parametrize(("files", "message"), [
    ([("registration.png", pdf_bytes())], "is named as another type of file but contains a "
                                          "PDF document"),
    ([("licence.png", FAKE_PNG)], "could not be read"),
    ([("licence.png", TEXT)], "is not a PDF, PNG or JPEG file"),
    ([("licence.pdf", EXECUTABLE, "application/pdf")], "is not a PDF, PNG or JPEG file"),
    ([("scan.jpg", truncated(jpeg_bytes((400, 400))))], "could not be read"),
    ([("empty.pdf", b"")], "is empty"),
    ([("registration.pdf", pdf_bytes()), ("licence.png", TEXT)],
     "is not a PDF, PNG or JPEG file"),
])
def test_fr_ui_001_02_wrong_file_is_refused_and_nothing_is_created(
        app, client, documents_dir, files, message):
    response = apply(client, files=files)

    assert response.status_code == 200
    assert any(message in error and files[-1][0] in error for error in errors_of(response)), (
        errors_of(response))
    assert_kept_typing(response)
    assert state(app, documents_dir) == NOTHING


def test_fr_ui_001_02_every_bad_file_is_named(app, client, documents_dir):
    response = apply(client, files=[("a.png", TEXT), ("b.png", pdf_bytes()),
                                    ("ok.pdf", pdf_bytes())])
    errors = errors_of(response)
    assert any("a.png" in e for e in errors) and any("b.png" in e for e in errors)
    assert state(app, documents_dir) == NOTHING


def test_fr_ui_001_02_documents_are_required(app, client, documents_dir):
    response = apply(client, files=[])
    assert any("Attach at least one document" in e for e in errors_of(response))
    assert_kept_typing(response)
    assert state(app, documents_dir) == NOTHING


def test_fr_ui_001_02_file_over_the_size_limit_is_refused(app, client, documents_dir,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "IDP_OFFICE_DOCUMENT_MAX_BYTES", 2 * 1024 * 1024)
    big = png_bytes((1200, 1200))[:-12] + b"\x00" * (2 * 1024 * 1024)  # 2 MB and a bit

    response = apply(client, files=[("scan.png", big)])

    assert response.status_code == 200
    assert any("scan.png" in e and "larger than 2 MB" in e for e in errors_of(response))
    assert_kept_typing(response)
    assert state(app, documents_dir) == NOTHING


def test_fr_ui_001_02_too_many_documents_are_refused(app, client, documents_dir, monkeypatch):
    monkeypatch.setitem(app.config, "IDP_OFFICE_DOCUMENTS_MAX_COUNT", 2)
    response = apply(client, files=[(f"d{i}.pdf", pdf_bytes()) for i in range(3)])
    assert any("at most 2 documents" in e for e in errors_of(response))
    assert state(app, documents_dir) == NOTHING


@pytest.mark.parametrize(("lang", "heading"), [("en", "The files are too large"),
                                               ("ar", "الملفات كبيرة جدًا")])
def test_fr_ui_001_02_request_over_the_limit_gets_a_translated_413_page(
        app, client, documents_dir, monkeypatch, lang, heading):
    monkeypatch.setitem(app.config, "IDP_OFFICE_DOCUMENT_MAX_BYTES", 64 * 1024)
    monkeypatch.setitem(app.config, "IDP_OFFICE_DOCUMENTS_MAX_COUNT", 1)
    huge = b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024)

    response = apply(client, lang=lang, files=[("huge.pdf", huge)])

    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert heading in page
    assert 'href="/offices/signup"' in page
    assert state(app, documents_dir) == NOTHING


# --- duplicates (BR-UI-001/002, EC-UI-001) ---


@pytest.mark.parametrize(("field", "typed"), [("email", "Amina@Example.com"),
                                              ("phone", "0771234567")])
def test_ec_ui_001_existing_account_is_told_to_log_in(app, client, flows, user, documents_dir,
                                                     field, typed):
    response = apply(client, **{field: typed})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "exists already. Sign in with it" in page
    assert 'href="/login?login_hint=' in page
    assert 'href="/password/forgot' in page or "/password/forgot" not in app.view_functions
    assert_kept_typing(response, **{field: typed})
    assert state(app, documents_dir) == {**NOTHING, "users": 1}


def test_fr_ui_001_02_duplicate_registration_number_gets_a_clear_message(app, client,
                                                                        documents_dir):
    assert apply(client).status_code == 302
    other = client.application.test_client()

    response = apply(other, commercial_registration_number=" 12-345 ",
                     email="second@office.example", phone="771234569")

    assert any("commercial registration number has applied already" in e
               for e in errors_of(response))
    assert_kept_typing(response, commercial_registration_number=" 12-345 ",
                       email="second@office.example", phone="771234569")
    assert state(app, documents_dir) == {"users": 1, "offices": 1, "office_documents": 1,
                                         "files": 1}


# --- other fields ---


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": ""}, "name", "Enter the office's name."),
    ({"terms": None}, "terms", "Accept the terms and conditions to apply."),
    ({"email": "not-an-email"}, "email", "Enter a valid email address."),
    ({"phone": "12"}, "phone", "Enter a valid phone number."),
    ({"commercial_registration_number": "#"}, "commercial_registration_number",
     "3 to 32 letters and digits"),
    ({"password": "short1!"}, "password", "Use at least 8 characters."),
    ({"password": "Khaled-harbi-77"}, "password", "Do not use your name"),
    ({"name": "Saba\u202eExpress"}, "name", "Use letters, digits and punctuation only."),
    ({"city": "Sana'a\x00"}, "city", "Use letters, digits and punctuation only."),
])
def test_fr_ui_001_02_each_field_error_keeps_the_rest(app, client, documents_dir, changes,
                                                      field, message):
    response = apply(client, **changes)

    assert response.status_code == 200
    assert any(message in e for e in errors_of(response)), errors_of(response)
    kept = {k: v for k, v in changes.items() if k not in ("password", "terms")}
    for name, value in {**TYPED, **kept}.items():
        if name not in ("password", "terms") and name != field:
            assert value_of(response, name) == value, name
    assert state(app, documents_dir) == NOTHING


def test_scripts_in_names_are_stored_as_text_and_escaped(app, client, documents_dir):
    script = "<script>alert('office')</script>"
    response = apply(client, name=script, contact_person="Khaled <b>Harbi</b>")
    assert response.status_code == 302

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert script not in page
    assert "&lt;script&gt;alert(" in page
    with app.app_context():
        from idp.offices.services import list_offices

        assert list_offices()[0].name == script


def test_a_file_name_with_markup_is_escaped_in_the_error(app, client, documents_dir):
    response = apply(client, files=[("<img src=x onerror=alert(1)>.png", TEXT)])
    page = response.get_data(as_text=True)
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.png" in page


def test_missing_csrf_token_is_refused_with_a_message(app, client, documents_dir):
    response = client.post(SIGNUP + "?lang=en", data={**TYPED, "documents": [
        (io.BytesIO(pdf_bytes()), "registration.pdf")]}, content_type="multipart/form-data")
    assert response.status_code in (200, 400)
    assert "This form has expired" in response.get_data(as_text=True)
    assert state(app, documents_dir) == NOTHING


def test_nfr_ui_002_03_signups_are_rate_limited_per_address(app, client, documents_dir,
                                                           monkeypatch):
    monkeypatch.setitem(app.config, "IDP_OFFICE_SIGNUP_RATE_LIMIT", "2 per hour")
    for _ in range(2):
        assert apply(client, files=[("a.png", TEXT)]).status_code == 200
    response = apply(client)
    assert response.status_code == 429
    assert state(app, documents_dir) == NOTHING


def test_documents_sent_as_text_instead_of_files_are_refused(app, client, documents_dir):
    page = client.get(SIGNUP + "?lang=en")
    data = {**TYPED, "csrf_token": csrf_from(page.get_data(as_text=True)),
            "documents": "registration.pdf"}
    response = client.post(SIGNUP, data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert any("Attach at least one document" in e for e in errors_of(response))
    assert state(app, documents_dir) == NOTHING
