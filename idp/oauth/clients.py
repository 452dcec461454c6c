"""Registering clients: one validation shared by the CLI, and later the admin API and /register."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

from idp import audit
from idp.audit import AuditEvent
from idp.errors import InvalidInput
from idp.extensions import db
from idp.oauth.models import Client
from idp.security import crypto

GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
DEFAULT_SCOPE = "openid profile email phone roles offline_access"


class InvalidClientMetadata(InvalidInput):
    code = "invalid_client_metadata"  # RFC 7591 §3.2.2
    description = "The client registration is not valid."


class InvalidRedirectUri(InvalidClientMetadata):
    code = "invalid_redirect_uri"


@dataclass(frozen=True)
class ClientMetadata:
    name: str
    redirect_uris: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = ("authorization_code", "refresh_token")
    scope: str = DEFAULT_SCOPE
    public: bool = False
    first_party: bool = False
    # OpenID logout: RP-Initiated Logout 1.0 §3.1, Back-Channel §2.2, Front-Channel §2.
    post_logout_redirect_uris: tuple[str, ...] = ()
    backchannel_logout_uri: str | None = None
    frontchannel_logout_uri: str | None = None
    # The permissions its tokens may carry (names, "resource:*", "*"); None: none (issue 5).
    permissions: tuple[str, ...] | None = None


def validate_client_metadata(meta: ClientMetadata) -> ClientMetadata:
    """Return ``meta`` cleaned, or raise InvalidClientMetadata / InvalidRedirectUri."""
    name = meta.name.strip()
    if not name or len(name) > 200:
        raise InvalidClientMetadata("A client needs a name of 1 to 200 characters.")
    grant_types = tuple(dict.fromkeys(meta.grant_types))
    unknown = [g for g in grant_types if g not in GRANT_TYPES]
    if unknown or not grant_types:
        raise InvalidClientMetadata(
            f"Grant types must be among {', '.join(GRANT_TYPES)}; "
            f"got {', '.join(unknown) or 'none'}."
        )
    if meta.public and "client_credentials" in grant_types:
        raise InvalidClientMetadata(
            "A public client cannot use client_credentials: it has no secret.")
    if "refresh_token" in grant_types and "authorization_code" not in grant_types:
        raise InvalidClientMetadata("refresh_token goes with authorization_code.")
    uris = tuple(dict.fromkeys(u.strip() for u in meta.redirect_uris))
    if "authorization_code" in grant_types and not uris:
        raise InvalidRedirectUri("The authorization_code grant needs at least one redirect URI.")
    for uri in uris:
        _check_redirect_uri(uri)
    scope = " ".join(dict.fromkeys(meta.scope.split()))
    logout_uris = tuple(dict.fromkeys(u.strip() for u in meta.post_logout_redirect_uris))
    for uri in logout_uris:
        _check_redirect_uri(uri)
    backchannel = _logout_uri(meta.backchannel_logout_uri)
    frontchannel = _logout_uri(meta.frontchannel_logout_uri)
    return ClientMetadata(name=name, redirect_uris=uris, grant_types=grant_types, scope=scope,
                          public=meta.public, first_party=meta.first_party,
                          post_logout_redirect_uris=logout_uris,
                          backchannel_logout_uri=backchannel, frontchannel_logout_uri=frontchannel,
                          permissions=_permission_limit(meta.permissions))


def _permission_limit(patterns: tuple[str, ...] | None) -> tuple[str, ...] | None:
    from idp.rbac.errors import UnknownPermission
    from idp.rbac.services import validate_permission_patterns

    if patterns is None:
        return None
    try:
        return tuple(validate_permission_patterns(patterns))
    except UnknownPermission as exc:
        raise InvalidClientMetadata(exc.description) from None


def _logout_uri(uri: str | None) -> str | None:
    """A back- or front-channel logout URI: absolute https (http on loopback), no fragment
    (Back-Channel Logout §2.2, Front-Channel Logout §2)."""
    uri = (uri or "").strip()
    if not uri:
        return None
    parts = urlsplit(uri)
    loopback = parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if parts.fragment or "#" in uri or not parts.netloc or not (parts.scheme == "https"
                                                                 or loopback):
        raise InvalidClientMetadata(
            f"{uri}: a logout URI must be an absolute https URL (http only on loopback) "
            "without a fragment.")
    return uri


def _check_redirect_uri(uri: str) -> None:
    parts = urlsplit(uri)
    if parts.fragment or "#" in uri:
        raise InvalidRedirectUri(
            f"{uri}: a redirect URI must not have a fragment (RFC 6749 §3.1.2).")
    if parts.scheme == "https" and parts.netloc:
        return
    if parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}:
        return  # RFC 8252 §7.3: loopback redirects for native apps and development.
    if parts.scheme and parts.scheme not in {"http", "https", "javascript", "data", "file"} \
            and "." in parts.scheme and not parts.netloc.count("@"):
        return  # RFC 8252 §7.1: private-use scheme in reverse domain form (com.example.app:/cb).
    raise InvalidRedirectUri(
        f"{uri}: use https, an http loopback address, or a reverse-domain app scheme."
    )


def create_client(meta: ClientMetadata) -> tuple[Client, str | None]:
    """Register a client; return it and its secret (None for a public client).

    The secret carries 256 bits of entropy and only its keyed digest is stored. Records
    ``oauth:client:created``.
    """
    meta = validate_client_metadata(meta)
    secret = None if meta.public else crypto.new_secret(32)
    client = Client(
        name=meta.name, public=meta.public, first_party=meta.first_party,
        redirect_uris=list(meta.redirect_uris), grant_types=list(meta.grant_types),
        scope=meta.scope, secret_digest=secret and crypto.keyed_digest(secret),
        token_endpoint_auth_method="none" if meta.public else "client_secret_basic",
        post_logout_redirect_uris=list(meta.post_logout_redirect_uris) or None,
        backchannel_logout_uri=meta.backchannel_logout_uri,
        frontchannel_logout_uri=meta.frontchannel_logout_uri,
        permissions=list(meta.permissions) if meta.permissions is not None else None,
    )
    db.session.add(client)
    db.session.flush()
    audit.record(AuditEvent.OAuth.ClientCreated, client_id=client.id, name=client.name)
    return client, secret


#: Registrations a worker keeps, at most; past that the cache starts again empty.
_CLIENT_CACHE_SIZE = 10_000


def get_client(client_id: str | None) -> Client | None:
    """The enabled client with this id, or None.

    Each worker keeps a found registration for IDP_CLIENT_CACHE_SECONDS, detached from the
    database session: the token endpoint then authenticates a client without a query (about a
    third of its CPU time). Unknown ids are never cached, so guessing ids cannot fill memory.
    """
    if not client_id or len(client_id) > 64:
        return None
    ttl = current_app.config["IDP_CLIENT_CACHE_SECONDS"]
    cache = current_app.extensions.setdefault("idp.client_cache", {})
    now = time.monotonic()
    hit = cache.get(client_id)
    if hit is not None and now - hit[0] < ttl:
        client = hit[1]
    else:
        client = db.session.get(Client, client_id)
        if client is None:
            return None
        if ttl > 0:
            db.session.expunge(client)
            if len(cache) >= _CLIENT_CACHE_SIZE:
                cache.clear()
            cache[client_id] = (now, client)
    if client.disabled_at is not None:
        return None
    return client


def list_clients() -> list[Client]:
    return list(db.session.scalars(db.select(Client).order_by(Client.created_at)))


def clients_of_session(session_id: str) -> list[Client]:
    """The clients that were issued tokens under the login session ``session_id``: the ones
    OpenID logout notifies when it ends (Back-Channel Logout §2.7, Front-Channel Logout §3)."""
    from idp.oauth.services import session_tokens

    ids = {client_id for _family, client_id, _live in session_tokens(session_id)}
    if not ids:
        return []
    return list(db.session.scalars(db.select(Client).where(Client.id.in_(ids))
                                   .order_by(Client.created_at)))
