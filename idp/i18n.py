"""Choosing the language of the hosted pages (Arabic, right to left, and English)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from flask_babel import get_locale

LANGUAGE_COOKIE = "idp_lang"
RTL_LANGUAGES = {"ar", "fa", "he", "ur"}


def select_locale() -> str:
    """An explicit switch (``?lang=``) first, then the authorization request's ``ui_locales``,
    then the language chosen earlier (cookie), then Accept-Language, then the default."""
    if not has_request_context():
        return "en"  # the command line and background jobs speak to operators
    supported = current_app.config["IDP_LOCALES"]
    asked = request.args.get("lang")
    if asked in supported:
        return asked
    for tag in g.get("ui_locales", ()):
        language = tag.split("-")[0].lower()
        if language in supported:
            return language
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in supported:
        return chosen
    return request.accept_languages.best_match(supported) or current_app.config[
        "IDP_DEFAULT_LOCALE"]


def remember_language(response):
    asked = request.args.get("lang")
    if asked in current_app.config["IDP_LOCALES"] and request.cookies.get(LANGUAGE_COOKIE) != asked:
        response.set_cookie(LANGUAGE_COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def template_globals() -> dict:
    def language_url(language: str) -> str:
        args = request.args.to_dict()
        args["lang"] = language
        return request.path + "?" + urlencode(args)

    def text_direction() -> str:
        return "rtl" if str(get_locale()) in RTL_LANGUAGES else "ltr"

    return {"language_url": language_url, "text_direction": text_direction,
            "get_locale": get_locale, "locales": current_app.config["IDP_LOCALES"]}
