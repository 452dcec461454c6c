"""The activity log and login attempts: one ``record()`` API used by every package."""

from idp.audit.events import AuditEvent
from idp.audit.services import record

__all__ = ["AuditEvent", "record"]
