""""Trust this device for 30 days" (FR-UI-002-02): the second factor is skipped for one user on
one device, known by the device cookie's keyed digest (``idp.sessions.devices.device_key``).
Kept server-side, so the user can list and revoke them from /account/security."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask import request

from idp import audit
from idp.audit import AuditEvent
from idp.extensions import db
from idp.extensions import utcnow
from idp.mfa.models import TrustedDevice
from idp.sessions import user_agents
from idp.sessions.devices import device_key


def trust_this_device(user) -> TrustedDevice:
    """Trust the request's device for the user for IDP_MFA_TRUSTED_DEVICE_SECONDS (renewed if
    it was trusted already). Records ``mfa:device:trusted``; the caller commits."""
    key = device_key()
    now = utcnow()
    expires = now + timedelta(seconds=current_app.config["IDP_MFA_TRUSTED_DEVICE_SECONDS"])
    row = db.session.scalar(db.select(TrustedDevice).where(
        TrustedDevice.user_id == user.id, TrustedDevice.device_key == key))
    if row is None:
        row = TrustedDevice(user_id=user.id, device_key=key)
        db.session.add(row)
    row.label = user_agents.family((request.user_agent.string or "")[:512] or None)
    row.ip = request.remote_addr
    row.created_at = now
    row.expires_at = expires
    db.session.flush()
    audit.record(AuditEvent.Mfa.DeviceTrusted, user_id=user.id, device=row.id)
    return row


def is_trusted_device(user) -> bool:
    """True when the request's device is trusted by the user and the trust has not expired."""
    row = db.session.scalar(db.select(TrustedDevice).where(
        TrustedDevice.user_id == user.id, TrustedDevice.device_key == device_key(),
        TrustedDevice.expires_at > utcnow()))
    if row is None:
        return False
    row.last_used_at = utcnow()
    return True


def trusted_devices(user) -> list[TrustedDevice]:
    """The user's unexpired trusted devices, newest first."""
    return list(db.session.scalars(db.select(TrustedDevice).where(
        TrustedDevice.user_id == user.id, TrustedDevice.expires_at > utcnow())
        .order_by(TrustedDevice.created_at.desc())))


def is_current_device(row: TrustedDevice) -> bool:
    return row.device_key == device_key()


def untrust_device(user, device_id: str) -> bool:
    """Stop trusting one of the user's devices; False if it is not theirs. Records
    ``mfa:device:untrusted``; the caller commits."""
    result = db.session.execute(db.delete(TrustedDevice).where(
        TrustedDevice.user_id == user.id, TrustedDevice.id == device_id))
    if result.rowcount:
        audit.record(AuditEvent.Mfa.DeviceUntrusted, user_id=user.id, device=device_id)
    return bool(result.rowcount)


def untrust_all_devices(user) -> int:
    result = db.session.execute(db.delete(TrustedDevice).where(TrustedDevice.user_id == user.id))
    if result.rowcount:
        audit.record(AuditEvent.Mfa.DeviceUntrusted, user_id=user.id, device="all")
    return result.rowcount
