"""Claims about a user for the scopes a client was granted (OIDC Core §5.4)."""

from __future__ import annotations

from authlib.oidc.core import UserInfo

from idp.accounts.services import phone_number
from idp.rbac.services import role_names
from idp.rbac.services import token_permissions

#: The scopes this provider understands, as discovery advertises them.
SCOPES_SUPPORTED = ("openid", "profile", "email", "phone", "roles", "offline_access")


def authorization_claims(user, client=None) -> dict:
    """``roles``, ``permissions`` and ``office_id``: what resource servers authorise with
    (docs/tokens.md). ``permissions`` holds only those ``client`` may carry (its registered
    limit; none without a client), so a finance tool never receives booking permissions and
    tokens stay small; ``office_permissions`` appears only for grants pinned to an office."""
    claims = {"roles": role_names(user.id),
              **token_permissions(user, client.permissions if client is not None else None)}
    if user.office_id:
        claims["office_id"] = user.office_id
    return claims


def user_claims(user, scope: str, *, client=None) -> UserInfo:
    """The claims of ``scope`` (OIDC Core §5.4); ``roles`` adds ``authorization_claims`` for
    ``client``: the ID token and userinfo carry them only with that scope."""
    scopes = set((scope or "").split())
    info = UserInfo(sub=user.id)
    if "profile" in scopes:
        profile = user.profile
        info["name"] = profile.name if profile else ""
        if profile and profile.locale:
            info["locale"] = profile.locale
        info["updated_at"] = int(user.updated_at.timestamp())
    if "email" in scopes and user.email:
        info["email"] = user.email
        info["email_verified"] = user.email_verified_at is not None
    if "phone" in scopes and user.phone_encrypted:
        info["phone_number"] = phone_number(user)
        info["phone_number_verified"] = user.phone_verified_at is not None
    if "roles" in scopes:
        info.update(authorization_claims(user, client))
    return info
