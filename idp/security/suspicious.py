"""Suspicious logins (BR-UI-007): the devices and networks each user signed in from, the
"new sign-in" email, and its "this wasn't me" link.

A login is new when its device (``sessions.devices.device_key``) or its network (the /24 of an
IPv4 address, the /48 of an IPv6 one, settings) never signed in to the account before. The very
first login of an account sets the baseline and notifies nobody. Networks are kept as keyed
digests: the table does not tell where a user lives.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from idp import audit
from idp import notify
from idp.audit import AuditEvent
from idp.extensions import db
from idp.extensions import utcnow
from idp.security import crypto
from idp.security.errors import SecurityLinkInvalid
from idp.security.links import claim_link
from idp.security.links import issue_link
from idp.security.links import refusal_reason
from idp.security.models import KnownDevice
from idp.security.models import KnownNetwork
from idp.security.models import LinkPurpose


def network_of(address: str | None) -> str | None:
    """The network ``address`` belongs to, as ``203.0.113.0/24`` or ``2001:db8:1::/48``."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    config = current_app.config
    prefix = (config["IDP_SUSPICIOUS_IPV4_PREFIX"] if ip.version == 4
              else config["IDP_SUSPICIOUS_IPV6_PREFIX"])
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _network_digest(address: str | None) -> str | None:
    network = network_of(address)
    return crypto.keyed_digest("network:" + network) if network else None


@dataclass(frozen=True)
class SignInHistory:
    """What the account's known devices and networks say of this request."""

    any_device: bool  # the account signed in from some device before
    device_seen: datetime | None  # when this device was last noted, None: never
    network_seen: datetime | None  # when this network was last noted, None: never


def sign_in_history(user_id: str, device_key: str, network: str | None) -> SignInHistory:
    """One SELECT of three scalar subqueries, kept for the request: the lockout asks whether
    the device is known before the password is checked, and the completed login notes the
    device and network (``note_successful_login``) from the same answer."""
    memo = g.setdefault("idp_sign_in_history", {}) if has_request_context() else {}
    if (user_id, device_key, network) not in memo:
        row = db.session.execute(_SIGN_IN_HISTORY, {
            "user_id": user_id, "device_key": device_key, "network": network or ""}).one()
        memo[(user_id, device_key, network)] = SignInHistory(
            any_device=bool(row[1]), device_seen=row[0], network_seen=network and row[2])
    return memo[(user_id, device_key, network)]


def _sign_in_history_statement():
    devices = sa.select(KnownDevice.last_seen_at).where(
        KnownDevice.user_id == sa.bindparam("user_id"))
    return sa.select(
        devices.where(KnownDevice.device_key == sa.bindparam("device_key")).scalar_subquery(),
        sa.exists(devices),
        sa.select(KnownNetwork.last_seen_at).where(
            KnownNetwork.user_id == sa.bindparam("user_id"),
            KnownNetwork.network_digest == sa.bindparam("network")).scalar_subquery())


#: Built once (every login runs it; building it costs about as much as running it).
_SIGN_IN_HISTORY = _sign_in_history_statement()


def is_known_device(user_id: str, device_key: str) -> bool:
    """True when the device with this key signed in to the account before."""
    network = _network_digest(request.remote_addr) if has_request_context() else None
    return sign_in_history(user_id, device_key, network).device_seen is not None


def remember_device(user_id: str, device_key: str) -> bool:
    """Mark the device as one that signed in to the account; return True if it was new."""
    last_seen = db.session.scalar(sa.select(KnownDevice.last_seen_at).where(
        KnownDevice.user_id == user_id, KnownDevice.device_key == device_key))
    return _remember(KnownDevice, KnownDevice.device_key, user_id, device_key, last_seen)


#: A known device's or network's ``last_seen_at`` is written at most this often, not at every
#: login (a login is then one SELECT here, no write).
_SEEN_INTERVAL = timedelta(days=1)


