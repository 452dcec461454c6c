"""Keyed digests and AES-256-GCM for data at rest (NFR-UI-002-02)."""

import base64
import os

import pytest

from idp.security import crypto
from idp.security.crypto import DataKeyError

NEW_KEY = "k2:" + base64.b64encode(b"n" * 32).decode()


def old_key_id(app) -> str:
    return app.config["IDP_DATA_KEYS"][0].partition(":")[0]


# --- encrypt / decrypt ---


@pytest.mark.parametrize("plaintext", [b"+967771234567", b"", "é".encode() * 1000, bytes(256)])
def test_nfr_ui_002_02_encrypt_then_decrypt_gives_the_plaintext(ctx, plaintext):
    sealed = crypto.encrypt(plaintext, context="users.phone")
    assert crypto.decrypt(sealed, context="users.phone") == plaintext


def test_nfr_ui_002_02_ciphertext_names_its_key_and_hides_the_plaintext(ctx, app):
    sealed = crypto.encrypt(b"+967771234567", context="users.phone")
    assert sealed.startswith(old_key_id(app) + ".")
    assert b"967771234567" not in base64.urlsafe_b64decode(sealed.partition(".")[2])


def test_nfr_ui_002_02_same_plaintext_encrypts_differently_each_time(ctx):
    sealed = {crypto.encrypt(b"+967771234567", context="users.phone") for _ in range(5)}
    assert len(sealed) == 5


@pytest.mark.parametrize("position", [0, 11, 12, 20, -1])
def test_nfr_ui_002_02_tampered_ciphertext_does_not_decrypt(ctx, position):
    key_id, _, payload = crypto.encrypt(b"+967771234567", context="users.phone").partition(".")
    raw = bytearray(base64.urlsafe_b64decode(payload))
    raw[position] ^= 0x01  # the nonce, the ciphertext or the tag
    tampered = f"{key_id}.{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(DataKeyError):
        crypto.decrypt(tampered, context="users.phone")


def test_nfr_ui_002_02_truncated_ciphertext_does_not_decrypt(ctx):
    key_id, _, payload = crypto.encrypt(b"+967771234567", context="users.phone").partition(".")
    raw = base64.urlsafe_b64decode(payload)
    for cut in (raw[:-1], raw[:12], b""):
        with pytest.raises(DataKeyError):
            crypto.decrypt(f"{key_id}.{base64.urlsafe_b64encode(cut).decode()}",
                           context="users.phone")


def test_nfr_ui_002_02_ciphertext_does_not_decrypt_in_another_context(ctx):
    sealed = crypto.encrypt(b"JBSWY3DPEHPK3PXP", context="users.totp")
    with pytest.raises(DataKeyError):
        crypto.decrypt(sealed, context="users.phone")


def test_nfr_ui_002_02_unknown_key_id_is_refused(ctx):
    _, _, payload = crypto.encrypt(b"+967771234567", context="users.phone").partition(".")
    with pytest.raises(DataKeyError, match="gone"):
        crypto.decrypt(f"gone.{payload}", context="users.phone")


def test_nfr_ui_002_02_ciphertext_relabelled_with_another_key_id_is_refused(ctx, app,
                                                                            monkeypatch):
    old_id = old_key_id(app)
    monkeypatch.setitem(app.config, "IDP_DATA_KEYS", [NEW_KEY, *app.config["IDP_DATA_KEYS"]])
    sealed = crypto.encrypt(b"+967771234567", context="users.phone")
    assert sealed.startswith("k2.")
    with pytest.raises(DataKeyError):
        crypto.decrypt(old_id + "." + sealed.partition(".")[2], context="users.phone")


@pytest.mark.parametrize("payload", ["abc", "%%%%", "a.b.c", ""])
def test_nfr_ui_002_02_ciphertext_that_is_not_base64_is_refused(ctx, app, payload):
    with pytest.raises(DataKeyError):
        crypto.decrypt(f"{old_key_id(app)}.{payload}", context="users.phone")


def test_nfr_ui_002_02_after_rotation_new_data_uses_the_new_key_and_old_data_decrypts(
        ctx, app, monkeypatch):
    before = crypto.encrypt(b"old", context="users.phone")
    monkeypatch.setitem(app.config, "IDP_DATA_KEYS", [NEW_KEY, *app.config["IDP_DATA_KEYS"]])
    after = crypto.encrypt(b"new", context="users.phone")
    assert after.startswith("k2.")
    assert crypto.decrypt(before, context="users.phone") == b"old"
    assert crypto.decrypt(after, context="users.phone") == b"new"


def test_nfr_ui_002_02_data_of_a_removed_key_no_longer_decrypts(ctx, app, monkeypatch):
    sealed = crypto.encrypt(b"+967771234567", context="users.phone")
    monkeypatch.setitem(app.config, "IDP_DATA_KEYS", [NEW_KEY])
    with pytest.raises(DataKeyError):
        crypto.decrypt(sealed, context="users.phone")


@pytest.mark.parametrize("keys", [[], ["short:" + base64.b64encode(b"x" * 16).decode()]])
def test_nfr_ui_002_02_missing_or_short_data_keys_are_refused(ctx, app, monkeypatch, keys):
    monkeypatch.setitem(app.config, "IDP_DATA_KEYS", keys)
    with pytest.raises(DataKeyError):
        crypto.encrypt(b"x", context="users.phone")


# --- keyed digests and secrets ---


def test_nfr_ui_002_02_keyed_digest_is_stable_and_depends_on_the_key(ctx, app, monkeypatch):
    digest = crypto.keyed_digest("refresh-token")
    assert digest == crypto.keyed_digest("refresh-token")
    assert len(digest) == 64 and digest != crypto.keyed_digest("refresh-tokeN")
    monkeypatch.setitem(app.config, "IDP_DIGEST_KEY", "another-digest-key")
    assert crypto.keyed_digest("refresh-token") != digest


def test_nfr_ui_002_02_digest_matches_only_the_original_value(ctx):
    stored = crypto.keyed_digest("client-secret")
    assert crypto.digest_matches("client-secret", stored)
    assert not crypto.digest_matches("client-secreT", stored)
    assert not crypto.digest_matches("client-secret", None)
    assert not crypto.digest_matches("client-secret", "")


def test_nfr_ui_002_02_new_secret_has_256_bits_and_is_url_safe():
    secrets = {crypto.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        raw = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
        assert len(raw) == 32
        assert set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789-_")


def test_nfr_ui_002_02_random_bytes_do_not_decrypt(ctx, app):
    junk = base64.urlsafe_b64encode(os.urandom(60)).decode()
    with pytest.raises(DataKeyError):
        crypto.decrypt(f"{old_key_id(app)}.{junk}", context="users.phone")
