"""The outbox API every package calls. (Contract; the implementation lands with issue 3.)"""

from __future__ import annotations


def queue_email(to: str, template: str, context: dict | None = None, *,
                locale: str | None = None) -> str:
    """Render ``templates/notify/<template>.email.txt`` in ``locale`` (default: the setting
    IDP_DEFAULT_LOCALE) and add it to the outbox in the caller's unit of work; return the
    message id. Delivery happens after the caller commits (worker, or in-process in
    development)."""
    raise NotImplementedError


def queue_sms(to: str, template: str, context: dict | None = None, *,
              locale: str | None = None) -> str:
    """Like ``queue_email`` for an E.164 number and ``templates/notify/<template>.sms.txt``."""
    raise NotImplementedError


def notify_user(user, template: str, context: dict | None = None, *,
                channels: tuple[str, ...] = ("email", "sms")) -> list[str]:
    """Queue ``template`` to the user's email and/or phone, in the user's language; return the
    message ids (a channel the user has no address for is skipped)."""
    raise NotImplementedError
