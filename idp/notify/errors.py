"""What can go wrong when sending."""

from __future__ import annotations

from idp.errors import IdpError


class DeliveryFailed(IdpError):
    """A provider did not accept a message.

    ``description`` is safe to store and show an operator: it never holds the recipient, the
    text or a credential (an SMTP code, an HTTP status, a socket error). ``detail`` may say
    more, for the log only.
    """

    code = "delivery_failed"
    status = 502
