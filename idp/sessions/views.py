"""The account's sessions page and API, and OpenID logout."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sessions", __name__)
