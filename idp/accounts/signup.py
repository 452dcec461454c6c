"""Customer signup (UC-UI-001): a pending account that becomes active once both its email
address and its phone number are verified.

FR-UI-001-01/03/04/05, BR-UI-001..004, EC-UI-001, EC-UI-003. Uniqueness is decided by the
database (case-insensitive email, keyed digest of the E.164 number), so of two simultaneous
signups with one address exactly one account is made and the other gets AccountExists.
Activation is one conditional UPDATE: when the email link and the SMS code are confirmed at
the same moment in two browsers, whichever commits second activates the account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from flask import current_app
from flask_babel import lazy_gettext as _l

from idp import audit
from idp.accounts import verification
from idp.accounts.errors import AccountExists
from idp.accounts.errors import IdentifierTaken
from idp.accounts.errors import NameRejected
from idp.accounts.errors import NotMobileNumber
from idp.accounts.errors import ResendTooSoon
from idp.accounts.errors import TermsNotAccepted
from idp.accounts.errors import VerificationInvalid
from idp.accounts.identifiers import normalise_email
from idp.accounts.identifiers import normalise_phone
from idp.accounts.models import User
from idp.accounts.models import UserStatus
from idp.accounts.services import create_user
from idp.accounts.services import find_user
from idp.accounts.services import phone_number
from idp.accounts.verification_models import VerificationChannel
from idp.audit import AuditEvent
from idp.extensions import db
from idp.extensions import utcnow
from idp.rbac.services import assign_role
from idp.security.password_policy import check_password_policy

#: The ``purpose`` of signup's links and codes in ``idp.accounts.verification``.
PURPOSE = "signup"
#: Every customer starts with this role (the spec's signup workflow, phase 3).
DEFAULT_ROLE = "customer"
NAME_MAX_LENGTH = 200  # profiles.name
# Control characters and the bidirectional embeddings, overrides and isolates: a name is shown
# beside other text, which they would reorder ("Trojan Source", CVE-2021-42574).
_INVISIBLE = re.compile("[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MOBILE = {phonenumbers.PhoneNumberType.MOBILE,
           phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


@dataclass(frozen=True)
class SignupRequest:
    """What the customer typed on the signup page."""

    name: str
    email: str
    phone: str
    password: str
    terms_accepted: bool
    locale: str | None = None


@dataclass(frozen=True)
class SignupProgress:
    """What is verified, and when another code or email may be sent (seconds from now)."""

    email: str
    phone: str
    email_verified: bool
    phone_verified: bool
    active: bool
    code_wait_seconds: int
    email_wait_seconds: int


def clean_name(name: str | None) -> str:
    """The name without surrounding spaces; raises NameRejected when empty, longer than
    NAME_MAX_LENGTH or holding control or text-direction characters."""
    name = (name or "").strip()
    if not name:
        raise NameRejected()
    if len(name) > NAME_MAX_LENGTH:
        raise NameRejected(_l("Use at most %(count)d characters.", count=NAME_MAX_LENGTH))
    if _INVISIBLE.search(name):
        raise NameRejected(_l("Use letters, digits and punctuation only."))
    return name


def mobile_number(phone: str) -> str:
    """The E.164 form of a mobile number; raises InvalidIdentifier, or NotMobileNumber for a
    number that cannot receive an SMS (a fixed line)."""
    e164 = normalise_phone(phone)
    if phonenumbers.number_type(phonenumbers.parse(e164)) not in _MOBILE:
        raise NotMobileNumber()
    return e164


def existing_account_field(*, email: str | None = None, phone: str | None = None) -> str | None:
    """"email" or "phone" if that one belongs to an account already, else None."""
    if email and find_user(email) is not None:
        return "email"
    if phone and find_user(phone) is not None:
        return "phone"
    return None


def sign_up(signup: SignupRequest) -> User:
    """Create a pending customer, send the email link and the SMS code; flush.

    The accepted terms version (IDP_TERMS_VERSION) and time are stored on the account, which
    gets the customer role. Raises TermsNotAccepted, NameRejected, InvalidIdentifier,
    NotMobileNumber, a ``PasswordRejected`` (the policy, with the user's own data), or
    AccountExists (EC-UI-001; also to the loser of two simultaneous signups, after rolling the
    unit of work back). On any of them the caller rolls back. Records ``account:created`` and
    ``account:verification:sent``.
    """
    if not signup.terms_accepted:
        raise TermsNotAccepted()
    name = clean_name(signup.name)
    email = normalise_email(signup.email)
    phone = mobile_number(signup.phone)
    taken = existing_account_field(email=email, phone=phone)
    if taken:
        raise AccountExists(taken)
    check_password_policy(signup.password, email=email, phone=phone, name=name)
    try:
        user = create_user(email=email, phone=phone, password=signup.password, name=name,
                           verified=False, locale=signup.locale)
    except IdentifierTaken:  # lost a race with another signup: the unique constraint decided
        raise AccountExists(existing_account_field(email=email, phone=phone) or "email") \
            from None
    user.terms_version = current_app.config["IDP_TERMS_VERSION"]
    user.terms_accepted_at = utcnow()
    assign_role(user, DEFAULT_ROLE)
    verification.send_email_link(user, email, purpose=PURPOSE)
    verification.send_phone_code(user, phone, purpose=PURPOSE)
    return user


def awaits_verification(user: User | None) -> bool:
    """True for a pending account made by customer signup (not, say, an office waiting for
    approval): one that is taken to finish verifying when it signs in."""
    return (user is not None and user.status == UserStatus.PENDING
            and verification.has_verifications(user, purpose=PURPOSE))


def _shown(e164: str | None) -> str:
    """The number as people read it: +967 771 111 222."""
    if not e164:
        return ""
    return phonenumbers.format_number(phonenumbers.parse(e164),
                                      phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def signup_progress(user: User) -> SignupProgress:
    """What the verify page shows; ``phone`` is formatted for reading."""
    return SignupProgress(
        email=user.email or "", phone=_shown(phone_number(user)),
        email_verified=user.email_verified_at is not None,
        phone_verified=user.phone_verified_at is not None,
        active=user.status == UserStatus.ACTIVE,
        code_wait_seconds=verification.resend_wait_seconds(user, purpose=PURPOSE),
        email_wait_seconds=verification.resend_wait_seconds(
            user, purpose=PURPOSE, channel=VerificationChannel.EMAIL))


def _mark_verified(user: User, column) -> bool:
    """Set ``column`` (a ``*_verified_at``) and activate the account if both are set; return
    True if this call activated it (BR-UI-003/004)."""
    db.session.execute(
        db.update(User).where(User.id == user.id, column.is_(None)).values({column: utcnow()})
        .execution_options(synchronize_session=False))
    activated = db.session.execute(
        db.update(User)
        .where(User.id == user.id, User.status == UserStatus.PENDING,
               User.email_verified_at.is_not(None), User.phone_verified_at.is_not(None))
        .values(status=UserStatus.ACTIVE).execution_options(synchronize_session=False))
    db.session.refresh(user)
    if activated.rowcount == 1:
        audit.record(AuditEvent.Verification.Activated, user_id=user.id)
        return True
    return False


def confirm_signup_email(token: str | None) -> tuple[User, bool]:
    """Spend a signup email link and mark the account's email verified; return the user and
    whether this activated the account.

    Raises what ``verification.confirm_email_link`` raises, and VerificationInvalid when the
    account's email is no longer the address the link was sent to. The caller commits, also
    after a refusal (its audit record).
    """
    user, address = verification.confirm_email_link(token, purpose=PURPOSE)
    if user is None or address != user.email:
        raise VerificationInvalid(channel=VerificationChannel.EMAIL)
    return user, _mark_verified(user, User.email_verified_at)


def confirm_signup_phone(user: User, code: str | None) -> bool:
    """Check the SMS code and mark the phone verified; return whether this activated the
    account. Raises what ``verification.confirm_phone_code`` raises; the caller commits
    after a refusal too (the spent try)."""
    verification.confirm_phone_code(user, phone_number(user) or "", code, purpose=PURPOSE)
    return _mark_verified(user, User.phone_verified_at)


def resend_signup_code(user: User) -> None:
    """Send a new SMS code unless the phone is verified; raises ResendTooSoon (EC-UI-003)."""
    if user.phone_verified_at is None:
        verification.send_phone_code(user, phone_number(user), purpose=PURPOSE)


def resend_signup_email(user: User) -> None:
    """Send a new email link unless the email is verified; raises ResendTooSoon, with the
    same growing wait as codes (a page must not become a way to flood an inbox)."""
    if user.email_verified_at is not None:
        return
    wait = verification.resend_wait_seconds(user, purpose=PURPOSE,
                                            channel=VerificationChannel.EMAIL)
    if wait:
        raise ResendTooSoon(wait)
    verification.send_email_link(user, user.email, purpose=PURPOSE)


def cancel_signup(user: User) -> bool:
    """Delete a signup that is still pending (the customer typed a wrong address and starts
    again), freeing its email and phone; return False if the account is not such a signup.
    Records ``account:signup:cancelled``."""
    if not awaits_verification(user):
        return False
    user_id = user.id
    db.session.expunge(user)
    deleted = db.session.execute(
        db.delete(User).where(User.id == user_id, User.status == UserStatus.PENDING)
        .execution_options(synchronize_session=False))
    if deleted.rowcount != 1:
        return False
    audit.record(AuditEvent.Verification.SignupCancelled, user_id=user_id)
    return True
