"""Second-factor pages: enrolment, the login's second step, recovery codes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mfa", __name__)
