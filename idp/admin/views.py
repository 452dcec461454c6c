"""The admin API: JSON under /api/admin, our own access tokens, each route guarded by
``rbac.require``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/api/admin")
