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
    then the language chosen earlier in this browser (cookie), then the signed-in user's
    preferred language (FR-UI-006-01), then Accept-Language, then the default."""
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
    preferred = _profile_locale()
    if preferred in supported:
        return preferred
    return request.accept_languages.best_match(supported) or current_app.config[
        "IDP_DEFAULT_LOCALE"]


def _profile_locale() -> str | None:
    """The signed-in user's profile language. Costs nothing without a session cookie; with
    one, the session and user are those the page looks up anyway (cached per request)."""
    from idp.sessions.services import cookie_name

    if not request.cookies.get(cookie_name()):
        return None
    from idp.accounts.services import get_user
    from idp.sessions.services import current_session

    login = current_session()
    user = get_user(login.user_id) if login else None
    return user.profile.locale if user is not None and user.profile is not None else None


def set_language_cookie(response, language: str) -> None:
    """Remember ``language`` as this browser's choice."""
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])


def remember_language(response):
    asked = request.args.get("lang")
    if asked in current_app.config["IDP_LOCALES"] and request.cookies.get(LANGUAGE_COOKIE) != asked:
        set_language_cookie(response, asked)
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
