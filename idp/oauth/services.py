"""Authorization codes, issued tokens, refresh rotation, revocation and consent.

The grants in ``grants.py`` call these functions and nothing else touches the tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from flask import current_app
from flask import g
from flask import has_request_context
from joserfc.jws import extract_compact

from idp import audit
from idp.audit import AuditEvent
from idp.extensions import db
from idp.extensions import utcnow
from idp.oauth.models import AuthorizationCode
from idp.oauth.models import Consent
from idp.oauth.models import Token
from idp.oauth.revocation_list import revocation_list
from idp.security import crypto


@dataclass
class Subject:
    """The user a grant acts for, with how and when they authenticated: Authlib hands it to the
    token generator and the ID-token extension as ``user``."""

    user: object
    auth_time: datetime
    acr: str | None
    amr: list | None
    session_id: str | None
    family_id: str
    #: The client the grant was issued to: ID-token claims are limited to its permissions.
    client_id: str | None = None

    def get_user_id(self) -> str:
        return self.user.id


def save_authorization_code(code: str, request, login) -> AuthorizationCode:
    """Store a code (as its digest) with the PKCE challenge, nonce and the login it came from."""
    payload = request.payload
    row = AuthorizationCode(
        code_digest=crypto.keyed_digest(code), client_id=request.client.get_client_id(),
        user_id=login.user_id, session_id=login.id, redirect_uri=payload.redirect_uri,
        scope=request.scope or "", nonce=payload.data.get("nonce"),
        code_challenge=payload.data["code_challenge"],
        code_challenge_method=payload.data.get("code_challenge_method") or "S256",
        auth_time=login.auth_time, acr=login.acr, amr=login.amr,
        expires_at=utcnow() + timedelta(seconds=current_app.config["IDP_AUTH_CODE_SECONDS"]),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(AuditEvent.OAuth.CodeIssued, user_id=login.user_id, client_id=row.client_id,
                 session_id=login.id)
    return row


def nonce_used(client_id: str, nonce: str) -> bool:
    """True if a code was already issued to this client with this nonce (OIDC Core §15.5.2)."""
    query = db.select(AuthorizationCode.id).where(AuthorizationCode.client_id == client_id,
                                                  AuthorizationCode.nonce == nonce)
    return db.session.scalar(query.limit(1)) is not None


def redeem_code(code: str, client) -> AuthorizationCode | None:
    """Consume a code once, atomically: of two concurrent redemptions exactly one gets the row.

    A second use of a spent code revokes every token issued from it (RFC 6749 §4.1.2) and
    records ``oauth:code:reused``. Returns None for unknown, expired, spent or foreign codes.
    """
    digest = crypto.keyed_digest(code)
    now = utcnow()
    claimed = db.session.execute(
        db.update(AuthorizationCode)
        .where(AuthorizationCode.code_digest == digest,
               AuthorizationCode.client_id == client.get_client_id(),
               AuthorizationCode.used_at.is_(None), AuthorizationCode.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    row = db.session.scalar(db.select(AuthorizationCode).where(
        AuthorizationCode.code_digest == digest))
    if claimed.rowcount == 1:
        return row
    if row is not None and row.used_at is not None:
        revoke_family(row.family_id, reason="code_reused")
        audit.record(AuditEvent.OAuth.CodeReused, user_id=row.user_id, client_id=row.client_id,
                     result="failure")
    return None


def subject_of(grant_row: AuthorizationCode | Token, user) -> Subject:
    return Subject(user=user, auth_time=grant_row.auth_time, acr=grant_row.acr,
                   amr=grant_row.amr, session_id=grant_row.session_id,
                   family_id=grant_row.family_id, client_id=grant_row.client_id)


def record_issued_tokens(token: dict, request) -> None:
    """Remember what was issued for a user: the access token's jti and the refresh token's
    digest, in the family of the code or refresh token presented."""
    subject = request.user
    if not isinstance(subject, Subject):
        # client_credentials: nothing to rotate or revoke by family; the JWT is the record.
        # Its jti as AccessTokenGenerator.get_jti drew it, not decoded back out of the token.
        audit.record(AuditEvent.OAuth.TokenIssued, client_id=request.client.get_client_id(),
                     durable=False, grant_type="client_credentials", scope=token.get("scope"),
                     jti=g.pop("idp_access_jti"))
        return
    claims = json.loads(extract_compact(token["access_token"].encode()).payload)
    now = utcnow()
    config = current_app.config
    previous = getattr(request, "refresh_token", None)
    refresh_expires_at = None
    if token.get("refresh_token"):
        refresh_expires_at = previous.refresh_expires_at if previous else (
            now + timedelta(seconds=config["IDP_REFRESH_TOKEN_SECONDS"]))
    # RFC 6749 §6: a new refresh token keeps the scope of the one presented, even when the
    # client narrowed the access token's.
    scope = previous.scope if previous else token.get("scope", "")
    row = Token(
        family_id=subject.family_id, client_id=request.client.get_client_id(),
        user_id=subject.user.id, session_id=subject.session_id, scope=scope,
        access_jti=claims["jti"],
        access_expires_at=datetime.fromtimestamp(claims["exp"], tz=now.tzinfo),
        refresh_digest=token.get("refresh_token") and crypto.keyed_digest(token["refresh_token"]),
        refresh_expires_at=refresh_expires_at, auth_time=subject.auth_time, acr=subject.acr,
        amr=subject.amr,
    )
    db.session.add(row)
    db.session.flush()
    event = AuditEvent.OAuth.TokenRefreshed if previous else AuditEvent.OAuth.TokenIssued
    audit.record(event, user_id=row.user_id, client_id=row.client_id,
                 session_id=row.session_id, scope=token.get("scope", ""))


def claim_refresh_token(raw: str, client) -> Token | None:
    """Consume a refresh token for rotation, atomically; return its row or None.

    Presenting one that was already rotated (or revoked) is reuse: the whole family is revoked
    (RFC 9700 §4.14.2) and ``oauth:token:refresh_reused`` recorded.
    """
    digest = crypto.keyed_digest(raw)
    now = utcnow()
    claimed = db.session.execute(
        db.update(Token)
        .where(Token.refresh_digest == digest, Token.client_id == client.get_client_id(),
               Token.rotated_at.is_(None), Token.revoked_at.is_(None),
               Token.refresh_expires_at > now)
        .values(rotated_at=now)
        .execution_options(synchronize_session=False)
    )
    row = db.session.scalar(db.select(Token).where(Token.refresh_digest == digest))
    if claimed.rowcount == 1:
        return row
    if row is not None and row.client_id == client.get_client_id() and row.is_revoked():
        revoke_family(row.family_id, reason="refresh_reused")
        audit.record(AuditEvent.OAuth.RefreshReused, user_id=row.user_id,
                     client_id=row.client_id, result="failure")
    return None


def find_refresh_token(raw: str) -> Token | None:
    return db.session.scalar(db.select(Token).where(Token.refresh_digest
                                                    == crypto.keyed_digest(raw)))


def revoke_family(family_id: str, *, reason: str) -> int:
    """Revoke every refresh token of a family and every access token issued in it."""
    now = utcnow()
    rows = list(db.session.scalars(db.select(Token).where(Token.family_id == family_id)))
    for row in rows:
        if row.revoked_at is None:
            row.revoked_at = now
        if row.access_jti and row.access_expires_at and row.access_expires_at > now:
            revocation_list().revoke(row.access_jti, row.access_expires_at)
    db.session.flush()
    if rows:
        audit.record(AuditEvent.OAuth.TokenRevoked, user_id=rows[0].user_id,
                     client_id=rows[0].client_id, reason=reason, family=family_id)
    return len(rows)


def _revoke_families(condition, *, reason: str) -> int:
    """Revoke every token family with a live token matching ``condition``; return how many."""
    return _revoke_each(db.session.scalars(db.select(Token.family_id).where(
        condition, Token.revoked_at.is_(None)).distinct()), reason=reason)


def _revoke_each(families, *, reason: str) -> int:
    families = sorted(set(families))
    for family_id in families:
        revoke_family(family_id, reason=reason)
    return len(families)


def session_tokens(session_id: str) -> list[tuple[str, str, bool]]:
    """(family id, client id, still live) of the tokens issued under a login session: one
    SELECT, kept for the request, that both receivers of ``session_ended`` read (revoking the
    families here, OpenID logout finding the clients in ``clients.clients_of_session``)."""
    memo = g.setdefault("idp_session_tokens", {}) if has_request_context() else {}
    if session_id not in memo:
        memo[session_id] = [tuple(row) for row in db.session.execute(
            _SESSION_TOKENS, {"session_id": session_id})]
    return memo[session_id]


_SESSION_TOKENS = db.select(Token.family_id, Token.client_id, Token.revoked_at.is_(None)).where(
    Token.session_id == db.bindparam("session_id")).distinct()


def revoke_session_tokens(session_id: str) -> None:
    """Revoke the token families issued under a login session (when it ends)."""
    _revoke_each((family for family, _client, live in session_tokens(session_id) if live),
                 reason="session_ended")


def revoke_user_tokens(user_id: str, reason: str) -> int:
    """Revoke every token family of a user that still has a live token (after a password
    change or reset, FR-UI-003-02/03; an administrator disabling the account). Returns how
    many families were revoked."""
    return _revoke_families(Token.user_id == user_id, reason=reason)


def revoke_client_tokens(client_id: str, *, reason: str) -> int:
    """Revoke every token family issued to the client (an administrator disabled it); return
    how many. Its unstored client-credentials tokens stop verifying with the client itself
    (``access_tokens.verify_access_token`` asks for an enabled client)."""
    return _revoke_families(Token.client_id == client_id, reason=reason)


def revoke_access_token(claims: dict) -> None:
    expires_at = datetime.fromtimestamp(claims["exp"], tz=utcnow().tzinfo)
    revocation_list().revoke(claims["jti"], expires_at)
    audit.record(AuditEvent.OAuth.TokenRevoked, user_id=claims.get("sub"),
                 client_id=claims.get("client_id"), reason="revocation_endpoint",
                 token_type="access_token")


def consent_covers(user_id: str, client_id: str, scope: str) -> bool:
    """True if the user already allowed this client every scope in ``scope``."""
    consent = db.session.scalar(db.select(Consent).where(Consent.user_id == user_id,
                                                         Consent.client_id == client_id))
    return consent is not None and set(scope.split()) <= set(consent.scope.split())


def remember_consent(user_id: str, client_id: str, scope: str) -> None:
    consent = db.session.scalar(db.select(Consent).where(Consent.user_id == user_id,
                                                         Consent.client_id == client_id))
    if consent is None:
        consent = Consent(user_id=user_id, client_id=client_id, scope="")
        db.session.add(consent)
    consent.scope = " ".join(sorted(set(consent.scope.split()) | set(scope.split())))
    audit.record(AuditEvent.OAuth.ConsentGranted, user_id=user_id, client_id=client_id,
                 scope=scope)
