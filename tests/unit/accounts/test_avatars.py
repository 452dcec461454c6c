"""idp/accounts/avatars.py: profile pictures judged by content, re-encoded without metadata,
and stored files that follow the database (FR-UI-006-04)."""

import io

import pytest
from PIL import Image

from idp.accounts import avatars
from idp.extensions import db
from tests.unit.accounts import images

LIMITS = {"max_bytes": 2 * 1024 * 1024, "max_pixels": 4096 * 4096, "size": 512}


def reencode(data: bytes, **limits):
    return avatars.reencode_avatar(data, **{**LIMITS, **limits})


def decoded(avatar: avatars.Avatar) -> Image.Image:
    image = Image.open(io.BytesIO(avatar.data))
    image.load()
    return image


class TestReencodeAvatar:
    def test_fr_ui_006_04_avatar_is_reencoded_without_metadata(self):
        upload = images.jpeg_with_exif()
        avatar = reencode(upload)
        image = decoded(avatar)
        assert (image.format, avatar.content_type) == ("JPEG", "image/jpeg")
        assert avatar.data != upload
        assert dict(image.getexif()) == {}
        assert not {"exif", "icc_profile", "comment", "xmp"} & set(image.info)
        for secret in (images.CAMERA.encode(), images.SECRET_COMMENT, b"Exif", b"GPS"):
            assert secret not in avatar.data

    def test_fr_ui_006_04_exif_orientation_is_applied_before_it_is_dropped(self):
        # 64x32, red left and blue right, "turn 90° clockwise": upright, red is on top.
        image = decoded(reencode(images.jpeg_with_exif(orientation=6)))
        assert image.size == (32, 32)
        red, blue = image.getpixel((16, 4)), image.getpixel((16, 28))
        assert red[0] > 150 > red[2] and blue[2] > 150 > blue[0]

    def test_fr_ui_006_04_large_picture_becomes_a_centred_square_of_the_set_size(self):
        avatar = reencode(images.png_bytes(size=(1200, 900)), size=256)
        assert (avatar.width, avatar.height) == decoded(avatar).size == (256, 256)

    def test_fr_ui_006_04_png_text_chunks_are_dropped(self):
        avatar = reencode(images.png_with_text())
        assert images.CAMERA.encode() not in avatar.data

    def test_fr_ui_006_04_transparency_is_kept_as_png(self):
        avatar = reencode(images.transparent_png())
        image = decoded(avatar)
        assert (image.format, image.mode, avatar.extension) == ("PNG", "RGBA", "png")
        assert image.getpixel((0, 0))[3] == 0

    def test_fr_ui_006_04_webp_is_accepted(self):
        assert decoded(reencode(images.webp_bytes())).format == "JPEG"

    @pytest.mark.parametrize(("data", "error"), [
        (b"", avatars.AvatarMissing),
        (None, avatars.AvatarMissing),
        (images.pdf_bytes(), avatars.AvatarNotAnImage),
        (images.TEXT, avatars.AvatarNotAnImage),
        (images.gif_bytes(), avatars.AvatarNotAnImage),
        (images.animated("GIF"), avatars.AvatarNotAnImage),
        (images.animated("WEBP"), avatars.AvatarAnimated),
        (images.animated("PNG"), avatars.AvatarAnimated),
        (images.truncated(images.jpeg_with_exif()), avatars.AvatarDamaged),
        (images.bad_crc_png(), avatars.AvatarDamaged),
        (images.png_declaring(5000, 5000), avatars.AvatarTooManyPixels),
        # Past Pillow's own limit (2 x 89 Mpx): Pillow refuses it on opening.
        (images.png_declaring(50_000, 50_000), avatars.AvatarTooManyPixels),
    ], ids=["empty", "none", "pdf", "text", "gif", "animated-gif", "animated-webp", "apng",
            "truncated-jpeg", "bad-checksum-png", "5000x5000", "50000x50000"])
    def test_fr_ui_006_04_refuses_what_is_not_a_still_picture(self, data, error):
        with pytest.raises(error) as refused:
            reencode(data)
        assert refused.value.status == 400
        assert str(refused.value.description)

    def test_fr_ui_006_04_decompression_bomb_is_refused_before_decoding(self):
        bomb = images.png_bomb(8000, 8000)  # 62 KB that would decode to 64 Mpx
        assert len(bomb) < LIMITS["max_bytes"]
        with pytest.raises(avatars.AvatarTooManyPixels):
            reencode(bomb)

    def test_fr_ui_006_04_file_over_the_byte_limit_is_refused_unread(self):
        with pytest.raises(avatars.AvatarTooLarge) as refused:
            reencode(images.png_bytes(), max_bytes=50)
        assert "MB" in str(refused.value.description)

    def test_megabytes_for_messages(self):
        assert avatars.megabytes(2 * 1024 * 1024) == "2"
        assert avatars.megabytes(1536 * 1024) == "1.5"


