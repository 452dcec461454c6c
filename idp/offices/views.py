"""The transport-office signup pages."""

from flask import Blueprint

bp = Blueprint("offices", __name__)
