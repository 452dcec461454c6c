"""The unlock link of a locked account (EC-UI-004): the locked page lets the owner ask for it
by email; opening it lifts the lock from every device and makes the browser that opened it a
known device of the account, so it has its own failure count from then on."""

from __future__ import annotations

from flask import current_app
from flask import has_request_context

from idp import audit
from idp import notify
from idp.audit import AuditEvent
from idp.security import lockout
from idp.security.errors import SecurityLinkInvalid
from idp.security.links import claim_link
from idp.security.links import issue_link
from idp.security.links import refusal_reason
from idp.security.models import LinkPurpose


def request_unlock(identifier: str) -> None:
    """Email an unlock link if ``identifier`` belongs to an account with an email address.

    Says nothing either way (no enumeration); records ``security:unlock:requested``. The link
    replaces any earlier one and lives IDP_UNLOCK_LINK_SECONDS. The caller commits.
    """
    from idp.accounts.models import UserStatus
    from idp.accounts.services import find_user
    from idp.security.suspicious import link_url

    user = find_user(identifier or "")
    if user is None or not user.email or user.status == UserStatus.DISABLED:
        audit.record(AuditEvent.Security.UnlockRequested, result="unknown_account")
        return
    seconds = current_app.config["IDP_UNLOCK_LINK_SECONDS"]
    token = issue_link(user.id, LinkPurpose.UNLOCK, seconds, replace=True)
    locale = user.profile.locale if user.profile else None
    notify.notify_user(user, "account_unlock", {
        "link": link_url("/login/unlock/confirm", token, locale), "minutes": seconds // 60},
        channels=("email",))
    audit.record(AuditEvent.Security.UnlockRequested, user_id=user.id)


def unlock_with_link(token: str | None):
    """Spend an unlock link: lift the user's locks (not an administrator's) and remember this
    browser as a device of the account. Returns the user; raises SecurityLinkInvalid (recorded
    as ``security:unlock:failed``). The caller commits, also after a refusal."""
    from idp.accounts.services import get_user
    from idp.security.suspicious import remember_device

    user = get_user(claim_link(token, LinkPurpose.UNLOCK))
    if user is None:
        reason, owner = refusal_reason(token, LinkPurpose.UNLOCK)
        audit.record(AuditEvent.Security.UnlockFailed, user_id=owner, result="failure",
                     reason=reason)
        raise SecurityLinkInvalid()
    lockout.unlock(user, keep_admin_lock=True)
    if has_request_context():
        from idp.sessions.devices import device_key

        remember_device(user.id, device_key())
    return user
