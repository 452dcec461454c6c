"""TOTP helpers (RFC 6238): the ±1 step window, secrets, the QR code."""

import pyotp
import pytest
from freezegun import freeze_time

from idp.mfa import totp


@pytest.fixture
def secret():
    return totp.new_secret()


@freeze_time("2026-11-22 10:00:15")
@pytest.mark.parametrize(("offset", "accepted"), [(-2, False), (-1, True), (0, True), (1, True),
                                                  (2, False)])
def test_rfc6238_5_2_one_step_either_side_is_accepted(secret, offset, accepted):
    now = totp.current_step()
    code = pyotp.TOTP(secret).generate_otp(now + offset)
    assert (totp.matching_step(secret, code) == now + offset) is accepted


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", None])
def test_malformed_codes_match_nothing(secret, code):
    assert totp.matching_step(secret, code or "") is None


def test_new_secret_has_160_bits(secret):
    assert len(secret) == 32 and totp.normalise_secret(secret) == secret


def test_normalise_secret_accepts_typed_groups_and_refuses_non_base32(secret):
    assert totp.normalise_secret(totp.grouped(secret).lower()) == secret
    with pytest.raises(ValueError):
        totp.normalise_secret("not base32 at all 1890")


def test_secret_is_sealed_with_aes_gcm_and_opens_again(ctx, secret):
    sealed = totp.seal(secret)
    assert secret not in sealed
    assert totp.unseal(sealed) == secret


def test_provisioning_uri_and_qr_svg(ctx, secret):
    uri = totp.provisioning_uri(secret, "amina@example.com")
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    svg = totp.qr_svg(uri, "otpauth")
    assert svg.startswith("<svg") and "<path" in svg
