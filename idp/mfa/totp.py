"""TOTP (RFC 6238) with pyotp: secrets, the otpauth URI and its QR code, verification.

A code is accepted for the current 30-second step and one step either side (clock drift),
and never twice: the method keeps the step of the last accepted code, and a conditional
UPDATE accepts only a later step, so two requests racing with one code cannot both pass.
The secret is stored AES-256-GCM encrypted (NFR-UI-002-02).
"""

from __future__ import annotations

import hmac
import re

import pyotp
import segno
from flask import current_app

from idp.extensions import utcnow
from idp.security import crypto

STEP_SECONDS = 30
DIGITS = 6
#: Steps accepted either side of the current one (RFC 6238 §5.2 resynchronisation).
VALID_WINDOW = 1
SECRET_CONTEXT = "mfa_methods.secret"


def new_secret() -> str:
    """A random base32 secret of 160 bits (RFC 4226 §4 recommends 160)."""
    return pyotp.random_base32(32)


def seal(secret: str) -> str:
    return crypto.encrypt(secret.encode(), context=SECRET_CONTEXT)


def unseal(sealed: str) -> str:
    return crypto.decrypt(sealed, context=SECRET_CONTEXT).decode()


def normalise_secret(secret: str) -> str:
    """A base32 secret as typed or imported: spaces and dashes dropped, upper case.

    Raises ValueError when it is not base32."""
    cleaned = re.sub(r"[\s-]", "", secret or "").upper().rstrip("=")
    if len(cleaned) < 16 or not re.fullmatch(r"[A-Z2-7]+", cleaned):
        raise ValueError("not a base32 secret of at least 80 bits")
    return cleaned


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, account: str) -> str:
    """The otpauth:// URI an authenticator app scans (Google Authenticator key URI format)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=current_app.config["IDP_MFA_ISSUER_NAME"])


def qr_svg(uri: str, title: str) -> str:
    """The QR code of ``uri`` as inline SVG markup (segno; no image file, no JavaScript)."""
    return segno.make(uri, error="m").svg_inline(scale=5, title=title, border=2)


def current_step() -> int:
    return int(utcnow().timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str) -> int | None:
    """The time step within the window whose code ``code`` is, or None."""
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    now = current_step()
    found = None
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        # Every step is compared (no early exit): the time taken says nothing about which.
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found
