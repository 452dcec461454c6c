"""What can go wrong with a second factor, each with its public text."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from idp.errors import IdpError


class SecondFactorFailed(IdpError):
    """The code was refused; ``reason`` (wrong, expired, replayed, used…) goes to the audit log."""

    code = "mfa_failed"
    status = 400
    description = _l("That code is not right. Check it and try again.")

    def __init__(self, description=None, *, reason: str = "wrong_code", detail=None):
        super().__init__(description, detail=detail)
        self.reason = reason


class CodeExpired(SecondFactorFailed):
    code = "mfa_code_expired"
    description = _l("That code has expired. Ask for a new one.")


class CodeAttemptsExceeded(SecondFactorFailed):
    code = "mfa_code_attempts_exceeded"
    description = _l("Too many wrong entries of that code. Ask for a new one.")


class ResendTooSoon(IdpError):
    """EC-UI-003: another code was sent a moment ago."""

    code = "mfa_resend_too_soon"
    status = 429

    def __init__(self, retry_after: int):
        super().__init__(_l("Please wait %(seconds)d seconds before asking for a new code.",
                            seconds=retry_after))
        self.retry_after = retry_after


class MethodUnavailable(IdpError):
    """The user has no such second factor (or no address to send a code to)."""

    code = "mfa_method_unavailable"
    status = 400
    description = _l("This way of confirming is not set up for your account.")


class PendingLoginMissing(IdpError):
    """The half-done login is unknown, used or expired: start again with the password."""

    code = "mfa_pending_missing"
    status = 400
    description = _l("Your sign-in took too long. Please sign in again.")
