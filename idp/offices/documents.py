"""Office documents: what a file really is (by its bytes, never its name), and keeping it on
disk outside the web root, under a random name, only if the database keeps its row."""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from PIL import Image
from sqlalchemy.orm import Session

from idp.extensions import db
from idp.offices.errors import DocumentDamaged
from idp.offices.errors import DocumentEmpty
from idp.offices.errors import DocumentNameMismatch
from idp.offices.errors import DocumentStorageFailed
from idp.offices.errors import DocumentTooLarge
from idp.offices.errors import DocumentTypeNotAllowed
from idp.offices.errors import ImageTooLarge

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"

#: The extension a stored file gets, from its detected type.
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg"}
#: Extensions a user's file name may carry for each type.
NAME_EXTENSIONS = {PDF: {"pdf"}, PNG: {"png"}, JPEG: {"jpg", "jpeg", "jpe", "jfif"}}
#: How each type is named in messages (and Pillow's name of the image formats).
KIND = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG"}

# Signatures: ISO 32000-1 §7.5.2 (PDF header), PNG spec §5.2, JPEG SOI marker + next marker.
_SIGNATURES = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
#: ISO 32000-1 §7.5.5: the file ends with %%EOF; writers may add a little after it.
_PDF_TAIL_BYTES = 1024
#: Longest label kept of the user's file name.
MAX_FILENAME = 255


@dataclass(frozen=True)
class CheckedDocument:
    """An upload whose bytes are a PDF, PNG or JPEG within the limits."""

    filename: str  #: the user's file name, cleaned: a label, never a path
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def clean_filename(name: str | None) -> str:
    """The last component of ``name`` without control or bidirectional-override characters
    (U+202E makes "fdp.exe" read as "exe.pdf"), at most 255 characters."""
    name = re.split(r"[/\\]", name or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf"}).strip()
    return name[:MAX_FILENAME] or "document"


def sniff_content_type(data: bytes) -> str | None:
    """PDF, PNG or JPEG by the file's first bytes, or None for anything else."""
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


def read_upload(stream: BinaryIO, filename: str, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of ``stream``; raises DocumentTooLarge without reading further."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DocumentTooLarge(filename, max_bytes)
    return data


def check_document(filename: str, data: bytes, *, max_bytes: int,
                   max_pixels: int) -> CheckedDocument:
    """Accept ``data`` as a document or raise the DocumentRejected that says why.

    The type comes from the bytes. A name claiming another type is refused (a PDF named .png);
    a PDF must have its header and end marker; an image must decode completely with Pillow
    and hold at most ``max_pixels`` pixels.
    """
    filename = clean_filename(filename)
    if not data:
        raise DocumentEmpty(filename)
    if len(data) > max_bytes:
        raise DocumentTooLarge(filename, max_bytes)
    content_type = sniff_content_type(data)
    if content_type is None:
        raise DocumentTypeNotAllowed(filename)
    extension = filename.rsplit(".", 1)[1].lower() if "." in filename else ""
    if extension and extension not in NAME_EXTENSIONS[content_type]:
        raise DocumentNameMismatch(filename, KIND[content_type])
    if content_type == PDF:
        _check_pdf(filename, data)
    else:
        _check_image(filename, data, KIND[content_type], max_pixels)
    return CheckedDocument(filename=filename, content_type=content_type, data=data)


def _check_pdf(filename: str, data: bytes) -> None:
    if not _PDF_HEADER.match(data) or b"%%EOF" not in data[-_PDF_TAIL_BYTES:]:
        raise DocumentDamaged(filename)


def _check_image(filename: str, data: bytes, pillow_format: str, max_pixels: int) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
                width, height = image.size
                # Checked before decoding: a few bytes can declare gigapixels.
                if width * height > max_pixels:
                    raise ImageTooLarge(filename)
                image.load()
    except ImageTooLarge:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge(filename) from None
    except Exception:  # hostile bytes make Pillow raise anything; none may become a 500
        raise DocumentDamaged(filename) from None


# --- storage ---

def documents_root() -> Path:
    """IDP_OFFICE_DOCUMENTS_DIR, or office-documents in the instance folder."""
    configured = current_app.config["IDP_OFFICE_DOCUMENTS_DIR"]
    root = Path(configured) if configured else Path(current_app.instance_path) / "office-documents"
    return root.resolve()


def stored_file(storage_path: str) -> Path:
    """The absolute path of a stored document; raises ValueError if it escapes the root."""
    root = documents_root()
    path = (root / storage_path).resolve()
    if root not in path.parents:
        raise ValueError(f"document path outside the documents directory: {storage_path!r}")
    return path


def write_files(files: list[tuple[str, bytes]]) -> None:
    """Write each ``(storage_path, data)`` as a new file (owner-only), and arrange for all of
    them to be removed unless the current database transaction commits.

    Raises DocumentStorageFailed (removing what it wrote) when the disk refuses.
    """
    written: list[Path] = []
    try:
        for storage_path, data in files:
            path = stored_file(storage_path)
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # O_EXCL: a random name that exists already is a bug, never overwritten.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            written.append(path)
            with os.fdopen(descriptor, "wb") as out:
                out.write(data)
    except (OSError, ValueError) as exc:
        remove_files(written)
        raise DocumentStorageFailed(detail=f"writing office documents: {exc}") from None
    _remove_unless_committed(written)


def remove_files(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
        try:
            path.parent.rmdir()  # the office's folder, once empty
        except OSError:
            pass


#: Files written in a session's transaction and not yet committed, in ``Session.info``.
_UNCOMMITTED = "idp.offices.uncommitted_files"


def _remove_unless_committed(paths: list[Path]) -> None:
    """Tie the files to the session's outermost transaction: a rollback, or a close without
    commit, removes them. (A crash between writing and committing leaves orphan files, which
    no row names; they are harmless and can be swept by comparing the folder with the table.)"""
    db.session().info.setdefault(_UNCOMMITTED, []).extend(paths)


@sa.event.listens_for(Session, "after_commit")
def _keep_committed_files(session) -> None:
    if not session.in_nested_transaction():  # a released SAVEPOINT commits nothing yet
        session.info.pop(_UNCOMMITTED, None)


@sa.event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session, transaction) -> None:
    if transaction.parent is None:
        remove_files(session.info.pop(_UNCOMMITTED, []))
