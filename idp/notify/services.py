"""The outbox API every package calls, and the outbox queries of the delivery worker.

A message is rendered and stored (encrypted) in the caller's unit of work, so it is sent if
and only if the caller's change commits; delivery happens afterwards (``worker.deliver_due``,
run by `idp notify work` or in-process in development) and survives a provider being down.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from idp import audit
from idp.audit import AuditEvent
from idp.extensions import db
from idp.extensions import new_id
from idp.extensions import utcnow
from idp.notify import inline
from idp.notify.models import Channel
from idp.notify.models import OutboxAttempt
from idp.notify.models import OutboxMessage
from idp.notify.models import OutboxStatus
from idp.notify.rendering import render
from idp.notify.rendering import supported_locale
from idp.security import crypto

_CONTEXT = "outbox"


def queue_email(to: str, template: str, context: dict | None = None, *,
                locale: str | None = None) -> str:
    """Render ``templates/notify/<template>.email.txt`` in ``locale`` (default: the setting
    IDP_DEFAULT_LOCALE) and add it to the outbox in the caller's unit of work; return the
    message id. Delivery happens after the caller commits (worker, or in-process in
    development).

    Raises InvalidIdentifier for a malformed address and jinja2.TemplateNotFound for an
    unknown template.
    """
    from idp.accounts.identifiers import normalise_email

    return _queue(Channel.EMAIL, normalise_email(to), template, context, locale)


def queue_sms(to: str, template: str, context: dict | None = None, *,
              locale: str | None = None) -> str:
    """Like ``queue_email`` for an E.164 number and ``templates/notify/<template>.sms.txt``."""
    from idp.accounts.identifiers import normalise_phone

    return _queue(Channel.SMS, normalise_phone(to), template, context, locale)


def queue_http_post(url: str, template: str, payload: dict, *,
                    user_id: str | None = None) -> str:
    """Queue a form POST to ``url`` in the caller's unit of work; return the message id.

    The worker turns ``payload`` into the form with the builder registered for ``template``
    (``worker.register_http_body``) at each attempt, so a builder may sign it with a fresh
    expiry. Any 2xx answer delivers it; anything else is retried with the outbox's backoff.
    """
    import json

    message = OutboxMessage(
        id=new_id(), channel=Channel.HTTP, template=template,
        locale=current_app.config["IDP_DEFAULT_LOCALE"], user_id=user_id,
        recipient_encrypted=_seal(url), subject_encrypted=None,
        body_encrypted=_seal(json.dumps(payload, separators=(",", ":"))),
        status=OutboxStatus.QUEUED, attempts=0, next_attempt_at=utcnow())
    db.session.add(message)
    db.session.flush()
    inline.note_queued(message.id)
    return message.id


def notify_user(user, template: str, context: dict | None = None, *,
                channels: tuple[str, ...] = ("email", "sms")) -> list[str]:
    """Queue ``template`` to the user's email and/or phone, in the user's language; return the
    message ids (a channel the user has no address for is skipped).

    The language is the profile's, else IDP_DEFAULT_LOCALE. The templates also get ``name``
    (the profile name) unless ``context`` gives one.
    """
    from idp.accounts.services import phone_number

    unknown = set(channels) - set(Channel.ALL)
    if unknown:
        raise ValueError(f"unknown channels {sorted(unknown)}")
    profile = user.profile
    context = {"name": profile.name if profile else "", **(context or {})}
    locale = profile.locale if profile else None
    ids = []
    if Channel.EMAIL in channels and user.email:
        ids.append(_queue(Channel.EMAIL, user.email, template, context, locale, user.id))
    if Channel.SMS in channels:
        phone = phone_number(user)
        if phone:
            ids.append(_queue(Channel.SMS, phone, template, context, locale, user.id))
    return ids


def _seal(text: str) -> str:
    return crypto.encrypt(text.encode(), context=_CONTEXT)


def _open(token: str) -> str:
    return crypto.decrypt(token, context=_CONTEXT).decode()


def _queue(channel: str, to: str, template: str, context: dict | None, locale: str | None,
           user_id: str | None = None) -> str:
    locale = supported_locale(locale)
    rendered = render(template, channel, dict(context or {}), locale)
    message = OutboxMessage(
        id=new_id(), channel=channel, template=template, locale=locale, user_id=user_id,
        recipient_encrypted=_seal(to), body_encrypted=_seal(rendered.body),
        subject_encrypted=_seal(rendered.subject) if rendered.subject is not None else None,
        status=OutboxStatus.QUEUED, attempts=0, next_attempt_at=utcnow())
    db.session.add(message)
    db.session.flush()
    inline.note_queued(message.id)
    return message.id


# --- the delivery worker's side ---


@dataclass(frozen=True)
class OutgoingMessage:
    """A claimed message, decrypted for sending (kept out of reprs and tracebacks)."""

    id: str
    channel: str
    template: str
    locale: str
    attempts: int
    #: When this worker's claim lapses and another worker may send the message.
    claimed_until: datetime
    to: str = field(repr=False)
    subject: str | None = field(repr=False)
    body: str = field(repr=False)


@dataclass(frozen=True)
class ProviderTry:
    """One provider tried: ``error`` is None when it took the message."""

    provider: str
    error: str | None = None


def claim_due(limit: int, *, now: datetime | None = None) -> list[OutgoingMessage]:
    """Claim up to ``limit`` queued messages whose next attempt is due, in the caller's
    transaction; return them decrypted.

    Each claim is one UPDATE that only matches a message nobody holds; its rowcount says
    whether this worker got it, so concurrent workers never send a message twice. A claim
    lasts IDP_NOTIFY_CLAIM_SECONDS: a worker that dies mid-send frees the message then. The
    caller commits at once (the claims must be visible) and sends outside the transaction.
    """
    now = now or utcnow()
    # Checked again by each UPDATE: another worker may have sent or rescheduled it since.
    claimable = (OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now,
                 sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
    due = list(db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(*claimable)
        # One order for every worker: rows are locked in the same sequence, no deadlock.
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)))
    lease = now + timedelta(seconds=current_app.config["IDP_NOTIFY_CLAIM_SECONDS"])
    claimed = []
    for message_id in due:
        result = db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, *claimable)
            .values(claimed_until=lease)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed.append(message_id)
    if not claimed:
        return []
    rows = {row.id: row for row in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.id.in_(claimed))
        .execution_options(populate_existing=True))}
    batch = []
    for message_id in claimed:
        row = rows[message_id]
        try:
            batch.append(OutgoingMessage(
                id=row.id, channel=row.channel, template=row.template, locale=row.locale,
                attempts=row.attempts, claimed_until=lease, to=_open(row.recipient_encrypted),
                subject=_open(row.subject_encrypted) if row.subject_encrypted else None,
                body=_open(row.body_encrypted)))
        except crypto.DataKeyError:
            # Its key left IDP_DATA_KEYS: no retry can ever read it.
            _give_up(row, "cannot decrypt: its data key is no longer configured", now)
    db.session.flush()
    return batch


def release_claims(message_ids: list[str]) -> None:
    """Free messages this worker claimed but will not send now, for any worker to take."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == OutboxStatus.QUEUED)
        .values(claimed_until=None)
        .execution_options(synchronize_session=False))


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the ``attempts``-th failure: 30 s, 60 s, 120 s…"""
    base = current_app.config["IDP_NOTIFY_RETRY_SECONDS"]
    return timedelta(seconds=base * 2 ** max(attempts - 1, 0))


def record_delivery(message: OutgoingMessage, tries: list[ProviderTry], *,
                    now: datetime | None = None) -> str:
    """Store the outcome of one attempt (every provider tried) and release the claim; flush.

    Sent if a provider took it; otherwise retried after ``retry_delay``, or after
    IDP_NOTIFY_MAX_ATTEMPTS marked failed and recorded as ``notify:message:failed``.
    Returns the new status.
    """
    now = now or utcnow()
    row = db.session.get(OutboxMessage, message.id, populate_existing=True)
    row.attempts += 1
    for one in tries:
        db.session.add(OutboxAttempt(message_id=row.id, attempt=row.attempts,
                                     provider=one.provider, ok=one.error is None,
                                     error=one.error and one.error[:500], created_at=now))
    errors = "; ".join(f"{one.provider}: {one.error}" for one in tries if one.error)
    row.last_error = errors[:500] or None
    row.claimed_until = None
    delivered_by = next((one.provider for one in tries if one.error is None), None)
    if delivered_by:
        row.status, row.provider, row.sent_at = OutboxStatus.SENT, delivered_by, now
    elif row.attempts >= current_app.config["IDP_NOTIFY_MAX_ATTEMPTS"]:
        _give_up(row, row.last_error or "no provider to try", now)
    else:
        row.next_attempt_at = now + retry_delay(row.attempts)
    db.session.flush()
    return row.status


def _give_up(row: OutboxMessage, error: str, now: datetime) -> None:
    row.status, row.last_error, row.claimed_until = OutboxStatus.FAILED, error[:500], None
    audit.record(AuditEvent.Notify.MessageFailed, user_id=row.user_id, result="failure",
                 message_id=row.id, channel=row.channel, template=row.template,
                 attempts=row.attempts, error=row.last_error)


def get_message(message_id: str) -> OutboxMessage | None:
    """The outbox row with this id, or None (status, attempts, provider, last_error)."""
    return db.session.get(OutboxMessage, message_id)


def message_attempts(message_id: str) -> list[OutboxAttempt]:
    """Every provider tried for the message, oldest first."""
    return list(db.session.scalars(sa.select(OutboxAttempt)
                                   .where(OutboxAttempt.message_id == message_id)
                                   .order_by(OutboxAttempt.id)))

