"""Pictures made on the spot for the avatar tests: real PNG, JPEG, WebP and GIF files from
Pillow, with metadata to strip, and files that only pretend to be pictures."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image
from PIL import ImageCms
from PIL import PngImagePlugin

RED, BLUE = (200, 20, 20), (20, 20, 200)
#: What the EXIF of ``jpeg_with_exif`` says, to look for in the stored file.
CAMERA = "Hidden-Camera-Model-X"
SECRET_COMMENT = b"secret comment: taken at home"
#: A GPS position (degrees, minutes, seconds) in the EXIF GPS IFD.
GPS = {1: "N", 2: (15.0, 21.0, 7.0), 3: "E", 4: (44.0, 12.0, 30.0)}


def _save(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def halves(size=(64, 32)) -> Image.Image:
    """Red on the left half, blue on the right: shows which way a picture was turned."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    return image


def jpeg_with_exif(size=(64, 32), orientation: int = 6) -> bytes:
    """A JPEG carrying a camera model, a GPS position, an orientation (6: turn 90° clockwise
    to show), a comment and an ICC profile."""
    exif = Image.Exif()
    exif[0x0110] = CAMERA  # Model
    exif[0x0112] = orientation
    exif.get_ifd(0x8825).update(GPS)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _save(halves(size), "JPEG", exif=exif, comment=SECRET_COMMENT, icc_profile=icc,
                 quality=95)


def png_bytes(size=(40, 40), mode="RGB", color=(11, 110, 79), **options) -> bytes:
    return _save(Image.new(mode, size, color), "PNG", **options)


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", CAMERA)
    return png_bytes(pnginfo=info)


def transparent_png() -> bytes:
    return png_bytes(mode="RGBA", color=(11, 110, 79, 0))


def webp_bytes(size=(40, 30)) -> bytes:
    return _save(halves(size), "WEBP", quality=90)


def gif_bytes() -> bytes:
    return _save(halves().convert("P"), "GIF")


def animated(fmt: str) -> bytes:
    """Two frames: an animated GIF, WebP or PNG (APNG)."""
    frames = [halves(), halves().transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    if fmt == "GIF":
        frames = [frame.convert("P") for frame in frames]
    return _save(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100,
                 loop=0)


def pdf_bytes() -> bytes:
    return _save(halves(), "PDF")


TEXT = b"<script>alert('x')</script> just text, named as a picture\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_bomb(width: int, height: int) -> bytes:
    """A real, valid greyscale PNG of ``width`` x ``height`` black pixels: zeros compress
    about a thousand to one, so a file of kilobytes decodes to hundreds of megabytes."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte 0, then one byte per pixel
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(parts))
            + _chunk(b"IEND", b""))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares a size its few bytes of data do not hold."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _chunk(b"IEND", b""))


def bad_crc_png() -> bytes:
    data = bytearray(png_bytes())
    data[-20] ^= 0xFF  # inside the IDAT chunk: its checksum no longer matches
    return bytes(data)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]
