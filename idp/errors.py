"""The base of every error the identity provider raises on purpose."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class IdpError(Exception):
    """A failure with a machine code, an HTTP status, public text and private detail.

    ``description`` may be shown to the caller; ``detail`` goes only to the logs.
    """

    code = "server_error"
    status = 500
    description = _l("The server could not complete the request.")

    def __init__(self, description: str | None = None, *, detail: str | None = None):
        if description is not None:
            self.description = description
        super().__init__(self.description)
        self.detail = detail


class InvalidInput(IdpError):
    code = "invalid_request"
    status = 400
    description = _l("The request is not valid.")


class NotFound(IdpError):
    code = "not_found"
    status = 404
    description = _l("Not found.")
