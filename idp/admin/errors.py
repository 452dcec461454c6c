"""What the admin API refuses, each with its code and status (answered as
``{"error", "error_description"}`` by ``idp.error_handlers``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from idp.errors import IdpError
from idp.errors import InvalidInput
from idp.errors import NotFound


class UserNotFound(NotFound):
    code = "user_not_found"
    description = _l("There is no user with this id.")


class InvalidBody(InvalidInput):
    """A JSON body that is missing, malformed, or has a field of the wrong kind."""

    code = "invalid_request"


class SelfAction(IdpError):
    """An administrator may not disable or lock their own account (that is how everyone loses
    access); another administrator, or `idp admin emergency`, has to."""

    code = "self_action_refused"
    status = 409
    description = _l("You cannot do this to your own account.")


class ContactsNotVerified(IdpError):
    """BR-UI-003/004: an account is activated only once its email and phone are verified."""

    code = "contacts_not_verified"
    status = 409
    description = _l("The account's email address and phone number must be verified before it "
                     "is activated.")
