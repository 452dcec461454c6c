"""Small real documents made on the spot: a one-page PDF, a PNG and a JPEG (Pillow writes
all three), and things that only pretend to be them."""

from __future__ import annotations

import io

from PIL import Image


def _image(fmt: str, size=(32, 24), **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 110, 79)).save(buffer, fmt, **options)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    return _image("PDF")


def png_bytes(size=(32, 24)) -> bytes:
    return _image("PNG", size)


def jpeg_bytes(size=(32, 24)) -> bytes:
    return _image("JPEG", size, quality=80)


#: Text that starts like a PNG: the signature is right, nothing after it is.
FAKE_PNG = b"\x89PNG\r\n\x1a\n" + b"this is not an image, only text that starts like one\n" * 4
#: Plain text, named as an image by the tests.
TEXT = b"<script>alert('x')</script> just text\n"
#: A Windows executable's first bytes.
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def truncated(data: bytes) -> bytes:
    """The first half of ``data``: a download that stopped."""
    return data[: len(data) // 2]
