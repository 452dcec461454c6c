"""A small library for Flask resource servers of the booking platform: verify the identity
provider's access tokens against its JWKS and require permissions (docs/tokens.md).

It imports nothing else from ``idp``: a resource server installs this package, not the IdP.
"""

from idp.resource.guard import ResourceServer
from idp.resource.guard import current_claims
from idp.resource.guard import has_permission
from idp.resource.guard import may_act_on_office
from idp.resource.guard import offices_for
from idp.resource.guard import require
from idp.resource.jwks import JwksUnavailable
from idp.resource.jwks import KeySet
from idp.resource.tokens import InvalidToken
from idp.resource.tokens import TokenVerifier

__all__ = ["InvalidToken", "JwksUnavailable", "KeySet", "ResourceServer", "TokenVerifier",
           "current_claims", "has_permission", "may_act_on_office", "offices_for", "require"]
