"""Shared helpers of idp/extensions.py."""

from idp.extensions import new_id


def test_new_ids_are_opaque_and_never_read_as_command_line_options():
    ids = {new_id() for _ in range(5000)}
    assert len(ids) == 5000
    assert not any(value.startswith("-") for value in ids)
    assert all(len(value) == 22 for value in ids)  # 128 bits, URL-safe base64
