"""Profile pictures (FR-UI-006-04): judged by their bytes, never their name or declared type;
decoded with Pillow within size and pixel limits; re-encoded, which leaves every piece of
metadata (EXIF with its GPS position, XMP, comments) behind; stored under a random name.

An avatar is served to anyone holding its URL: the 128-bit random id is the capability, so
relying parties can show it (an ``<img>`` on another site carries no SameSite=Lax cookie).
Every replacement gets a new id and deletes the old file, so an old URL stops working.
"""

from __future__ import annotations

import io
import logging
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image
from PIL import ImageCms
from PIL import ImageOps
from sqlalchemy.orm import Session

from idp import audit
from idp.accounts.models import Profile
from idp.accounts.models import User
from idp.audit import AuditEvent
from idp.errors import IdpError
from idp.extensions import db
from idp.extensions import new_id

#: Pillow's names of the formats accepted. GIF is refused: it is the usual carrier of
#: animations, and a still picture is always available as PNG or JPEG.
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
#: What a stored picture is, by its extension: PNG keeps transparency, JPEG keeps photos small.
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg"}
JPEG_QUALITY = 85
_AVATAR_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")  # new_id(): 16 random bytes, base64url

log = logging.getLogger(__name__)


class AvatarRejected(IdpError):
    """An upload that cannot be a profile picture; ``description`` says why, to the user."""

    code = "avatar_rejected"
    status = 400
    description = _l("This file cannot be used as a profile picture.")


class AvatarMissing(AvatarRejected):
    description = _l("Choose a picture to upload.")


class AvatarTooLarge(AvatarRejected):
    def __init__(self, max_bytes: int):
        super().__init__(_l("The picture is larger than %(size)s MB. Choose a smaller one.",
                            size=megabytes(max_bytes)))


class AvatarNotAnImage(AvatarRejected):
    description = _l("This file is not a PNG, JPEG or WebP picture. Choose a photo or an "
                     "image in one of these formats.")


class AvatarTooManyPixels(AvatarRejected):
    def __init__(self, max_pixels: int):
        side = int(max_pixels ** 0.5)
        super().__init__(_l("The picture is too large: at most %(width)d x %(height)d pixels.",
                            width=side, height=side))


class AvatarAnimated(AvatarRejected):
    description = _l("Animated pictures cannot be used. Choose a still picture.")


class AvatarDamaged(AvatarRejected):
    description = _l("This picture is damaged or incomplete and cannot be read.")


class AvatarStorageFailed(IdpError):
    code = "avatar_storage_failed"
    status = 500
    description = _l("Your picture could not be saved. Please try again.")


def megabytes(size: int) -> str:
    """``size`` bytes in MB for messages: 2097152 → "2", 1572864 → "1.5"."""
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


@dataclass(frozen=True)
class Avatar:
    """A re-encoded picture, ready to store."""

    data: bytes
    extension: str  #: "png" or "jpg"
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.extension]


# --- checking and re-encoding ---------------------------------------------------------------


def reencode_avatar(data: bytes | None, *, max_bytes: int, max_pixels: int,
                    size: int) -> Avatar:
    """Decode ``data`` as a still PNG, JPEG or WebP picture and return it re-encoded.

    The result is turned upright as its EXIF orientation says, cropped to a centred square of
    at most ``size`` pixels a side, converted to sRGB, and carries no metadata. Raises the
    AvatarRejected subclass that says what is wrong. Changes nothing.
    """
    if not data:
        raise AvatarMissing()
    if len(data) > max_bytes:
        raise AvatarTooLarge(max_bytes)
    try:
        with warnings.catch_warnings():
            # Pillow only warns up to twice its own pixel limit; a warning is a refusal here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            _check_structure(data, max_pixels)
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
                image.load()
                return _encode(_upright_srgb(image), size)
    except AvatarRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AvatarTooManyPixels(max_pixels) from None
    except Exception:  # hostile bytes make Pillow raise anything; none may become a 500
        raise AvatarDamaged() from None


def _check_structure(data: bytes, max_pixels: int) -> None:
    """Format, pixel count and frames from the header, then Pillow's structural check
    (``verify``: PNG chunk checksums), all before any pixel is decoded."""
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.UnidentifiedImageError:
        raise AvatarNotAnImage() from None
    with image:
        width, height = image.size
        # A few bytes can declare gigapixels: refused on the declared size.
        if width * height > max_pixels or width < 1 or height < 1:
            raise AvatarTooManyPixels(max_pixels)
        # An MPO (a camera's JPEG with a second, stereo view) is a still: its first frame.
        if image.format != "MPO" and getattr(image, "n_frames", 1) > 1:
            raise AvatarAnimated()
        image.verify()  # the file must be reopened after this, as Pillow documents


def _upright_srgb(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image)
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA"):
        # Drop the profile, keep the colours: a Display P3 photo would look dull if its
        # pixels were kept without it.
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            image = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                              outputMode=image.mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile is dropped with the rest of the metadata
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info)


