"""The user directory of the admin API: search, and the administrator's status changes
(activate, disable, lock, unlock), each recorded with the administrator's id.

The queries read the accounts and rbac tables directly: those packages have no search
service yet (a candidate for ``accounts/services.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from idp import audit
from idp.accounts.identifiers import InvalidIdentifier
from idp.accounts.identifiers import normalise_phone
from idp.accounts.models import Profile
from idp.accounts.models import User
from idp.accounts.models import UserStatus
from idp.accounts.services import get_user
from idp.admin.errors import ContactsNotVerified
from idp.admin.errors import SelfAction
from idp.admin.errors import UserNotFound
from idp.audit import AuditEvent
from idp.extensions import db
from idp.rbac.models import Role
from idp.rbac.models import UserRole
from idp.security import crypto
from idp.security import lockout

#: Most users one search page returns.
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class UserQuery:
    """Search terms, all optional and combined with AND. ``email`` and ``name`` match a part
    (case-insensitive); ``phone`` matches the whole number (only its digest is searchable)."""

    email: str | None = None
    phone: str | None = None
    name: str | None = None
    status: str | None = None
    role: str | None = None
    office_id: str | None = None


def _contains(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_users(terms: UserQuery, *, page: int = 1, per_page: int = 50
                 ) -> tuple[list[User], int]:
    """One page of matching users, oldest account first, and how many match in all. A phone
    that is not a valid number matches nobody."""
    query = db.select(User)
    if terms.email:
        query = query.where(User.email.like(_contains(terms.email.strip().lower()),
                                            escape="\\"))
    if terms.phone:
        try:
            digest = crypto.keyed_digest(normalise_phone(terms.phone))
        except InvalidIdentifier:
            digest = None
        query = query.where(User.phone_digest == digest) if digest else query.where(sa.false())
    if terms.name:
        query = query.where(User.id.in_(db.select(Profile.user_id).where(
            sa.func.lower(Profile.name).like(_contains(terms.name.strip().lower()),
                                             escape="\\"))))
    if terms.status:
        query = query.where(User.status == terms.status)
    if terms.office_id:
        query = query.where(User.office_id == terms.office_id)
    if terms.role:
        query = query.where(User.id.in_(db.select(UserRole.user_id).join(Role).where(
            Role.name == terms.role)))
    total = db.session.scalar(db.select(sa.func.count()).select_from(query.subquery()))
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    rows = db.session.scalars(query.order_by(User.created_at, User.id)
                              .limit(per_page).offset((max(page, 1) - 1) * per_page))
    return list(rows), total


def user_or_404(user_id: str) -> User:
    user = get_user(user_id) if user_id and len(user_id) <= 32 else None
    if user is None:
        raise UserNotFound()
    return user


def _end_access(user: User, reason: str) -> tuple[int, int]:
    from idp.oauth.services import revoke_user_tokens
    from idp.sessions.services import end_user_sessions

    return (end_user_sessions(user.id, reason=reason),
            revoke_user_tokens(user.id, reason=reason))


def disable_user(user_id: str, *, actor_id: str, reason: str = "") -> User:
    """Disable an account: it cannot log in, its sessions end and every token it holds is
    revoked (introspection answers ``active: false``). Raises UserNotFound or SelfAction.
    Records ``admin:user:disabled``."""
    user = user_or_404(user_id)
    if user.id == actor_id:
        raise SelfAction()
    user.status = UserStatus.DISABLED
    sessions, families = _end_access(user, "disabled_by_admin")
    db.session.flush()
    audit.record(AuditEvent.Admin.UserDisabled, user_id=user.id, actor_id=actor_id,
                 reason=reason[:200], sessions_ended=sessions, families_revoked=families)
    return user


def activate_user(user_id: str, *, actor_id: str) -> User:
    """Make an account active (a disabled one again, or a pending one whose contacts are
    verified). Raises UserNotFound or ContactsNotVerified (BR-UI-003/004). Records
    ``admin:user:activated``."""
    user = user_or_404(user_id)
    unverified = (user.email and user.email_verified_at is None) or (
        user.phone_digest and user.phone_verified_at is None)
    if unverified:
        raise ContactsNotVerified()
    previous = user.status
    user.status = UserStatus.ACTIVE
    db.session.flush()
    audit.record(AuditEvent.Admin.UserActivated, user_id=user.id, actor_id=actor_id,
                 previous_status=previous)
    return user


def lock_user(user_id: str, *, actor_id: str, reason: str) -> User:
    """Lock an account until unlocked and end its sessions and tokens (a suspected
    compromise). Raises UserNotFound or SelfAction. Records ``admin:user:locked``."""
    user = user_or_404(user_id)
    if user.id == actor_id:
        raise SelfAction()
    lockout.lock(user, reason=reason or "admin", actor_id=actor_id)
    sessions, families = _end_access(user, "locked_by_admin")
    audit.record(AuditEvent.Admin.UserLocked, user_id=user.id, actor_id=actor_id,
                 reason=reason[:200], sessions_ended=sessions, families_revoked=families)
    return user


def unlock_user(user_id: str, *, actor_id: str) -> User:
    """Lift every lock on an account. Raises UserNotFound. Records ``admin:user:unlocked``."""
    user = user_or_404(user_id)
    lockout.unlock(user, actor_id=actor_id)
    audit.record(AuditEvent.Admin.UserUnlocked, user_id=user.id, actor_id=actor_id)
    return user