class TestStorage:
    @pytest.fixture
    def user(self, ctx, app, tmp_path, monkeypatch):
        from idp.accounts.services import create_user

        monkeypatch.setitem(app.config, "IDP_AVATAR_DIR", str(tmp_path))
        user = create_user(email="amina@example.com", phone=None, password=None,
                           name="Amina", verified=True)
        db.session.commit()
        return user

    def test_fr_ui_006_04_stored_under_a_random_name_in_the_avatar_dir(self, user, tmp_path):
        public_id = avatars.set_avatar(user, images.jpeg_with_exif())
        db.session.commit()
        path, content_type = avatars.find_avatar(public_id)
        assert path.parent == tmp_path and path.name == f"{public_id}.jpg"
        assert content_type == "image/jpeg"
        assert path.stat().st_mode & 0o077 == 0  # readable by the service only
        assert len(public_id) == 22 and user.id not in public_id

    def test_fr_ui_006_04_replacing_deletes_the_old_file_after_commit(self, user, tmp_path):
        first = avatars.set_avatar(user, images.png_bytes())
        db.session.commit()
        old_path, _ = avatars.find_avatar(first)
        second = avatars.set_avatar(user, images.transparent_png())
        assert old_path.exists()  # until the new picture is committed
        db.session.commit()
        assert not old_path.exists()
        assert avatars.find_avatar(first) is None
        assert [p.name for p in tmp_path.iterdir()] == [f"{second}.png"]

    def test_fr_ui_006_04_rollback_removes_the_new_file_and_keeps_the_old(self, user, tmp_path):
        first = avatars.set_avatar(user, images.png_bytes())
        db.session.commit()
        avatars.set_avatar(user, images.webp_bytes())
        db.session.rollback()
        assert [p.name for p in tmp_path.iterdir()] == [f"{first}.jpg"]
        assert avatars.find_avatar(first) is not None

    def test_fr_ui_006_04_refused_upload_stores_nothing(self, user, tmp_path):
        with pytest.raises(avatars.AvatarRejected):
            avatars.set_avatar(user, images.pdf_bytes())
        db.session.rollback()
        assert list(tmp_path.iterdir()) == []

    def test_fr_ui_006_04_removing_deletes_the_file(self, user, tmp_path):
        public_id = avatars.set_avatar(user, images.png_bytes())
        db.session.commit()
        avatars.remove_avatar(user)
        db.session.commit()
        assert user.profile.avatar_path is None
        assert list(tmp_path.iterdir()) == []
        assert avatars.find_avatar(public_id) is None

    @pytest.mark.parametrize("public_id", ["", "../../etc/passwd", "x" * 22 + ".png",
                                           "a" * 21, "a" * 23])
    def test_malformed_or_unknown_ids_find_nothing(self, user, public_id):
        assert avatars.find_avatar(public_id) is None
