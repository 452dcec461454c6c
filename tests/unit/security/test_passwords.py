"""Password hashing: argon2id for new hashes, imported bcrypt hashes verify and ask to be
upgraded, and an unknown user costs one argon2id verification (NFR-UI-002-01)."""

import bcrypt
import pytest
from argon2 import PasswordHasher
from argon2 import Type

from idp.security.passwords import hash_password
from idp.security.passwords import verify_password

PASSWORD = "Seat-booking-42!"


def test_nfr_ui_002_01_new_hash_is_argon2id_with_configured_parameters(ctx, app):
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert f"m={app.config['IDP_ARGON2_MEMORY_KIB']}" in hashed
    assert f"t={app.config['IDP_ARGON2_TIME_COST']}" in hashed
    assert PASSWORD not in hashed


def test_nfr_ui_002_01_argon2id_hash_verifies_and_needs_no_rehash(ctx):
    result = verify_password(hash_password(PASSWORD), PASSWORD)
    assert result.ok is True
    assert result.needs_rehash is False


def test_nfr_ui_002_01_same_password_hashes_differently(ctx):
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


@pytest.mark.parametrize("attempt", ["seat-booking-42!", PASSWORD + " ", "", PASSWORD[:-1]])
def test_nfr_ui_002_01_wrong_password_fails_argon2id(ctx, attempt):
    result = verify_password(hash_password(PASSWORD), attempt)
    assert result.ok is False
    assert result.needs_rehash is False


def test_nfr_ui_002_01_argon2_hash_with_weaker_parameters_verifies_and_needs_rehash(ctx):
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)
    result = verify_password(weak.hash(PASSWORD), PASSWORD)
    assert result.ok is True
    assert result.needs_rehash is True


def test_nfr_ui_002_01_argon2i_hash_verifies_and_needs_rehash_to_argon2id(ctx, app):
    argon2i = PasswordHasher(time_cost=app.config["IDP_ARGON2_TIME_COST"],
                             memory_cost=app.config["IDP_ARGON2_MEMORY_KIB"],
                             parallelism=app.config["IDP_ARGON2_PARALLELISM"], type=Type.I)
    result = verify_password(argon2i.hash(PASSWORD), PASSWORD)
    assert result.ok is True
    assert result.needs_rehash is True


@pytest.mark.parametrize("prefix", [b"2b", b"2a"])
def test_nfr_ui_002_01_imported_bcrypt_hash_verifies_and_needs_rehash(ctx, prefix):
    stored = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4, prefix=prefix)).decode()
    assert stored.startswith(f"${prefix.decode()}$")
    result = verify_password(stored, PASSWORD)
    assert result.ok is True
    assert result.needs_rehash is True


def test_nfr_ui_002_01_bcrypt_hash_with_wrong_password_fails_without_rehash(ctx):
    stored = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    result = verify_password(stored, "not-the-password")
    assert result.ok is False
    assert result.needs_rehash is False


def test_nfr_ui_002_01_unknown_user_verifies_against_the_dummy_and_fails(ctx, argon2_calls):
    result = verify_password(None, PASSWORD)
    assert result.ok is False
    assert result.needs_rehash is False
    assert len(argon2_calls) == 1  # the same work as a real account's check
    assert argon2_calls[0].startswith("$argon2id$")


def test_nfr_ui_002_01_dummy_hash_accepts_no_password(ctx, argon2_calls):
    for attempt in ("", PASSWORD, "not a real password: equalises verification time"):
        assert verify_password(None, attempt).ok is False


def test_nfr_ui_002_01_known_user_costs_one_argon2_verification_too(ctx, argon2_calls):
    stored = hash_password(PASSWORD)
    verify_password(stored, "wrong")
    assert argon2_calls == [stored]


@pytest.mark.parametrize("stored", ["", "not-a-hash", "$argon2id$broken", "$2b$12$short",
                                    "$2b$04$" + "x" * 53])
def test_nfr_ui_002_01_malformed_stored_hash_fails_without_error(ctx, stored):
    result = verify_password(stored, PASSWORD)
    assert result.ok is False
    assert result.needs_rehash is False
