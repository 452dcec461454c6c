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
