"""The base of every error the identity provider raises on purpose."""

from __future__ import annotations


class IdpError(Exception):
    """A failure with a machine code, an HTTP status, public text and private detail.

    ``description`` may be shown to the caller; ``detail`` goes only to the logs.
    """

    code = "server_error"
    status = 500
    description = "The server could not complete the request."

    def __init__(self, description: str | None = None, *, detail: str | None = None):
        super().__init__(description or self.description)
        if description:
            self.description = description
        self.detail = detail


class InvalidInput(IdpError):
    code = "invalid_request"
    status = 400
    description = "The request is not valid."


class NotFound(IdpError):
    code = "not_found"
    status = 404
    description = "Not found."