def _remember(model, column, user_id: str, value: str, last_seen) -> bool:
    """Note ``value`` for the account, ``last_seen`` being when it was last noted (None: never);
    return True if it was new. Writes only when it is new or was last seen a day ago or more."""
    now = utcnow()
    new = last_seen is None
    if not new and now - last_seen < _SEEN_INTERVAL:
        return False
    values = {"user_id": user_id, column.key: value, "first_seen_at": now, "last_seen_at": now}
    dialect = db.session.connection().dialect.name
    if dialect in {"sqlite", "postgresql"}:
        # Two logins of one device at once: the second updates instead of failing.
        module = sqlite if dialect == "sqlite" else postgresql
        db.session.execute(module.insert(model.__table__).values(**values).on_conflict_do_update(
            index_elements=["user_id", column.key], set_={"last_seen_at": now}))
    elif new:
        db.session.add(model(**values))
    else:
        db.session.execute(sa.update(model).where(model.user_id == user_id, column == value)
                           .values(last_seen_at=now))
    return new


def note_successful_login(user) -> bool:
    """Remember this request's device and network for ``user``; when either is new for an
    account that signed in before, email a "new sign-in" notice with a "this wasn't me" link
    and record ``security:login:suspicious_notified``. Returns True if a notice was queued.

    Called once the login is complete, on ``sessions.services.session_started`` (every factor
    passed: a password alone must not make a device known). Writes in the caller's unit of
    work.
    """
    if not has_request_context():
        return False
    from idp.sessions.devices import device_key

    key = device_key()
    network = _network_digest(request.remote_addr)
    history = sign_in_history(user.id, key, network)
    g.idp_sign_in_history.clear()  # what follows changes it
    new_device = _remember(KnownDevice, KnownDevice.device_key, user.id, key,
                           history.device_seen)
    new_network = bool(network) and _remember(
        KnownNetwork, KnownNetwork.network_digest, user.id, network, history.network_seen)
    if not history.any_device or not (new_device or new_network) or not user.email:
        return False
    seconds = current_app.config["IDP_SUSPICIOUS_LINK_SECONDS"]
    token = issue_link(user.id, LinkPurpose.NOT_ME, seconds, replace=False)
    locale = user.profile.locale if user.profile else None
    notify.notify_user(user, "new_sign_in", {
        "when": utcnow().strftime("%Y-%m-%d %H:%M UTC"),
        "network": network_of(request.remote_addr) or "-",
        "browser": (request.user_agent.string or "-")[:120],
        "link": link_url("/login/not-me", token, locale), "days": seconds // 86400,
    }, channels=("email",))
    reasons = [name for name, flag in (("device", new_device), ("network", new_network)) if flag]
    audit.record(AuditEvent.Security.SuspiciousLoginNotified, user_id=user.id, reasons=reasons)
    return True


def link_url(path: str, token: str, locale: str | None) -> str:
    query = {"token": token, **({"lang": locale} if locale else {})}
    return f"{current_app.config['IDP_ISSUER']}{path}?{urlencode(query)}"


def not_me_link_is_live(token: str | None) -> bool:
    from idp.security.links import live_link

    return live_link(token, LinkPurpose.NOT_ME) is not None


def report_not_me(token: str | None, *, locale: str | None = None):
    """The user says a notified sign-in was not theirs: spend the link, end every session of
    the account, revoke its refresh tokens and send a password-reset link to its email.

    Returns the user. Raises SecurityLinkInvalid (unknown, expired or used link; recorded as
    ``security:login:not_me_failed``). Records ``security:login:not_me``. The caller commits,
    also after a refusal (its audit record).
    """
    from idp.accounts.passwords import request_password_reset
    from idp.accounts.services import get_user
    from idp.oauth.services import revoke_user_tokens
    from idp.sessions.services import end_user_sessions

    user_id = claim_link(token, LinkPurpose.NOT_ME)
    user = get_user(user_id)
    if user is None:
        reason, owner = refusal_reason(token, LinkPurpose.NOT_ME)
        audit.record(AuditEvent.Security.NotMeFailed, user_id=owner, result="failure",
                     reason=reason)
        raise SecurityLinkInvalid()
    ended = end_user_sessions(user.id, reason="not_me")
    revoke_user_tokens(user.id, "not_me")
    if user.email:
        request_password_reset(user.email, locale=locale)
    audit.record(AuditEvent.Security.NotMeUsed, user_id=user.id, sessions_ended=ended)
    return user
