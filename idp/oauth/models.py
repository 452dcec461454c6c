"""Clients, authorization codes, tokens and consents.

The classes implement the methods Authlib's grants call (``check_client_secret``,
``get_redirect_uri`` …) but keep their own schema: secrets, codes and refresh tokens are stored as
keyed digests, tokens are found by digest or ``jti``, and a code's ``auth_time`` (when the user
logged in) is kept apart from its expiry.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from idp.extensions import UTCDateTime
from idp.extensions import db
from idp.extensions import new_id
from idp.extensions import utcnow
from idp.security import crypto

#: Scopes that change what kind of answer a client gets rather than naming a resource: a
#: client must ask for them (they are never granted by default when ``scope`` is omitted).
EXPLICIT_SCOPES = frozenset({"openid", "offline_access"})

SECRET_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


class Client(db.Model):
    __tablename__ = "clients"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(200))
    secret_digest: Mapped[str | None] = mapped_column(sa.String(64))
    public: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    first_party: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    redirect_uris: Mapped[list] = mapped_column(sa.JSON, default=list)
    grant_types: Mapped[list] = mapped_column(sa.JSON, default=list)
    scope: Mapped[str] = mapped_column(sa.Text, default="")
    token_endpoint_auth_method: Mapped[str] = mapped_column(sa.String(32))
    disabled_at: Mapped[object | None] = mapped_column(UTCDateTime)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    # OpenID logout (RP-Initiated, Back-Channel and Front-Channel Logout 1.0); NULL: none.
    post_logout_redirect_uris: Mapped[list | None] = mapped_column(sa.JSON)
    backchannel_logout_uri: Mapped[str | None] = mapped_column(sa.Text)
    frontchannel_logout_uri: Mapped[str | None] = mapped_column(sa.Text)
    # The permissions this client's tokens may carry: exact names, "resource:*" or "*";
    # NULL: none (idp.rbac.services.permits).
    permissions: Mapped[list | None] = mapped_column(sa.JSON)

    @property
    def client_id(self) -> str:
        return self.id

    # --- the contract of authlib.oauth2.rfc6749.ClientMixin ---

    def get_client_id(self) -> str:
        return self.id

    def get_default_redirect_uri(self) -> str | None:
        # RFC 6749 §3.1.2.3: without a redirect_uri parameter, only an unambiguous one is used.
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The part of ``scope`` this client is registered for (RFC 6749 §3.3).

        Omitted scope means the registered resource scopes; a request none of whose scopes are
        allowed is refused (None makes Authlib answer ``invalid_scope``).
        """
        registered = self.scope.split()
        if not scope:
            return " ".join(s for s in registered if s not in EXPLICIT_SCOPES)
        allowed = [s for s in dict.fromkeys(scope.split()) if s in registered]
        return " ".join(allowed) if allowed else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string comparison (RFC 9700 §4.1.3): no prefixes, no wildcards.
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return not self.public and crypto.digest_matches(client_secret, self.secret_digest)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.disabled_at is not None:
            return False
        if self.public:
            # A public client has no secret: it may use the token endpoint (with PKCE) and
            # revoke its own tokens (RFC 7009 §5), never introspect.
            return method == "none" and endpoint in {"token", "revocation"}
        return method in SECRET_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


class AuthorizationCode(db.Model):
    __tablename__ = "authorization_codes"
    __table_args__ = (sa.Index("ix_authorization_codes_client_nonce", "client_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    client_id: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("clients.id",
                                                                        ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(sa.String(32), sa.ForeignKey("users.id",
                                                                      ondelete="CASCADE"))
    session_id: Mapped[str | None] = mapped_column(sa.String(32))
    family_id: Mapped[str] = mapped_column(sa.String(32), default=new_id)
    redirect_uri: Mapped[str | None] = mapped_column(sa.Text)
    scope: Mapped[str] = mapped_column(sa.Text, default="")
    nonce: Mapped[str | None] = mapped_column(sa.String(255))
    code_challenge: Mapped[str] = mapped_column(sa.String(128))
    code_challenge_method: Mapped[str] = mapped_column(sa.String(8))
    auth_time: Mapped[object] = mapped_column(UTCDateTime)
    acr: Mapped[str | None] = mapped_column(sa.String(64))
    amr: Mapped[list | None] = mapped_column(sa.JSON)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[object] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[object | None] = mapped_column(UTCDateTime)

    # --- the contract of authlib's AuthorizationCodeMixin (+ OpenID Connect) ---

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.auth_time.timestamp())

    def get_acr(self) -> str | None:
        return self.acr

    def get_amr(self) -> list | None:
        return self.amr


class Token(db.Model):
    """What was issued to a user under one grant: the access token's ``jti`` and, with
    ``offline_access``, the refresh token's digest. Rotation adds a row to the same family."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    client_id: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("clients.id",
                                                                        ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(sa.String(32), sa.ForeignKey("users.id",
                                                                      ondelete="CASCADE"),
                                         index=True)
    session_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    scope: Mapped[str] = mapped_column(sa.Text, default="")
    access_jti: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    access_expires_at: Mapped[object | None] = mapped_column(UTCDateTime)
    refresh_digest: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    refresh_expires_at: Mapped[object | None] = mapped_column(UTCDateTime)
    auth_time: Mapped[object] = mapped_column(UTCDateTime)
    acr: Mapped[str | None] = mapped_column(sa.String(64))
    amr: Mapped[list | None] = mapped_column(sa.JSON)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[object | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[object | None] = mapped_column(UTCDateTime)

    # --- the contract of authlib's TokenMixin for refresh tokens ---

    def check_client(self, client) -> bool:
        return self.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int((self.refresh_expires_at - utcnow()).total_seconds())

    def is_expired(self) -> bool:
        return self.refresh_expires_at is None or self.refresh_expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None or self.rotated_at is not None


class Consent(db.Model):
    """The scopes a user allowed a client, remembered so they are not asked again."""

    __tablename__ = "consents"
    __table_args__ = (sa.UniqueConstraint("user_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(32), sa.ForeignKey("users.id",
                                                                      ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("clients.id",
                                                                        ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RevokedToken(db.Model):
    """The revocation list's database backend: access-token ids refused until they expire."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    expires_at: Mapped[object] = mapped_column(UTCDateTime, index=True)
