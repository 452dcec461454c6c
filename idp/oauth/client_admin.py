"""Managing registered clients from the admin API: register, update, rotate the secret,
disable and enable. Registration metadata is validated by ``clients.validate_client_metadata``,
the one check the CLI and the admin API share.

Each worker caches a registration for IDP_CLIENT_CACHE_SECONDS (``clients.get_client``): a
change is seen at once by the worker that made it and by the others within that time.
"""

from __future__ import annotations

import dataclasses

from flask import current_app
from flask_babel import lazy_gettext as _l

from idp import audit
from idp.audit import AuditEvent
from idp.errors import IdpError
from idp.errors import NotFound
from idp.extensions import db
from idp.extensions import utcnow
from idp.oauth.clients import ClientMetadata
from idp.oauth.clients import InvalidClientMetadata
from idp.oauth.clients import create_client
from idp.oauth.clients import validate_client_metadata
from idp.oauth.models import Client
from idp.oauth.services import revoke_client_tokens
from idp.security import crypto

#: Metadata fixed at registration: a public client has no secret to rotate, a confidential one
#: must not lose its secret by an update.
IMMUTABLE_FIELDS = frozenset({"public"})


class ClientNotFound(NotFound):
    code = "client_not_found"
    description = _l("There is no client with this id.")


class PublicClientHasNoSecret(IdpError):
    code = "public_client"
    status = 409
    description = _l("A public client has no secret to rotate.")


def metadata_fields() -> tuple[str, ...]:
    """The names of the registration metadata (``ClientMetadata``'s fields)."""
    return tuple(field.name for field in dataclasses.fields(ClientMetadata))


def find_client(client_id: str) -> Client | None:
    """The client with this id, enabled or not, from the database (never the cache)."""
    if not client_id or len(client_id) > 64:
        return None
    return db.session.get(Client, client_id)


def list_all_clients(*, include_disabled: bool = True) -> list[Client]:
    query = db.select(Client).order_by(Client.created_at, Client.id)
    if not include_disabled:
        query = query.where(Client.disabled_at.is_(None))
    return list(db.session.scalars(query))


def metadata_of(client: Client) -> ClientMetadata:
    """The registration of ``client`` as ``ClientMetadata``."""
    values = {}
    for field in dataclasses.fields(ClientMetadata):
        value = getattr(client, field.name, None)
        if isinstance(value, list):
            value = tuple(value)
        if value is None and field.default is not dataclasses.MISSING:
            value = field.default
        values[field.name] = value
    return ClientMetadata(**values)


def field_kind(name: str) -> tuple[str, bool]:
    """The JSON kind of a metadata field (``"list"``, ``"boolean"`` or ``"string"``) and
    whether it may be null, read from ``ClientMetadata``'s annotations."""
    field = next(f for f in dataclasses.fields(ClientMetadata) if f.name == name)
    annotation = str(field.type)
    kind = "list" if "tuple" in annotation else "boolean" if "bool" in annotation else "string"
    return kind, "None" in annotation


def _forget_cached(client_id: str) -> None:
    current_app.extensions.get("idp.client_cache", {}).pop(client_id, None)


def _required(client_id: str) -> Client:
    client = find_client(client_id)
    if client is None:
        raise ClientNotFound()
    return client


def register_client(meta: ClientMetadata, *, actor_id: str) -> tuple[Client, str | None]:
    """Register a client for an administrator; return it and its secret (None if public).
    Raises InvalidClientMetadata. Records ``oauth:client:created`` and
    ``admin:client:registered``."""
    client, secret = create_client(meta)
    audit.record(AuditEvent.Admin.ClientRegistered, user_id=actor_id, client_id=client.id,
                 name=client.name, public=client.public)
    return client, secret


def update_client(client_id: str, changes: dict, *, actor_id: str) -> Client:
    """Change some of a client's registration metadata (names of ``ClientMetadata`` fields,
    ``public`` excepted) after validating the result as a whole. Raises ClientNotFound or
    InvalidClientMetadata. Records ``admin:client:updated`` with the changed field names."""
    client = _required(client_id)
    unknown = sorted(set(changes) - set(metadata_fields()))
    fixed = sorted(set(changes) & IMMUTABLE_FIELDS)
    if unknown:
        raise InvalidClientMetadata(f"Unknown client metadata: {', '.join(unknown)}.")
    if fixed:
        raise InvalidClientMetadata(f"Fixed at registration: {', '.join(fixed)}.")
    current = metadata_of(client)
    merged = dataclasses.replace(current, **{
        name: tuple(value) if isinstance(value, list) else value
        for name, value in changes.items()})
    meta = validate_client_metadata(merged)
    changed = []
    for name in metadata_fields():
        value = getattr(meta, name)
        if value == getattr(current, name):
            continue
        if isinstance(value, tuple):
            value = list(value)  # a JSON column
        setattr(client, name, value)
        changed.append(name)
    db.session.flush()
    _forget_cached(client.id)
    audit.record(AuditEvent.Admin.ClientUpdated, user_id=actor_id, client_id=client.id,
                 fields=changed)
    return client


def rotate_client_secret(client_id: str, *, actor_id: str) -> str:
    """Give a confidential client a new secret (256 bits; only its keyed digest is stored) and
    return it: the old one stops working at once. Raises ClientNotFound or
    PublicClientHasNoSecret. Records ``admin:client:secret_rotated``."""
    client = _required(client_id)
    if client.public:
        raise PublicClientHasNoSecret()
    secret = crypto.new_secret(32)
    client.secret_digest = crypto.keyed_digest(secret)
    db.session.flush()
    _forget_cached(client.id)
    audit.record(AuditEvent.Admin.ClientSecretRotated, user_id=actor_id, client_id=client.id)
    return secret


def disable_client(client_id: str, *, actor_id: str) -> Client:
    """Stop a client: no authorization, token, introspection or revocation request of it is
    accepted, and every token family issued to it is revoked. Idempotent. Raises
    ClientNotFound. Records ``admin:client:disabled``."""
    client = _required(client_id)
    if client.disabled_at is None:
        client.disabled_at = utcnow()
    revoked = revoke_client_tokens(client.id, reason="client_disabled")
    db.session.flush()
    _forget_cached(client.id)
    audit.record(AuditEvent.Admin.ClientDisabled, user_id=actor_id, client_id=client.id,
                 families_revoked=revoked)
    return client


def enable_client(client_id: str, *, actor_id: str) -> Client:
    """Accept a disabled client again (its revoked tokens stay revoked). Raises
    ClientNotFound. Records ``admin:client:updated``."""
    client = _required(client_id)
    if client.disabled_at is not None:
        client.disabled_at = None
        db.session.flush()
        _forget_cached(client.id)
        audit.record(AuditEvent.Admin.ClientUpdated, user_id=actor_id, client_id=client.id,
                     fields=["disabled_at"])
    return client
