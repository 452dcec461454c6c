"""Refusals of the brute-force defence (NFR-UI-002-03). ``AccountLocked`` lives in
``lockout.py``, the interface other packages import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from idp.errors import IdpError


class TooManyAttempts(IdpError):
    """A rate limit refused the request: 429 with ``Retry-After``."""

    code = "too_many_requests"
    status = 429
    description = _l("Too many attempts. Please wait a moment and try again.")

    def __init__(self, retry_after: int, description=None, *, detail=None,
                 limit: str = "identifier"):
        super().__init__(description, detail=detail)
        self.retry_after = max(1, int(retry_after))
        self.limit = limit  # what refused: the setting of a rate limit, or "identifier"


class SecurityLinkInvalid(IdpError):
    code = "invalid_link"
    status = 400
    description = _l("This link is not valid: it has expired or has already been used.")
