"""Revoked access-token ids, refused by introspection and userinfo until the token expires.

Access tokens are JWTs nobody stores; revoking one puts its ``jti`` here. Two backends share the
contract: Redis when IDP_REDIS_URL is set (keys expire on their own), the database otherwise.
The backend is chosen once in ``init_app``; callers use ``revocation_list()``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import redis
from flask import current_app

from idp.extensions import db
from idp.extensions import utcnow
from idp.oauth.models import RevokedToken

_EXTENSION_KEY = "idp.revocation_list"


class RevocationList(Protocol):
    def revoke(self, jti: str, expires_at: datetime) -> None:
        """Refuse ``jti`` from now until ``expires_at``."""

    def is_revoked(self, jti: str) -> bool:
        """True if ``jti`` was revoked (and has not yet expired)."""


class DatabaseRevocationList:
    def revoke(self, jti: str, expires_at: datetime) -> None:
        if db.session.get(RevokedToken, jti) is None:
            db.session.add(RevokedToken(jti=jti, expires_at=expires_at))
            db.session.flush()

    def is_revoked(self, jti: str) -> bool:
        return db.session.get(RevokedToken, jti) is not None

    def purge_expired(self) -> int:
        result = db.session.execute(db.delete(RevokedToken).where(RevokedToken.expires_at
                                                                   <= utcnow()))
        return result.rowcount


class RedisRevocationList:
    prefix = "idp:revoked:"

    def __init__(self, client: redis.Redis):
        self.client = client

    def revoke(self, jti: str, expires_at: datetime) -> None:
        seconds = int((expires_at - utcnow()).total_seconds()) + 1
        if seconds > 0:
            self.client.set(self.prefix + jti, b"1", ex=seconds)

    def is_revoked(self, jti: str) -> bool:
        return bool(self.client.exists(self.prefix + jti))


def init_app(app) -> None:
    url = app.config["IDP_REDIS_URL"]
    if url:
        app.extensions[_EXTENSION_KEY] = RedisRevocationList(
            redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        )
    else:
        app.extensions[_EXTENSION_KEY] = DatabaseRevocationList()


def revocation_list() -> RevocationList:
    return current_app.extensions[_EXTENSION_KEY]
