"""Signing keys: creation, the active key, what is published, the per-worker cache."""

import base64
import hashlib
import json
from datetime import timedelta

import pytest

from idp.extensions import db
from idp.extensions import utcnow
from idp.oidc import keys
from idp.oidc.models import SigningKey

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth"}


def _thumbprint(jwk: dict) -> str:
    """RFC 7638 §3: SHA-256 of the required members in lexicographic order, no whitespace."""
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"),
                           sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(
        b"=").decode()


def _published_kids() -> set[str]:
    return {key["kid"] for key in json.loads(keys.jwks_bytes())["keys"]}


class TestCreateKey:
    def test_rfc7638_kid_is_the_thumbprint_of_the_public_key(self, ctx):
        row = keys.create_key()
        assert row.kid == _thumbprint(row.public_jwk)

    def test_public_jwk_is_an_rs256_signing_key_without_private_members(self, ctx, app):
        row = keys.create_key()
        jwk = row.public_jwk
        assert (jwk["kty"], jwk["alg"], jwk["use"], jwk["kid"]) == ("RSA", "RS256", "sig",
                                                                    row.kid)
        assert not PRIVATE_MEMBERS & set(jwk)
        modulus = base64.urlsafe_b64decode(jwk["n"] + "=" * (-len(jwk["n"]) % 4))
        assert len(modulus) * 8 == app.config["IDP_SIGNING_KEY_BITS"]

    def test_nfr_ui_002_02_private_key_is_encrypted_at_rest(self, ctx):
        row = keys.create_key()
        assert "PRIVATE KEY" not in row.private_key_encrypted
        assert "BEGIN" not in row.private_key_encrypted

    def test_ensure_key_creates_nothing_when_a_key_exists(self, ctx):
        assert keys.ensure_key() is None


class TestActiveAndPublished:
    def test_a_key_that_activates_later_is_published_but_does_not_sign(self, ctx, app):
        row = keys.create_key(activates_in=60)
        assert row.kid in _published_kids()
        assert keys.active_key().kid == app.config["TEST_INITIAL_KID"]

    def test_rotation_retires_earlier_keys_when_the_new_key_activates(self, ctx, app,
                                                                     monkeypatch):
        monkeypatch.setitem(app.config, "IDP_KEY_ACTIVATION_DELAY_SECONDS", 30)
        new = keys.rotate_keys()
        old = db.session.get(SigningKey, app.config["TEST_INITIAL_KID"])
        assert old.retired_at == new.activates_at
        assert new.activates_at - new.created_at == timedelta(seconds=30)
        assert new.retired_at is None
        assert keys.active_key().kid == old.kid  # still signing until new.activates_at

    def test_no_signing_key_when_every_key_has_retired(self, ctx):
        for row in db.session.scalars(db.select(SigningKey)):
            row.retired_at = utcnow() - timedelta(seconds=1)
        db.session.flush()
        keys.forget_cached_keys()
        with pytest.raises(keys.NoSigningKey):
            keys.active_key()
        with pytest.raises(keys.NoSigningKey):
            keys.signing_key_set()
        assert _published_kids()  # their tokens are still being verified

    def test_signing_set_holds_only_the_active_private_key(self, ctx, app):
        keys.create_key(activates_in=60)
        signing = keys.signing_key_set()
        assert [key.kid for key in signing.keys] == [app.config["TEST_INITIAL_KID"]]
        assert len(keys.public_key_set().keys) == 2


class TestCache:
    def test_keys_are_read_once_per_cache_period(self, ctx, app, monkeypatch):
        monkeypatch.setitem(app.config, "IDP_KEY_CACHE_SECONDS", 300)
        keys.forget_cached_keys()
        first = keys.loaded_keys()
        assert keys.loaded_keys() is first
        assert keys.jwks_bytes() is first.jwks_bytes

    def test_rotation_forgets_this_workers_cache(self, ctx, app, monkeypatch):
        monkeypatch.setitem(app.config, "IDP_KEY_CACHE_SECONDS", 300)
        keys.forget_cached_keys()
        before = keys.loaded_keys()
        new = keys.rotate_keys()
        assert keys.loaded_keys() is not before
        assert new.kid in _published_kids()

    def test_no_cache_period_reads_every_time(self, ctx, app, monkeypatch):
        monkeypatch.setitem(app.config, "IDP_KEY_CACHE_SECONDS", 0)
        assert keys.loaded_keys() is not keys.loaded_keys()
