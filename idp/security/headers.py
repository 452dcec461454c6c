"""Response headers every page gets: no framing, a strict CSP, HSTS over https."""

from __future__ import annotations

from flask import current_app

# No form-action: browsers apply it to the redirects that follow a form post, and the login and
# consent posts end at the client's redirect URI, which may be an app's private-use scheme.
CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; " \
      "base-uri 'none'"


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        # form-action must allow the clients' redirect URIs: a consent POST redirects there.
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Cache-Control", "no-store")
    if current_app.config["SESSION_COOKIE_SECURE"]:  # served over https (production)
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    return response
