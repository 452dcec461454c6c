"""A transport office signs up in a real browser, in Arabic and in English (FR-UI-001-02,
UC-UI-003): a wrong document and a forgotten checkbox are shown beside what was typed, then the
application is sent with a real PDF and the office waits for review. Screenshots of the empty
form, the form with errors and the under-review page go to test-artifacts/screenshots/."""


import pytest

from tests.browser.journey import BROWSER_TEST
from tests.browser.journey import check_page
from tests.browser.journey import submit
from tests.flows import PASSWORD
from tests.unit.offices.samples import pdf_bytes

pytestmark = BROWSER_TEST

TITLE = {"ar": "تسجيل مكتب نقل", "en": "Register a transport office"}
UNDER_REVIEW = {"ar": "طلبك قيد المراجعة", "en": "Your application is under review"}
WRONG_NAME = {"ar": "يدل على نوع آخر", "en": "is named as another type of file"}
TERMS = {"ar": "يجب الموافقة على الشروط والأحكام", "en": "Accept the terms and conditions"}
OFFICE = {
    "ar": {"name": "مكتب سبأ للنقل", "commercial_registration_number": "١٢٣٤٥",
           "city": "صنعاء", "contact_person": "خالد الحربي", "email": "saba@office.example",
           "phone": "771234568"},
    "en": {"name": "Saba Express <Transport>", "commercial_registration_number": "CR-12345",
           "city": "Aden", "contact_person": "Khaled Harbi", "email": "saba@office.example",
           "phone": "+967 771 234 568"},
}


def _document(name: str, data: bytes, mime: str) -> list[dict]:
    return [{"name": name, "mimeType": mime, "buffer": data}]




@pytest.mark.parametrize("lang", ["ar", "en"])
def test_fr_ui_001_02_office_signs_up_with_a_document(new_page, live_server, lang, tmp_path,
                                                      monkeypatch):
    monkeypatch.setitem(live_server.app.config, "IDP_OFFICE_DOCUMENTS_DIR", str(tmp_path))
    office = OFFICE[lang]
    page = new_page(lang)

    page.goto("/offices/signup")
    assert page.locator("h1").inner_text() == TITLE[lang]
    check_page(page, "office-signup", lang)

    for field, value in office.items():
        page.fill(f"input[name={field}]", value)
    page.fill("input[name=password]", PASSWORD)
    # A PDF named .png, and the terms left unticked.
    page.set_input_files("input[name=documents]",
                         _document("registration.png", pdf_bytes(), "image/png"))
    submit(page, "form button[type=submit]")

    errors = page.locator(".field-error").all_inner_texts()
    assert any(WRONG_NAME[lang] in e and "registration.png" in e for e in errors), errors
    assert any(TERMS[lang] in e for e in errors), errors
    for field, value in office.items():
        assert page.input_value(f"input[name={field}]") == value, field
    assert page.input_value("input[name=password]") == ""
    check_page(page, "office-signup-errors", lang)

    page.fill("input[name=password]", PASSWORD)
    page.set_input_files("input[name=documents]",
                         _document("السجل التجاري.pdf", pdf_bytes(), "application/pdf"))
    page.check("input[name=terms]")
    submit(page, "form button[type=submit]")

    assert page.url.endswith("/offices/signup/under-review")
    assert page.locator("h1").inner_text() == UNDER_REVIEW[lang]
    assert office["name"] in page.inner_text("main")
    check_page(page, "office-under-review", lang)
    with live_server.app.app_context():
        from idp.offices.services import list_offices

        application, = list_offices("pending")
        assert application.name == office["name"]
        assert application.commercial_registration_number in ("12345", "CR12345")
        assert [d.original_filename for d in application.documents] == ["السجل التجاري.pdf"]
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1
