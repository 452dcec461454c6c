"""Password hashing: argon2id for everything new, bcrypt from imports still verifies.

NFR-UI-002-01. Parameters come from settings; a stored hash made with weaker parameters, or with
bcrypt, is reported by ``verify_password`` as needing a rehash so the caller can upgrade it at
login.
"""

from __future__ import annotations

from dataclasses import dataclass

import bcrypt
from argon2 import PasswordHasher
from argon2 import Type
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from flask import current_app

_EXTENSION_KEY = "idp.password_hasher"


@dataclass(frozen=True)
class Verification:
    ok: bool
    needs_rehash: bool = False


def init_app(app) -> None:
    hasher = PasswordHasher(
        time_cost=app.config["IDP_ARGON2_TIME_COST"],
        memory_cost=app.config["IDP_ARGON2_MEMORY_KIB"],
        parallelism=app.config["IDP_ARGON2_PARALLELISM"],
        type=Type.ID,
    )
    # Verified when the identifier matches no account, so a miss costs what a hit costs and
    # the response time does not tell whether an account exists.
    dummy = hasher.hash("not a real password: equalises verification time")
    app.extensions[_EXTENSION_KEY] = (hasher, dummy)


def _hasher() -> tuple[PasswordHasher, str]:
    return current_app.extensions[_EXTENSION_KEY]


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


def verify_password(stored_hash: str | None, password: str) -> Verification:
    """Check ``password`` against ``stored_hash`` in the time one argon2id verify takes.

    A ``None`` hash (unknown user, or an account without a password) verifies against a dummy
    hash and fails.
    """
    hasher, dummy = _hasher()
    if stored_hash is None:
        _argon2_verify(hasher, dummy, password)
        return Verification(ok=False)
    if stored_hash.startswith(("$2a$", "$2b$", "$2y$")):
        try:
            ok = bcrypt.checkpw(password.encode()[:72], stored_hash.encode())
        except ValueError:
            ok = False
        return Verification(ok=ok, needs_rehash=ok)
    ok = _argon2_verify(hasher, stored_hash, password)
    return Verification(ok=ok, needs_rehash=ok and hasher.check_needs_rehash(stored_hash))


def _argon2_verify(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False
