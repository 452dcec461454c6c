"""The profile page (FR-UI-006-01/02/05): seeing and editing name and language, which the
pages then follow, and the profile picture (FR-UI-006-04) uploaded, served, replaced and
refused, through real HTTP."""

import io
import re

import pytest
from PIL import Image

from idp import audit
from idp.accounts.services import get_user
from idp.audit import AuditEvent
from tests.flows import Flows
from tests.flows import csrf_from
from tests.unit.accounts import images


@pytest.fixture(autouse=True)
def in_english(flows):
    """The messages asserted are the English ones (the pages default to Arabic)."""
    flows.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def signed_in_user(flows, user):
    assert flows.login(user["email"]).status_code == 302
    return user


@pytest.fixture
def avatar_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IDP_AVATAR_DIR", str(tmp_path))
    return tmp_path


def profile_page(flows) -> str:
    response = flows.client.get("/account/profile")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def save_profile(flows, **fields):
    csrf = csrf_from(profile_page(flows))
    return flows.client.post("/account/profile", data={"csrf_token": csrf, **fields})


def upload(flows, data: bytes, filename="me.jpg", content_type="image/jpeg"):
    csrf = csrf_from(profile_page(flows))
    return flows.client.post("/account/profile/avatar", content_type="multipart/form-data",
                             data={"csrf_token": csrf,
                                   "avatar": (io.BytesIO(data), filename, content_type)})


def avatar_url(page: str) -> str | None:
    match = re.search(r'<img src="(/account/avatar/[^"]+)"', page)
    return match and match.group(1)


def arabic(msgid: str) -> str:
    from flask_babel import force_locale
    from flask_babel import gettext

    with force_locale("ar"):
        return gettext(msgid)


def events(app, user, event):
    with app.app_context():
        return audit.services.events(user_id=user["id"], event=event)


def stored_profile(app, user):
    with app.app_context():
        profile = get_user(user["id"]).profile
        return {"name": profile.name, "locale": profile.locale,
                "avatar_path": profile.avatar_path}


# --- FR-UI-006-01: viewing -------------------------------------------------------------------


def test_fr_ui_006_01_profile_needs_a_login_and_comes_back_after_it(flows, user):
    response = flows.client.get("/account/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account/profile"
    response = flows.login(user["email"], next_url="/account/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/profile"


@pytest.mark.parametrize("path", ["/account/profile/email", "/account/profile/phone",
                                  "/account/profile/phone/code"])
def test_fr_ui_006_01_every_profile_page_needs_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", ["/account/profile", "/account/profile/avatar",
                                  "/account/profile/email", "/account/profile/phone"])
