"""Keyed digests for secrets we only compare, AES-256-GCM for data we must read back.

NFR-UI-002-02. Client secrets, authorization codes, refresh tokens and session ids are high
entropy random values: a keyed SHA-256 digest stores them safely and checks them in microseconds
(a slow password hash would cap the token endpoint near 35 requests/s per core). Private signing
keys and, later, TOTP secrets and phone numbers are encrypted with AES-256-GCM under a key named by
its id, so keys can rotate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app


class DataKeyError(Exception):
    """Encrypted data names a key the settings do not hold, or was tampered with."""


def new_secret(nbytes: int = 32) -> str:
    """A URL-safe random secret; 32 bytes is 256 bits of entropy."""
    return secrets.token_urlsafe(nbytes)


def keyed_digest(value: str) -> str:
    key = current_app.config["IDP_DIGEST_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def digest_matches(value: str, stored_digest: str | None) -> bool:
    """Constant-time check of ``value`` against a stored keyed digest."""
    if not stored_digest:
        return False
    return hmac.compare_digest(keyed_digest(value), stored_digest)


def _data_keys() -> list[tuple[str, bytes]]:
    keys = []
    for entry in current_app.config["IDP_DATA_KEYS"]:
        key_id, _, encoded = entry.partition(":")
        raw = base64.b64decode(encoded)
        if len(raw) != 32:
            raise DataKeyError(f"data key {key_id!r} is not 32 bytes (AES-256)")
        keys.append((key_id, raw))
    if not keys:
        raise DataKeyError("IDP_DATA_KEYS is empty")
    return keys


def encrypt(plaintext: bytes, *, context: str) -> str:
    """Encrypt with the newest data key; ``context`` binds the ciphertext to its use."""
    key_id, key = _data_keys()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext, f"{key_id}|{context}".encode())
    return f"{key_id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str) -> bytes:
    key_id, _, payload = token.partition(".")
    keys = dict(_data_keys())
    if key_id not in keys:
        raise DataKeyError(f"no data key {key_id!r} in IDP_DATA_KEYS")
    try:
        raw = base64.urlsafe_b64decode(payload)
        return AESGCM(keys[key_id]).decrypt(raw[:12], raw[12:], f"{key_id}|{context}".encode())
    except Exception as exc:  # binascii.Error for mangled base64, InvalidTag from cryptography
        raise DataKeyError("ciphertext does not verify") from exc
