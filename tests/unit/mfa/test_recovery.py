"""Recovery codes: normalisation of what people type."""

import pytest

from idp.mfa import recovery


@pytest.mark.parametrize("typed", ["abcde-fghjk", "ABCDE FGHJK", "abcdefghjk", " abcde-fghjk "])
def test_typed_forms_of_a_code_are_one_code(typed):
    assert recovery._normalise(typed) == "abcdefghjk"


def test_look_alike_letters_read_as_digits():
    assert recovery._normalise("oooooiiiii") == "0000011111"


@pytest.mark.parametrize("code", ["123456", "", "abcde-fghjk-x"])
def test_other_lengths_are_not_recovery_codes(code):
    assert not recovery.looks_like_recovery_code(code)
