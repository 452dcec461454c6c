"""Roles, permissions and the effective-permission function (FR-UI-004).

Every package guards its API views with ``rbac.require("resource:action")`` and its hosted
pages with ``rbac.require_page``; ``can`` and ``can_current`` answer in code.
"""

from idp.rbac.decorators import can_current
from idp.rbac.decorators import require
from idp.rbac.decorators import require_page
from idp.rbac.services import can
from idp.rbac.services import effective_permissions

__all__ = ["can", "can_current", "effective_permissions", "require", "require_page"]
