"""Revoking tokens wholesale for the admin API: everything a user or a client holds.

Refresh tokens are marked revoked; the access tokens issued with them go on the revocation
list, so introspection (RFC 7662) and userinfo refuse them at once. Resource servers that only
verify the JWT keep accepting an access token until it expires (IDP_ACCESS_TOKEN_SECONDS).
"""

from __future__ import annotations

from idp.extensions import db
from idp.oauth.models import Token
from idp.oauth.services import revoke_family
from idp.oauth.services import revoke_user_tokens


def revoke_all_user_tokens(user_id: str, *, reason: str) -> int:
    """Revoke every token family of the user that still has a live token; return how many.
    Each family records ``oauth:token:revoked`` with ``reason``."""
    return revoke_user_tokens(user_id, reason)


def revoke_client_tokens(client_id: str, *, reason: str) -> int:
    """Revoke every token family issued to the client; return how many. Client-credentials
    access tokens are not stored (the JWT is the record) and expire on their own."""
    families = db.session.scalars(db.select(Token.family_id).where(
        Token.client_id == client_id, Token.revoked_at.is_(None)).distinct())
    revoked = 0
    for family_id in list(families):
        revoke_family(family_id, reason=reason)
        revoked += 1
    return revoked
