"""Notifications: every email and SMS goes through the outbox, then a worker delivers it."""

from idp.notify.services import notify_user
from idp.notify.services import queue_email
from idp.notify.services import queue_http_post
from idp.notify.services import queue_sms

__all__ = ["init_app", "notify_user", "queue_email", "queue_http_post", "queue_sms"]


def init_app(app) -> None:
    """Choose the email and SMS providers and, where configured, in-process delivery."""
    from idp.notify import inline
    from idp.notify import providers

    providers.init_app(app)
    inline.init_app(app)
