"""The profile in a real browser, in Arabic and in English (FR-UI-006): sign in to reach it,
a PDF named .png refused beside the form, a photo uploaded and shown, the phone number changed
with the SMS code, and the preferred language that the pages then follow. Screenshots of each
page go to test-artifacts/screenshots/profile-*.png."""

import re

import pytest

from tests.browser.journey import BROWSER_TEST
from tests.browser.journey import DIRECTION
from tests.browser.journey import check_page
from tests.browser.journey import language_and_direction
from tests.browser.journey import log_in
from tests.browser.journey import submit
from tests.flows import PASSWORD
from tests.unit.accounts import images

pytestmark = BROWSER_TEST

OTHER = {"ar": "en", "en": "ar"}
TITLE = {"ar": "ملفك الشخصي", "en": "Your profile"}
NOT_A_PICTURE = {"ar": "هذا الملف ليس صورة بصيغة PNG أو JPEG أو WebP.",
                 "en": "This file is not a PNG, JPEG or WebP picture."}
UPDATED = {"ar": "تم تحديث صورتك.", "en": "Your picture was updated."}
PHONE_CHANGED = {"ar": "تم تغيير رقم هاتفك.", "en": "Your phone number was changed."}
NAME = {"ar": "أمينة صالح", "en": "Amina <Saleh>"}
EMAIL_CHANGED = {"ar": "تم تغيير بريدك الإلكتروني.", "en": "Your email address was changed."}
EMAIL_CHANGED_SUBJECT = {"ar": "تم تغيير البريد الإلكتروني لحسابك",
                         "en": "The email address of your account was changed"}


@pytest.fixture
def user(live_server):
    return live_server.flows.make_user(phone="+967771234567")


@pytest.fixture(autouse=True)
def avatar_dir(live_server, tmp_path, monkeypatch):
    monkeypatch.setitem(live_server.app.config, "IDP_AVATAR_DIR", str(tmp_path))
    return tmp_path




def choose_file(page, name: str, data: bytes, mime: str) -> None:
    page.set_input_files("input[name=avatar]", [{"name": name, "mimeType": mime,
                                                 "buffer": data}])
    submit(page, "form[action='/account/profile/avatar'] button[type=submit]:not([form])")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_fr_ui_006_profile_in_the_browser(new_page, live_server, user, outbox, avatar_dir,
                                          lang):
    page = new_page(lang)
    page.goto("/account/profile")
    assert "/login" in page.url  # sign in first, then back to the profile
    log_in(page, user["email"])
    assert page.url == live_server.url + "/account/profile"
    assert page.locator("h1").inner_text() == TITLE[lang]
    assert page.input_value("input[name=name]") == "Amina Saleh"
    assert "•••••4567" in page.inner_text("main")
    check_page(page, "profile-page", lang)

    # FR-UI-006-04: a PDF named .png is refused, with the reason beside the field.
    choose_file(page, "photo.png", images.pdf_bytes(), "image/png")
    assert NOT_A_PICTURE[lang] in page.locator(".field-error").inner_text()
    assert list(avatar_dir.iterdir()) == []
    check_page(page, "profile-error", lang)

    choose_file(page, "holiday.jpg", images.jpeg_with_exif(size=(640, 480)), "image/jpeg")
    assert page.url == live_server.url + "/account/profile"
    assert UPDATED[lang] in page.inner_text("main")
    picture = page.locator("main img")
    assert picture.evaluate("img => img.complete && img.naturalWidth") == 480
    check_page(page, "profile-avatar", lang)

    # FR-UI-006-03: a new phone number, with the code sent to it.
    with page.expect_navigation():
        page.click("a[href='/account/profile/phone']")
    page.fill("input[name=phone]", "77 111 2233")
    page.fill("input[name=current_password]", PASSWORD)
    check_page(page, "profile-phone", lang)
    submit(page, "main form button.primary")
    assert page.url == live_server.url + "/account/profile/phone/code"
    outbox.deliver()
    check_page(page, "profile-phone-code", lang)
    page.fill("input[name=code]", outbox.last_code("+967771112233"))
    submit(page, "button[value=confirm]")
    assert page.url == live_server.url + "/account/profile"
    assert PHONE_CHANGED[lang] in page.inner_text("main")
    assert "•••••2233" in page.inner_text("main")
    told = [sms for sms in outbox.deliver() if sms.to == "+967771234567"]
    assert len(told) == 1

    # FR-UI-006-02: name and preferred language; the pages follow the language chosen.
    page.fill("input[name=name]", NAME[lang])
    page.check(f"input[name=locale][value={OTHER[lang]}]")
    submit(page, "form[action='/account/profile'] button[type=submit]")
    assert language_and_direction(page) == (OTHER[lang], DIRECTION[OTHER[lang]])
    assert page.input_value("input[name=name]") == NAME[lang]
    check_page(page, "profile-saved", OTHER[lang])
    page.goto("/")
    assert language_and_direction(page)[0] == OTHER[lang]


def test_fr_ui_006_02_language_follows_the_profile_in_a_new_browser(new_page, live_server,
                                                                    user):
    with live_server.app.app_context():
        from idp.accounts.profile import update_profile
        from idp.accounts.services import get_user
        from idp.extensions import db

        update_profile(get_user(user["id"]), name="Amina Saleh", locale="en")
        db.session.commit()
    page = new_page("ar")  # a browser asking for Arabic
    page.goto("/login?next=/account/profile")
    assert language_and_direction(page) == ("ar", "rtl")
    log_in(page, user["email"])
    assert language_and_direction(page) == ("en", "ltr")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_fr_ui_006_03_email_change_in_the_browser(new_page, live_server, user, outbox, lang):
    page = new_page(lang)
    page.goto("/login?next=/account/profile/email")
    log_in(page, user["email"])
    page.fill("input[name=email]", "amina.new@example.com")
    page.fill("input[name=current_password]", PASSWORD)
    check_page(page, "profile-email", lang)
    submit(page, "main form button.primary")
    assert page.url == live_server.url + "/account/profile/email/sent"
    assert "amina.new@example.com" in page.inner_text("main")
    check_page(page, "profile-email-sent", lang)

    outbox.deliver()
    [email] = [m for m in outbox.emails if m.to == "amina.new@example.com"]
    link = re.search(r"https?://\S+/account/email/verify\?\S+", email.body).group(0)
    page.goto(link)
    assert "amina.new@example.com" in page.inner_text("main")
    check_page(page, "profile-email-confirm", lang)
    submit(page, "main form button.primary")
    assert page.url == live_server.url + "/account/profile"
    assert EMAIL_CHANGED[lang] in page.inner_text("main")
    assert "amina.new@example.com" in page.inner_text("main")
    told = [m for m in outbox.deliver() if getattr(m, "to", None) == user["email"]]
    assert [m.subject for m in told] == [EMAIL_CHANGED_SUBJECT[lang]]
