"""Signing keys: creation, rotation, the active key and the published JWKS.

Each worker keeps the keys it read for IDP_KEY_CACHE_SECONDS, with the JWKS document serialised
once, so the JWKS endpoint sends prepared bytes. A rotated key is published at once but signs only
after IDP_KEY_ACTIVATION_DELAY_SECONDS, so no worker signs with a kid another worker's JWKS lacks.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from joserfc.jwk import KeySet
from joserfc.jwk import RSAKey

from idp import audit
from idp.audit import AuditEvent
from idp.extensions import db
from idp.extensions import utcnow
from idp.oidc.models import SigningKey
from idp.security import crypto

_CONTEXT = "signing_keys"
_EXTENSION_KEY = "idp.keys"


class NoSigningKey(RuntimeError):
    """No key is active: run `idp init` or `idp keys rotate`."""


@dataclass(frozen=True)
class LoadedKeys:
    loaded_at: float
    active: RSAKey | None
    signing_set: KeySet | None
    public_set: KeySet
    jwks_bytes: bytes
    #: (published kids, signing kid): what a re-check compares to keep the imported keys.
    plan: tuple = ((), None)


def _token_lifetime() -> timedelta:
    config = current_app.config
    return timedelta(seconds=max(config["IDP_ACCESS_TOKEN_SECONDS"],
                                 config["IDP_ID_TOKEN_SECONDS"]) + 60)


def create_key(*, activates_in: int = 0) -> SigningKey:
    """Generate an RS256 key whose kid is its RFC 7638 thumbprint; it signs after
    ``activates_in`` seconds. Flushes; records ``oidc:key:created``."""
    key = RSAKey.generate_key(current_app.config["IDP_SIGNING_KEY_BITS"], private=True)
    kid = key.thumbprint()
    public = key.as_dict(private=False)
    public.update(kid=kid, alg="RS256", use="sig")
    now = utcnow()
    row = SigningKey(
        kid=kid, alg="RS256", public_jwk=public, created_at=now,
        activates_at=now + timedelta(seconds=activates_in),
        private_key_encrypted=crypto.encrypt(key.as_pem(private=True), context=_CONTEXT),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(AuditEvent.Keys.Created, kid=kid)
    return row


def rotate_keys() -> SigningKey:
    """Publish a new key now; it takes over signing after the activation delay, when the keys
    that signed until then retire (they stay published until their tokens expire)."""
    delay = current_app.config["IDP_KEY_ACTIVATION_DELAY_SECONDS"]
    new = create_key(activates_in=delay)
    for row in db.session.scalars(db.select(SigningKey).where(SigningKey.retired_at.is_(None),
                                                              SigningKey.kid != new.kid)):
        row.retired_at = new.activates_at
    audit.record(AuditEvent.Keys.Rotated, kid=new.kid)
    forget_cached_keys()
    return new


def list_keys() -> list[SigningKey]:
    return list(db.session.scalars(db.select(SigningKey).order_by(SigningKey.created_at.desc())))


def ensure_key() -> SigningKey | None:
    """Create a first key when there is none; return it, or None when keys exist."""
    if db.session.scalar(db.select(SigningKey.kid).limit(1)) is None:
        return create_key()
    return None


def _key_plan(now) -> tuple[tuple[str, ...], str | None]:
    """Which kids are published now and which one signs: three small columns per key, so a
    worker re-checks its keys every few seconds without fetching and decrypting them."""
    rows = db.session.execute(db.select(SigningKey.kid, SigningKey.activates_at,
                                        SigningKey.retired_at)
                              .order_by(SigningKey.activates_at, SigningKey.kid)).all()
    lifetime = _token_lifetime()
    published = tuple(r.kid for r in rows if r.retired_at is None or r.retired_at + lifetime > now)
    signing = [r.kid for r in rows if r.activates_at <= now
               and (r.retired_at is None or r.retired_at > now)]
    return published, (signing[-1] if signing else None)


def _load(previous: LoadedKeys | None) -> LoadedKeys:
    published, active_kid = _key_plan(utcnow())
    if previous is not None and previous.plan == (published, active_kid):
        # Nothing changed: keep the imported keys (importing a private key costs ~40 ms).
        return LoadedKeys(time.monotonic(), previous.active, previous.signing_set,
                          previous.public_set, previous.jwks_bytes, previous.plan)
    rows = {row.kid: row for row in db.session.scalars(
        db.select(SigningKey).where(SigningKey.kid.in_(published + (active_kid or "",))))}
    active = None
    if active_kid is not None:
        row = rows[active_kid]
        pem = crypto.decrypt(row.private_key_encrypted, context=_CONTEXT)
        active = RSAKey.import_key(pem, {"kid": row.kid, "alg": "RS256", "use": "sig"})
    jwks = {"keys": [rows[kid].public_jwk for kid in published]}
    return LoadedKeys(
        loaded_at=time.monotonic(), active=active,
        signing_set=KeySet([active]) if active else None,
        public_set=KeySet.import_key_set(jwks),
        jwks_bytes=json.dumps(jwks, separators=(",", ":")).encode(),
        plan=(published, active_kid),
    )


def loaded_keys() -> LoadedKeys:
    """The keys as this worker knows them, checked again after IDP_KEY_CACHE_SECONDS.

    One thread re-checks while the others go on with the keys they have; only a worker with
    no keys yet makes its threads wait for the first load.
    """
    holder = current_app.extensions.setdefault(_EXTENSION_KEY, {"lock": threading.Lock()})
    keys = holder.get("keys")
    ttl = current_app.config["IDP_KEY_CACHE_SECONDS"]
    if keys is not None and time.monotonic() - keys.loaded_at < ttl:
        return keys
    if not holder["lock"].acquire(blocking=keys is None):
        return keys  # another thread is re-checking
    try:
        current = holder.get("keys")
        if current is None or time.monotonic() - current.loaded_at >= ttl:
            current = holder["keys"] = _load(current)
        return current
    finally:
        holder["lock"].release()


def forget_cached_keys() -> None:
    current_app.extensions.get(_EXTENSION_KEY, {}).pop("keys", None)


def active_key() -> RSAKey:
    """The private key that signs now (with ``kid`` set); raises NoSigningKey."""
    key = loaded_keys().active
    if key is None:
        raise NoSigningKey(NoSigningKey.__doc__)
    return key


def signing_key_set() -> KeySet:
    """A set holding only the active key: joserfc picks it and writes its kid in the header."""
    keys = loaded_keys()
    if keys.signing_set is None:
        raise NoSigningKey(NoSigningKey.__doc__)
    return keys.signing_set


def public_key_set() -> KeySet:
    return loaded_keys().public_set


def jwks_bytes() -> bytes:
    return loaded_keys().jwks_bytes
