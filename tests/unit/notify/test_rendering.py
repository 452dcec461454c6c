"""Rendering templates/notify/: subject and body blocks, SMS text, the language."""

import re
from pathlib import Path

import pytest
from jinja2 import TemplateNotFound

from idp.notify.rendering import render
from idp.notify.rendering import supported_locale

TEMPLATES = Path(__file__).resolve().parents[3] / "templates" / "notify"


def test_email_template_gives_a_one_line_subject_and_a_body(ctx):
    rendered = render("password_changed", "email", {"name": "Amina"}, "en")
    assert rendered.subject == "Your password was changed"
    assert rendered.body.startswith("Hello Amina,\n\nThe password of your account was just "
                                    "changed.")
    assert "reset your password now" in rendered.body
    assert rendered.body == rendered.body.strip()


def test_sms_template_is_the_whole_text_without_a_subject(ctx):
    rendered = render("password_changed", "sms", {}, "en")
    assert rendered.subject is None
    assert rendered.body == "Your password was changed. If it wasn't you, reset it now."


def test_optional_context_appears_only_when_given(ctx):
    without = render("password_changed", "email", {"name": ""}, "en").body
    with_link = render("password_changed", "email",
                       {"name": "", "reset_url": "https://id.example/reset"}, "en").body
    assert without.startswith("Hello,\n")
    assert "https://id.example/reset" not in without
    assert "Reset your password: https://id.example/reset" in with_link


def test_text_templates_are_not_html_escaped(ctx):
    # Plain text: escaping would show "&lt;" to the reader; nothing renders HTML from it.
    body = render("password_changed", "email", {"name": "Ali & <Sons>"}, "en").body
    assert "Hello Ali & <Sons>," in body


def test_one_time_code_states_the_code_and_its_lifetime(ctx):
    sms = render("one_time_code", "sms", {"code": "042917", "minutes": 10}, "en").body
    assert sms.startswith("042917 is your verification code.")
    assert "10 minutes" in sms
    email = render("one_time_code", "email", {"code": "042917"}, "en")
    assert "042917" not in email.subject  # previews on a locked screen show the subject
    assert "Your verification code is 042917." in email.body


def test_unknown_template_is_refused(ctx):
    with pytest.raises(TemplateNotFound):
        render("no_such_message", "email", {}, "en")


@pytest.mark.parametrize(("asked", "chosen"), [("en", "en"), ("ar", "ar"), ("ar-YE", "ar"),
                                                ("en_GB", "en"), ("fr", "ar"), (None, "ar"),
                                                ("", "ar")])
def test_locale_falls_back_to_the_default(ctx, asked, chosen):
    assert supported_locale(asked) == chosen


def test_every_sentence_of_every_template_is_translatable():
    # Text outside {{ _("…") }} would reach Arabic readers in English.
    for path in TEMPLATES.glob("*.txt"):
        source = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", "", path.read_text(), flags=re.S)
        assert not source.strip(), f"{path.name}: untranslated text {source.strip()!r}"
