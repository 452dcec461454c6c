"""The device id: a long-lived random cookie that tells one browser from another.

FR-UI-005-03 / BR-UI-009 (one session per device), BR-UI-007 (a login from a new device),
FR-UI-002-02 (trust this device) and FR-UI-002-05 (a device that logged in before is throttled
apart from unknown ones) all key on it. The cookie holds a random secret; the database only ever
sees its keyed digest (``device_key``), so a leaked table names no cookie.
"""

from __future__ import annotations

import re

from flask import current_app
from flask import g
from flask import request

from idp.security import crypto

#: Browsers cap cookie lifetimes at 400 days (RFC 6265bis §5.6.1).
DEVICE_COOKIE_SECONDS = 400 * 24 * 3600
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def device_cookie_name() -> str:
    return "idp_device" if current_app.config["IDP_ENV"] != "production" else "__Host-idp_device"


def device_id() -> str:
    """This request's device id: the cookie's, or a new one set on the response."""
    if "idp_device_id" not in g:
        value = request.cookies.get(device_cookie_name(), "")
        g.idp_device_is_new = not _SHAPE.match(value)
        g.idp_device_id = crypto.new_secret() if g.idp_device_is_new else value
    return g.idp_device_id


def device_key() -> str:
    """The keyed digest of this request's device id: what tables store (64 hex)."""
    return crypto.keyed_digest("device:" + device_id())


def is_new_device() -> bool:
    """True when the request carried no device cookie (first visit, or cookies cleared)."""
    device_id()
    return g.idp_device_is_new


def _set_device_cookie(response):
    if g.get("idp_device_is_new"):
        response.set_cookie(device_cookie_name(), g.idp_device_id, max_age=DEVICE_COOKIE_SECONDS,
                            path="/", httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def init_app(app) -> None:
    app.after_request(_set_device_cookie)
