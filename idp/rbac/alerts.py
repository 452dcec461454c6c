"""EC-UI-006: repeated refused access raises a security alert.

Refusals are counted per user and per client address in the rate-limit storage (Redis when
configured, so every worker counts together; this process's memory otherwise). Past
IDP_RBAC_DENIAL_ALERT_LIMIT the security contact (IDP_SECURITY_CONTACT) gets one email per
window and ``rbac:alert:raised`` is recorded.
"""

from __future__ import annotations

import logging

from flask import current_app
from limits import RateLimitItemPerSecond
from limits import parse

from idp import audit
from idp.audit import AuditEvent
from idp.extensions import utcnow
from idp.security import rate_limits

log = logging.getLogger(__name__)


def _hit(item, *key: str) -> bool:
    return rate_limits.hit(item, *key)[0]


def note_denial(*, user_id: str | None, ip: str | None, permission: str,
                resource: str) -> bool:
    """Count one refusal; alert when the user or the address passed the limit. Returns True
    if an alert was raised. Joins the caller's unit of work (the outbox row, the record)."""
    limit = parse(current_app.config["IDP_RBAC_DENIAL_ALERT_LIMIT"])
    once = RateLimitItemPerSecond(1, limit.get_expiry())
    raised = False
    for kind, value in (("user", user_id), ("ip", ip)):
        if not value or _hit(limit, "idp:rbac-denials", kind, value):
            continue
        if not _hit(once, "idp:rbac-alert", kind, value):
            continue  # already alerted for this user or address in this window
        _alert(kind, value, user_id=user_id, ip=ip, permission=permission, resource=resource,
               limit=str(current_app.config["IDP_RBAC_DENIAL_ALERT_LIMIT"]))
        raised = True
    return raised


def _alert(kind: str, value: str, *, user_id, ip, permission, resource, limit) -> None:
    from idp.notify.services import queue_email

    contact = (current_app.config.get("IDP_SECURITY_CONTACT") or "").strip()
    if contact:
        queue_email(contact, "security_denials", {
            "by": kind, "user_id": user_id or "-", "ip": ip or "-", "permission": permission,
            "resource": resource, "limit": limit,
            "when": utcnow().strftime("%Y-%m-%d %H:%M UTC")})
    else:
        log.warning("repeated refused access (%s %s) and IDP_SECURITY_CONTACT is not set",
                    kind, value)
    audit.record(AuditEvent.Rbac.AlertRaised, user_id=user_id, result="failure", by=kind,
                 permission=permission, resource=resource, emailed=bool(contact))
