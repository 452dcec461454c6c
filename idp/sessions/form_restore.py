"""EC-UI-005: a form posted on an expired session keeps what the user typed.

``@keeps_form`` wraps an account form's view (exempt from the global CSRF check, which it runs
itself): a POST without a live login session stores the posted fields in the signed Flask
session cookie (``idp_form``) under the form's path, and sends the browser to log in with
``next`` back to the form; the form's GET then calls ``restored_form(FormClass)`` to fill it in.
Passwords, the CSRF token and files are never kept. A post whose CSRF token no longer matches
(the browser session ended too) is kept only when it comes from our own origin (Origin or
Referer); another site's is refused as any forged form is, so it cannot plant values.
"""

from __future__ import annotations

import functools
import json
import time

from flask import current_app
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import MultiDict

from idp.extensions import csrf

_KEY = "idp_restore"
#: The cookie holds at most this much of what was typed (browsers cap a cookie near 4 KiB).
MAX_BYTES = 2048


def _kept_fields() -> list[tuple[str, str]]:
    return [(name, value) for name, value in request.form.items(multi=True)
            if name != "csrf_token" and "password" not in name.lower() and len(value) <= 1000]


def _same_origin() -> bool:
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    return source == request.host_url.rstrip("/") or source.startswith(request.host_url)


def save_form() -> bool:
    """Keep this POST's fields for the GET of the same path; False when they do not fit."""
    fields = _kept_fields()
    if len(json.dumps(fields)) > MAX_BYTES:
        return False
    session[_KEY] = {"path": request.path, "fields": fields, "at": int(time.time())}
    return True


def restored_form(form_class, **kwargs):
    """``form_class`` filled with what was saved for this path (and forget it), or None."""
    saved = session.get(_KEY)
    if not saved or saved.get("path") != request.path:
        return None
    session.pop(_KEY, None)
    if time.time() - saved.get("at", 0) > current_app.config["IDP_FORM_RESTORE_SECONDS"]:
        return None
    return form_class(formdata=MultiDict(saved["fields"]), **kwargs)


def keeps_form(view):
    """Decorator for a view whose POST needs a login session (see the module docstring)."""
    from idp.sessions.services import current_session

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if request.method == "POST" and current_session() is None:
            try:
                csrf.protect()
            except CSRFError:
                if not _same_origin():
                    raise  # another site's post: refused as any forged form is
            save_form()
            return redirect(url_for("accounts.login", next=request.path))
        if request.method == "POST":
            csrf.protect()
        return view(*args, **kwargs)

    return csrf.exempt(wrapper)