def _encode(image: Image.Image, size: int) -> Avatar:
    alpha = _has_alpha(image)
    image = image.convert("RGBA" if alpha else "RGB")
    # A centred square, as avatars are shown (and as relying parties expect a picture).
    side = min(image.width, image.height, size)
    image = ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
    # A fresh image from the pixels alone: nothing of the upload's info (EXIF, XMP, ICC,
    # comments, text chunks) can reach the encoder.
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    if alpha:
        clean.save(out, "PNG", optimize=True)
        extension = "png"
    else:
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        extension = "jpg"
    return Avatar(data=out.getvalue(), extension=extension, width=clean.width,
                  height=clean.height)


# --- storage --------------------------------------------------------------------------------


def avatars_root() -> Path:
    """IDP_AVATAR_DIR, or avatars in the instance folder."""
    configured = current_app.config["IDP_AVATAR_DIR"]
    root = Path(configured) if configured else Path(current_app.instance_path) / "avatars"
    return root.resolve()


def _stored_file(file_name: str) -> Path:
    root = avatars_root()
    path = (root / file_name).resolve()
    if path.parent != root:
        raise ValueError(f"avatar path outside the avatar directory: {file_name!r}")
    return path


def avatar_id(profile: Profile | None) -> str | None:
    """The public id of the profile's picture (its URL's last part), or None."""
    if profile is None or not profile.avatar_path:
        return None
    return profile.avatar_path.rsplit(".", 1)[0]


def set_avatar(user: User, data: bytes | None) -> str:
    """Check and re-encode ``data`` (``reencode_avatar``), store it under a new random id and
    make it the user's picture; return the id. Flushes; the caller commits.

    The new file is removed unless the transaction commits; the old one is deleted only once
    it does. Raises AvatarRejected (nothing stored) or AvatarStorageFailed. Records
    ``account:avatar:changed``.
    """
    config = current_app.config
    avatar = reencode_avatar(data, max_bytes=config["IDP_AVATAR_MAX_BYTES"],
                             max_pixels=config["IDP_AVATAR_MAX_PIXELS"],
                             size=config["IDP_AVATAR_SIZE_PIXELS"])
    file_name = f"{new_id()}.{avatar.extension}"
    _write(file_name, avatar.data)
    old = user.profile.avatar_path
    user.profile.avatar_path = file_name
    db.session.flush()
    if old:
        _delete_after_commit(old)
    audit.record(AuditEvent.Profile.AvatarChanged, user_id=user.id, bytes=len(avatar.data),
                 width=avatar.width, height=avatar.height)
    return avatar_id(user.profile)


def remove_avatar(user: User) -> None:
    """Take the user's picture away; its file is deleted once the transaction commits.
    Records ``account:avatar:removed``; does nothing when there is no picture."""
    old = user.profile.avatar_path
    if not old:
        return
    user.profile.avatar_path = None
    db.session.flush()
    _delete_after_commit(old)
    audit.record(AuditEvent.Profile.AvatarRemoved, user_id=user.id)


def find_avatar(public_id: str) -> tuple[Path, str] | None:
    """The file and content type of a current profile picture by its public id, or None for
    an id that is malformed, replaced, removed or missing on disk."""
    if not _AVATAR_ID.match(public_id or ""):
        return None
    names = [f"{public_id}.{extension}" for extension in CONTENT_TYPES]
    file_name = db.session.scalar(sa.select(Profile.avatar_path)
                                  .where(Profile.avatar_path.in_(names)))
    if file_name is None:
        return None
    path = _stored_file(file_name)
    if not path.is_file():
        return None
    return path, CONTENT_TYPES[file_name.rsplit(".", 1)[1]]


def _write(file_name: str, data: bytes) -> None:
    path = _stored_file(file_name)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # O_EXCL: a random name that exists already is a bug, never overwritten.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(data)
        except OSError:
            path.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise AvatarStorageFailed(detail=f"writing avatar {file_name}: {exc}") from None
    db.session().info.setdefault(_UNCOMMITTED, []).append(path)


# Files follow the database: a new file lives only if its row commits, an old file goes only
# when the row no longer naming it commits. (A crash between commit and unlink leaves an
# orphan file no row names: never served, since serving looks the id up first.)
_UNCOMMITTED = "idp.accounts.avatars.uncommitted"
_TO_DELETE = "idp.accounts.avatars.to_delete"


def _delete_after_commit(file_name: str) -> None:
    try:
        path = _stored_file(file_name)
    except ValueError:
        return
    db.session().info.setdefault(_TO_DELETE, []).append(path)


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete avatar %s: %s", path.name, exc)


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if session.in_nested_transaction():  # a released SAVEPOINT commits nothing yet
        return
    session.info.pop(_UNCOMMITTED, None)
    _unlink(session.info.pop(_TO_DELETE, []))


@sa.event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session, transaction) -> None:
    if transaction.parent is None:  # rolled back or closed without a commit
        _unlink(session.info.pop(_UNCOMMITTED, []))
        session.info.pop(_TO_DELETE, None)
