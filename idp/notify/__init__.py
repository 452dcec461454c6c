"""Notifications: every email and SMS goes through the outbox, then a worker delivers it."""

from idp.notify.services import notify_user
from idp.notify.services import queue_email
from idp.notify.services import queue_sms

__all__ = ["notify_user", "queue_email", "queue_sms"]
