"""Errors mapped to responses in one place: JSON for APIs and protocol endpoints, a translated
page for browsers. Anything unexpected becomes ``server_error``; its detail goes only to the log."""

from __future__ import annotations

import time

from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from idp.errors import IdpError
from idp.extensions import limiter

JSON_PATHS = ("/token", "/introspect", "/revoke", "/userinfo", "/api/", "/.well-known/",
              "/jwks.json")

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You are not allowed to do this."),
    413: _l("What you sent is too large."),
    404: _l("This page does not exist."),
    405: _l("This page cannot be used that way."),
    429: _l("Too many attempts. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Please try again."),
}


def _wants_json() -> bool:
    return request.path.startswith(JSON_PATHS) or (
        request.accept_mimetypes.best_match(["text/html", "application/json"])
        == "application/json")


def _respond(status: int, code: str, message, headers=None):
    if _wants_json():
        response = jsonify(error=code, error_description=str(message))
        response.status_code = status
    else:
        response = current_app.make_response(
            (render_template("errors/page.html", message=message, code=code), status))
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_idp_error(error: IdpError):
    if error.status >= 500:
        current_app.logger.error("%s: %s", error.code, error.detail or error)
        return _respond(500, "server_error", MESSAGES[500])
    return _respond(error.status, error.code, error.description)


def handle_csrf_error(error: CSRFError):
    return _respond(400, "invalid_request",
                    _l("This form has expired. Please go back, reload the page and try again."))


def handle_http_error(error: HTTPException):
    status = error.code or 500
    headers = {}
    if status == 429:
        limit = limiter.current_limit
        if limit is not None:
            headers["Retry-After"] = str(max(1, int(limit.reset_at - time.time())))
    code = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed",
            429: "too_many_requests"}.get(status, "server_error" if status >= 500 else "error")
    fallback = MESSAGES[500] if status >= 500 else MESSAGES[400]
    return _respond(status, code, MESSAGES.get(status, fallback), headers)


def handle_unexpected(error: Exception):
    current_app.logger.exception("unhandled error")
    return _respond(500, "server_error", MESSAGES[500])


def init_app(app) -> None:
    app.register_error_handler(IdpError, handle_idp_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
