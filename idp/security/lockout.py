"""Lockout after repeated failures (FR-UI-002-05, BR-UI-006, EC-UI-004).

The interface other packages call; issue 4 fills it in. Passwords (accounts) and second-factor
codes (mfa) both count: ``check`` before verifying, ``record_failure`` after a wrong one,
``record_success`` after a right one.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from idp.errors import IdpError


class AccountLocked(IdpError):
    code = "account_locked"
    status = 423
    description = _l("Too many failed attempts. The account is locked for a while.")


def check(user) -> None:
    """Raise AccountLocked when ``user`` (may be None) may not try now."""


def record_failure(user, *, factor: str) -> None:
    """A wrong ``factor`` (``"password"`` or ``"code"``) for ``user`` (may be None)."""


def record_success(user) -> None:
    """``user`` proved who they are: the failure count starts again."""
