"""Response headers every page gets (NFR-UI-002-04): no framing by others, a strict CSP, HSTS
outside development, and no caching of anything that may carry tokens or personal data."""

from __future__ import annotations

from flask import current_app
from flask import g
from flask import request

# No form-action: browsers apply it to the redirects that follow a form post, and the login and
# consent posts end at the client's redirect URI, which may be an app's private-use scheme.
# frame-ancestors 'none': no site may frame our pages (clickjacking of the login and consent).
CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; " \
      "base-uri 'none'"

#: Responses other sites may keep: public documents that never name a user.
CACHEABLE_PREFIXES = ("/static/", "/.well-known/", "/jwks.json")


def content_security_policy() -> str:
    # Front-Channel Logout §3: the signed-out page frames each client's logout URI; the view
    # names their origins in g.csp_frame_src, and only that page allows them.
    frames = g.get("csp_frame_src")
    return CSP + ("; frame-src " + " ".join(frames) if frames else "")


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", content_security_policy())
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
    # Pages and API answers may show tokens or personal data: never stored by a browser or a
    # proxy. A view that knows better (the JWKS, discovery, avatars) sets its own.
    if not request.path.startswith(CACHEABLE_PREFIXES):
        headers.setdefault("Cache-Control", "no-store")
    config = current_app.config
    if config["SESSION_COOKIE_SECURE"] or config["IDP_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    return response
