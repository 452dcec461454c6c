"""Documents are judged by their bytes (FR-UI-001-02): PDF, PNG or JPEG, complete, within the
limits, and named for what they are."""

import pytest

from idp.offices.documents import JPEG
from idp.offices.documents import PDF
from idp.offices.documents import PNG
from idp.offices.documents import check_document
from idp.offices.documents import clean_filename
from idp.offices.documents import sniff_content_type
from idp.offices.errors import DocumentDamaged
from idp.offices.errors import DocumentEmpty
from idp.offices.errors import DocumentNameMismatch
from idp.offices.errors import DocumentTooLarge
from idp.offices.errors import DocumentTypeNotAllowed
from idp.offices.errors import ImageTooLarge
from idp.offices.errors import megabytes
from tests.unit.offices.samples import EXECUTABLE
from tests.unit.offices.samples import FAKE_PNG
from tests.unit.offices.samples import TEXT
from tests.unit.offices.samples import jpeg_bytes
from tests.unit.offices.samples import pdf_bytes
from tests.unit.offices.samples import png_bytes
from tests.unit.offices.samples import truncated

LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 40_000_000}


class TestSniffContentType:
    @pytest.mark.parametrize(("data", "expected"), [
        (pdf_bytes(), PDF), (png_bytes(), PNG), (jpeg_bytes(), JPEG),
        (TEXT, None), (EXECUTABLE, None), (b"", None), (b"GIF89a" + b"\x00" * 10, None),
    ], ids=["pdf", "png", "jpeg", "text", "executable", "empty", "gif"])
    def test_recognises_only_pdf_png_and_jpeg(self, data, expected):
        assert sniff_content_type(data) == expected


class TestCheckDocument:
    @pytest.mark.parametrize(("name", "data", "content_type"), [
        ("registration.pdf", pdf_bytes(), PDF), ("licence.PNG", png_bytes(), PNG),
        ("scan.jpg", jpeg_bytes(), JPEG), ("scan.jpeg", jpeg_bytes(), JPEG),
        ("سجل تجاري.pdf", pdf_bytes(), PDF), ("no-extension", png_bytes(), PNG),
    ])
    def test_fr_ui_001_02_accepts_real_documents(self, app, name, data, content_type):
        with app.app_context():
            checked = check_document(name, data, **LIMITS)
        assert checked.content_type == content_type
        assert checked.filename == name
        assert checked.size == len(data)
        assert len(checked.sha256) == 64

    @pytest.mark.parametrize(("name", "data", "error"), [
        ("registration.png", pdf_bytes(), DocumentNameMismatch),  # a PDF named .png
        ("photo.pdf", jpeg_bytes(), DocumentNameMismatch),
        ("licence.exe", pdf_bytes(), DocumentNameMismatch),
        ("licence.png", FAKE_PNG, DocumentDamaged),  # a .png that is really text
        ("notes.png", TEXT, DocumentTypeNotAllowed),
        ("setup.pdf", EXECUTABLE, DocumentTypeNotAllowed),
        ("half.png", truncated(png_bytes((300, 300))), DocumentDamaged),
        ("half.jpg", truncated(jpeg_bytes((300, 300))), DocumentDamaged),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\n", DocumentDamaged),  # no %%EOF
        ("empty.pdf", b"", DocumentEmpty),
    ])
    def test_fr_ui_001_02_refuses_by_content_not_name(self, app, name, data, error):
        with app.app_context(), pytest.raises(error) as refused:
            check_document(name, data, **LIMITS)
        assert name in str(refused.value.description)
        assert refused.value.field == "documents"
        assert 400 <= refused.value.status < 500

    def test_fr_ui_001_02_refuses_a_file_over_the_size_limit(self, app):
        data = pdf_bytes()
        with app.app_context(), pytest.raises(DocumentTooLarge, match="larger than"):
            check_document("big.pdf", data, max_bytes=len(data) - 1, max_pixels=10**8)

    def test_fr_ui_001_02_refuses_an_image_with_too_many_pixels_before_decoding(self, app):
        with app.app_context(), pytest.raises(ImageTooLarge):
            check_document("huge.png", png_bytes((200, 200)), max_bytes=10**7,
                           max_pixels=200 * 200 - 1)


class TestCleanFilename:
    @pytest.mark.parametrize(("given", "expected"), [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\office\\licence.pdf", "licence.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override removed
        ("a\x00b.pdf", "ab.pdf"),
        ("", "document"),
        ("x" * 300 + ".pdf", "x" * 255),
    ])
    def test_keeps_only_a_harmless_label(self, given, expected):
        assert clean_filename(given) == expected


@pytest.mark.parametrize(("size", "text"), [(5 * 1024 * 1024, "5"), (1572864, "1.5"),
                                            (10 * 1024 * 1024, "10")])
def test_megabytes_for_people(size, text):
    assert megabytes(size) == text