def test_fr_ui_006_01_posts_without_a_login_go_to_the_login_page(client, path):
    csrf = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(path, data={"csrf_token": csrf, "name": "Mallory", "locale": "en"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert client.post(path, data={}).status_code == 400  # and never without the CSRF token


def test_fr_ui_006_01_shows_name_email_masked_phone_language(flows, signed_in_user):
    page = profile_page(flows)
    assert 'value="Amina Saleh"' in page
    assert signed_in_user["email"] in page
    assert "+967 •••••4567" in page and "771234567" not in page
    assert 'name="locale"' in page and 'value="ar"' in page and 'value="en"' in page
    assert "booking app" in page  # FR-UI-006-05 belongs to the booking service


def test_fr_ui_006_01_account_home_links_to_the_profile(flows, signed_in_user):
    assert 'href="/account/profile"' in flows.client.get("/").get_data(as_text=True)


# --- FR-UI-006-02: editing -------------------------------------------------------------------


def test_fr_ui_006_02_edit_name_and_language(app, flows, signed_in_user):
    response = save_profile(flows, name="  Amina   Al-Saleh ", locale="en")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/profile"
    assert stored_profile(app, signed_in_user)["name"] == "Amina Al-Saleh"
    assert stored_profile(app, signed_in_user)["locale"] == "en"
    page = profile_page(flows)
    assert "Your profile was saved." in page
    [record] = events(app, signed_in_user, AuditEvent.Profile.Updated)
    assert record.detail == {"fields": ["name", "locale"]}


def test_fr_ui_006_02_pages_follow_the_preferred_language(app, flows, signed_in_user):
    save_profile(flows, name="Amina Saleh", locale="ar")
    page = flows.client.get("/account/profile").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page  # despite Accept-Language: en

    # Another browser, also asking for English, signs in: the profile decides there too.
    other = Flows(app, app.test_client())
    other.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert other.login(signed_in_user["email"]).status_code == 302
    assert '<html lang="ar" dir="rtl">' in other.client.get("/").get_data(as_text=True)
    # An explicit switch still wins, and a signed-out visitor keeps Accept-Language.
    assert 'lang="en"' in other.client.get("/account/profile?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in app.test_client().get(
        "/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_fr_ui_006_02_saving_in_another_language_shows_the_page_in_it(app, flows,
                                                                    signed_in_user):
    response = save_profile(flows, name="Amina Saleh", locale="ar")
    assert "idp_lang=ar" in response.headers.get("Set-Cookie", "")
    page = flows.client.get("/account/profile").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    with app.test_request_context():
        assert arabic("Your profile was saved.") in page  # the notice too


@pytest.mark.parametrize(("fields", "message"), [
    ({"name": "   ", "locale": "en"}, "Enter your name."),
    ({"name": "\u202e\u2066", "locale": "en"}, "Enter your name."),
    ({"name": "A" * 201, "locale": "en"}, "Use at most 200 characters."),
    ({"name": "Amina", "locale": "fr"}, "Choose one of the languages offered."),
    ({"name": "Amina"}, "Choose one of the languages offered."),
])
def test_fr_ui_006_02_bad_input_is_refused_and_kept(app, flows, signed_in_user, fields,
                                                    message):
    response = save_profile(flows, **fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert stored_profile(app, signed_in_user)["name"] == "Amina Saleh"
    if fields["name"].strip() and len(fields["name"]) < 50:
        assert f'value="{fields["name"]}"' in page  # what was typed stays


def test_fr_ui_006_02_script_in_a_name_is_text_and_reordering_characters_go(
        app, flows, signed_in_user):
    response = save_profile(flows, name="<script>alert(1)</script>\u202eAmina\x00", locale="en")
    assert response.status_code == 302
    assert stored_profile(app, signed_in_user)["name"] == "<script>alert(1)</script>Amina"
    page = profile_page(flows)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Amina" in page


def test_fr_ui_006_02_profile_form_needs_its_csrf_token(app, flows, signed_in_user):
    response = flows.client.post("/account/profile", data={"name": "Mallory", "locale": "en"})
    assert response.status_code == 400
    assert stored_profile(app, signed_in_user)["name"] == "Amina Saleh"


# --- FR-UI-006-04: the picture ---------------------------------------------------------------


def test_fr_ui_006_04_avatar_is_reencoded_without_metadata(app, flows, signed_in_user,
                                                           avatar_dir):
    original = images.jpeg_with_exif()
    response = upload(flows, original, filename="holiday-at-home.jpg")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/profile"
    page = profile_page(flows)
    assert "Your picture was updated." in page
    url = avatar_url(page)
    public_id = url.rsplit("/", 1)[1]

    [stored] = list(avatar_dir.iterdir())
    assert stored.name == f"{public_id}.jpg"  # a random name, not the user's
    assert "holiday" not in stored.name and signed_in_user["id"] not in stored.name
    data = stored.read_bytes()
    assert data != original
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and dict(image.getexif()) == {}
    assert images.CAMERA.encode() not in data and images.SECRET_COMMENT not in data

    served = flows.client.get(url)
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.data == data
    [record] = events(app, signed_in_user, AuditEvent.Profile.AvatarChanged)
    assert record.detail["width"] == 32


def test_fr_ui_006_04_avatar_url_works_without_a_session(app, flows, signed_in_user,
                                                         avatar_dir):
    upload(flows, images.transparent_png(), filename="logo.png", content_type="image/png")
    url = avatar_url(profile_page(flows))
    served = app.test_client().get(url)  # a relying party's <img>: no cookie
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in served.headers["Cache-Control"]


def test_fr_ui_006_04_replacing_deletes_the_old_file(app, flows, signed_in_user, avatar_dir):
    upload(flows, images.jpeg_with_exif())
    first = avatar_url(profile_page(flows))
    upload(flows, images.webp_bytes(), filename="new.webp", content_type="image/webp")
    second = avatar_url(profile_page(flows))
    assert first != second
    assert len(list(avatar_dir.iterdir())) == 1
    assert flows.client.get(first).status_code == 404
    assert flows.client.get(second).status_code == 200


def test_fr_ui_006_04_removing_the_picture(app, flows, signed_in_user, avatar_dir):
    upload(flows, images.jpeg_with_exif())
    url = avatar_url(profile_page(flows))
    page = profile_page(flows)
    response = flows.client.post("/account/profile/avatar/remove",
                                 data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert avatar_url(profile_page(flows)) is None
    assert list(avatar_dir.iterdir()) == []
    assert flows.client.get(url).status_code == 404


BAD_FILES = {
    "pdf-named-png": (images.pdf_bytes(), "photo.png", "image/png",
                      "This file is not a PNG, JPEG or WebP picture."),
    "text-named-jpg": (images.TEXT, "photo.jpg", "image/jpeg",
                       "This file is not a PNG, JPEG or WebP picture."),
    "svg-with-script": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                        "photo.png", "image/png", "This file is not a PNG, JPEG or WebP picture."),
    "gif": (images.gif_bytes(), "photo.gif", "image/gif",
            "This file is not a PNG, JPEG or WebP picture."),
    "animated-gif": (images.animated("GIF"), "dance.gif", "image/gif",
                     "This file is not a PNG, JPEG or WebP picture."),
    "animated-webp": (images.animated("WEBP"), "dance.webp", "image/webp",
                      "Animated pictures cannot be used."),
    "truncated-jpeg": (images.truncated(images.jpeg_with_exif()), "half.jpg", "image/jpeg",
                       "This picture is damaged or incomplete"),
    "decompression-bomb": (images.png_bomb(8000, 8000), "small.png", "image/png",
                           "The picture is too large: at most 4096 x 4096 pixels."),
    "no-file": (b"", "", "application/octet-stream", "Choose a picture to upload."),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_fr_ui_006_04_bad_files_are_refused_with_a_clear_message(app, flows, signed_in_user,
                                                                 avatar_dir, case):
    data, filename, content_type, message = BAD_FILES[case]
    response = upload(flows, data, filename, content_type)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="field-error"' in page
    assert list(avatar_dir.iterdir()) == []
    assert stored_profile(app, signed_in_user)["avatar_path"] is None


def test_fr_ui_006_04_a_refused_file_keeps_the_current_picture(app, flows, signed_in_user,
                                                               avatar_dir):
    upload(flows, images.jpeg_with_exif())
    before = avatar_url(profile_page(flows))
    response = upload(flows, images.pdf_bytes(), "photo.png", "image/png")
    assert response.status_code == 400
    assert avatar_url(response.get_data(as_text=True)) == before
    assert flows.client.get(before).status_code == 200


def test_fr_ui_006_04_huge_file_is_refused_before_it_is_read(app, flows, signed_in_user,
                                                             avatar_dir):
    huge = images.png_bytes() + b"\x00" * (3 * 1024 * 1024)
    response = upload(flows, huge, "huge.png", "image/png")
    assert response.status_code == 413
    assert "The picture is larger than 2 MB." in response.get_data(as_text=True)
    assert list(avatar_dir.iterdir()) == []


def test_fr_ui_006_04_file_just_over_the_limit_is_refused_by_its_size(app, flows,
                                                                      signed_in_user,
                                                                      avatar_dir):
    data = images.png_bytes() + b"\x00" * (2 * 1024 * 1024)  # within the request's slack
    response = upload(flows, data, "big.png", "image/png")
    assert response.status_code == 400
    assert "The picture is larger than 2 MB." in response.get_data(as_text=True)


def test_fr_ui_006_04_text_instead_of_a_file_is_no_file(flows, signed_in_user, avatar_dir):
    csrf = csrf_from(profile_page(flows))
    for content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        response = flows.client.post("/account/profile/avatar", content_type=content_type,
                                     data={"csrf_token": csrf, "avatar": "<svg onload=x>"})
        assert response.status_code == 400
        assert "Choose a picture to upload." in response.get_data(as_text=True)


def test_fr_ui_006_04_upload_needs_a_login(client, avatar_dir):
    response = client.post("/account/profile/avatar", content_type="multipart/form-data",
                           data={"avatar": (io.BytesIO(images.png_bytes()), "a.png")})
    assert response.status_code in (302, 400)
    assert list(avatar_dir.iterdir()) == []


@pytest.mark.parametrize("public_id", ["nope", "A" * 22, "..%2F..%2Fetc%2Fpasswd"])
def test_fr_ui_006_04_unknown_avatar_is_not_found(client, public_id):
    assert client.get(f"/account/avatar/{public_id}").status_code == 404
