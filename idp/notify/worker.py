"""Delivering the outbox: claim what is due, hand it to a provider, record what happened.

Delivery is at least once: a worker that dies between the provider's acceptance and the
commit of the outcome leaves the message claimed; when the claim lapses another worker sends
it again. Each message costs at most one SMTP session or one call per SMS provider.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from flask import current_app

from idp.extensions import db
from idp.extensions import utcnow
from idp.notify.errors import DeliveryFailed
from idp.notify.models import Channel
from idp.notify.providers import email_sender
from idp.notify.providers import http_poster
from idp.notify.providers import sms_providers
from idp.notify.services import OutgoingMessage
from idp.notify.services import ProviderTry
from idp.notify.services import claim_due
from idp.notify.services import record_delivery
from idp.notify.services import release_claims

log = logging.getLogger("idp.notify")


def deliver_due(limit: int = 100) -> int:
    """Send up to ``limit`` due messages; return how many were tried (sent, rescheduled or
    failed). Needs an app context; commits its own transactions."""
    try:
        batch = claim_due(limit)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    half_claim = timedelta(seconds=current_app.config["IDP_NOTIFY_CLAIM_SECONDS"] / 2)
    for done, message in enumerate(batch):
        if done and utcnow() > message.claimed_until - half_claim:
            # Slow providers ate half the claim: the rest would be sent so near its end that
            # another worker might take them too. Let them go now instead.
            _release([later.id for later in batch[done:]])
            return done
        tries = send(message)
        try:
            status = record_delivery(message, tries)
            db.session.commit()
        except Exception:
            # The claim lapses and another pass sends it again (at least once).
            db.session.rollback()
            log.exception("outbox %s: the outcome could not be stored", message.id)
            continue
        log.info("outbox %s (%s %s, attempt %d): %s", message.id, message.channel,
                 message.template, message.attempts + 1, status)
    return len(batch)


def _release(message_ids: list[str]) -> None:
    try:
        release_claims(message_ids)
        db.session.commit()
    except Exception:  # they are free when their claim lapses anyway
        db.session.rollback()
        log.exception("outbox: claims could not be released")


#: template -> builder of the form an ``http`` message POSTs, from its JSON payload.
_HTTP_BODIES: dict[str, Callable[[dict], dict]] = {}


def register_http_body(template: str, builder: Callable[[dict], dict]) -> None:
    """Say how ``http`` messages of ``template`` turn their payload into the form they POST
    (called at each attempt, in the worker's app context)."""
    _HTTP_BODIES[template] = builder


def _post(message: OutgoingMessage) -> list[ProviderTry]:
    poster = http_poster()
    try:
        poster.post(message.to, _HTTP_BODIES[message.template](json.loads(message.body)))
    except DeliveryFailed as exc:
        log.warning("outbox %s: %s failed: %s", message.id, poster.name, exc.description)
        return [ProviderTry(poster.name, str(exc.description))]
    except Exception as exc:
        log.exception("outbox %s: %s broke", message.id, poster.name)
        return [ProviderTry(poster.name, f"unexpected {type(exc).__name__}")]
    return [ProviderTry(poster.name)]


def send(message: OutgoingMessage) -> list[ProviderTry]:
    """Try the providers of the message's channel in order until one takes it; for SMS that
    is the primary, then the fallback, in the same attempt."""
    if message.channel == Channel.HTTP:
        return _post(message)
    if message.channel == Channel.EMAIL:
        providers = [email_sender()]
    else:
        providers = list(sms_providers())
    tries = []
    for provider in providers:
        try:
            if message.channel == Channel.EMAIL:
                provider.send(message.to, message.subject or "", message.body,
                              locale=message.locale)
            else:
                provider.send(message.to, message.body)
        except DeliveryFailed as exc:
            log.warning("outbox %s: %s failed: %s", message.id, provider.name, exc.description)
            tries.append(ProviderTry(provider.name, str(exc.description)))
        except Exception as exc:  # a provider's bug must not stop the batch
            log.exception("outbox %s: %s broke", message.id, provider.name)
            tries.append(ProviderTry(provider.name, f"unexpected {type(exc).__name__}"))
        else:
            tries.append(ProviderTry(provider.name))
            break
    return tries


def deliver_until_idle(limit: int = 100) -> int:
    """Run ``deliver_due`` until nothing is due; return how many messages were tried."""
    total = 0
    while count := deliver_due(limit):
        total += count
    return total


def work(interval: float, stop: threading.Event) -> None:
    """Deliver until ``stop`` is set, looking for due messages every ``interval`` seconds.

    A failing pass (the database restarting) is logged and tried again after the interval.
    """
    while not stop.is_set():
        try:
            busy = deliver_due()
        except Exception:
            log.exception("outbox pass failed; trying again in %s s", interval)
            busy = 0
        finally:
            db.session.remove()  # no connection held while idle
        if not busy:
            stop.wait(interval)
