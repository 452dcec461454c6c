from flask_babel import lazy_gettext as _l

from idp.errors import IdpError


class LoginFailed(IdpError):
    """Wrong identifier or password; the same answer whether the account exists or not."""

    code = "login_failed"
    status = 401
    description = _l("The email, phone number or password is not correct.")


class AccountNotActive(IdpError):
    code = "account_not_active"
    status = 403
    description = _l("This account is not active.")


class IdentifierTaken(IdpError):
    code = "identifier_taken"
    status = 409
    description = _l("An account with this email or phone number exists already.")


class PasswordRejected(IdpError):
    """A new password breaks the policy (FR-UI-003-01, BR-UI-005) or repeats an old one
    (FR-UI-003-05). Each rule has its own subclass; ``rule`` names it in logs and tests."""

    code = "password_rejected"
    status = 400
    rule = "rejected"
    description = _l("Choose a different password.")


class PasswordTooShort(PasswordRejected):
    rule = "too_short"

    def __init__(self, minimum: int):
        super().__init__(_l("Use at least %(count)d characters.", count=minimum))


class PasswordTooLong(PasswordRejected):
    rule = "too_long"

    def __init__(self, maximum: int):
        super().__init__(_l("Use at most %(count)d characters.", count=maximum))


class PasswordNeedsDigit(PasswordRejected):
    rule = "needs_digit"
    description = _l("Include at least one digit (0-9).")


class PasswordNeedsSymbol(PasswordRejected):
    rule = "needs_symbol"
    description = _l("Include at least one symbol, such as ! # - or @.")


class PasswordBreached(PasswordRejected):
    rule = "breached"
    description = _l("This password is too common: it appears in lists of leaked passwords. "
                     "Choose another.")


class PasswordContainsPersonalData(PasswordRejected):
    rule = "personal_data"
    description = _l("Do not use your name, email address or phone number in your password.")


class PasswordReused(PasswordRejected):
    rule = "reused"

    def __init__(self, count: int):
        super().__init__(_l("Choose a password you have not used for your last %(count)d "
                            "passwords.", count=count))


class WrongCurrentPassword(IdpError):
    code = "wrong_password"
    status = 400
    description = _l("Your current password is not correct.")


class ResetLinkInvalid(IdpError):
    """A reset link that is unknown, expired or already used: one answer for all three."""

    code = "reset_link_invalid"
    status = 400
    description = _l("This link has expired or has been used already. Ask for a new one.")


class ResetCodeInvalid(IdpError):
    code = "reset_code_invalid"
    status = 400
    description = _l("The code is not correct or has expired.")


class ResetCodeAttemptsExhausted(ResetCodeInvalid):
    code = "reset_code_attempts_exhausted"
    description = _l("Too many wrong codes. Ask for a new code.")


class NotSupportAdmin(IdpError):
    code = "not_support_admin"
    status = 403
    description = _l("Only an active support or super admin may recover an account.")


# --- verification of email addresses and phone numbers (FR-UI-001-03/04, EC-UI-001/003) ---


class VerificationFailed(IdpError):
    """An email link or SMS code that cannot verify anything. ``channel`` ("email" or "sms")
    chooses the wording: a link or a code."""

    code = "verification_failed"
    status = 400

    def __init__(self, description=None, *, channel: str = "email", detail: str | None = None):
        self.channel = channel
        super().__init__(description, detail=detail)


class VerificationInvalid(VerificationFailed):
    """An unknown or already used link, or a wrong code; ``attempts_left`` for a code."""

    code = "verification_invalid"

    def __init__(self, *, channel: str = "email", attempts_left: int | None = None):
        self.attempts_left = attempts_left
        if channel != "email" and attempts_left is not None:
            description = _l("The code is not correct. Tries left: %(count)d.",
                             count=attempts_left)
        elif channel != "email":
            description = _l("The code is not correct. Ask for a new code.")
        else:
            description = _l("This link is not valid or has been used already.")
        super().__init__(description, channel=channel)


class VerificationExpired(VerificationFailed):
    code = "verification_expired"

    def __init__(self, *, channel: str = "email"):
        if channel == "email":
            description = _l("This link has expired. Ask for a new one.")
        else:
            description = _l("This code has expired. Ask for a new code.")
        super().__init__(description, channel=channel)


class VerificationAttemptsExceeded(VerificationFailed):
    """The code was entered wrongly too many times and no longer works."""

    code = "verification_attempts_exceeded"
    description = _l("Too many wrong codes: this code no longer works. Ask for a new code.")

    def __init__(self, *, channel: str = "sms"):
        super().__init__(channel=channel)


class ResendTooSoon(IdpError):
    """A new code was asked for before the wait of EC-UI-003 is over."""

    code = "resend_too_soon"
    status = 429

    def __init__(self, retry_after_seconds: int):
        self.retry_after_seconds = retry_after_seconds
        super().__init__(_l("Wait %(seconds)d seconds before asking for a new code.",
                            seconds=retry_after_seconds))


class AccountExists(IdpError):
    """The email address or phone number belongs to an account already (BR-UI-001/002,
    EC-UI-001). ``field`` is "email" or "phone"."""

    code = "account_exists"
    status = 409

    def __init__(self, field: str):
        self.field = field
        if field == "phone":
            super().__init__(_l("An account with this phone number exists already."))
        else:
            super().__init__(_l("An account with this email address exists already."))


class TermsNotAccepted(IdpError):
    code = "terms_not_accepted"
    status = 400
    description = _l("Accept the terms and conditions to create an account.")


class NameRejected(IdpError):
    code = "name_rejected"
    status = 400
    description = _l("Enter your name.")


class NotMobileNumber(IdpError):
    code = "not_mobile_number"
    status = 400
    description = _l("Enter a mobile phone number: we send a code to it by SMS.")
