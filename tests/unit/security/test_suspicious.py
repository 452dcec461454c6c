"""Networks for new-sign-in detection (BR-UI-007): IPv4 /24, IPv6 /48, mapped addresses."""

import pytest

from idp.security.suspicious import network_of


@pytest.mark.parametrize(("address", "network"), [
    ("203.0.113.9", "203.0.113.0/24"),
    ("2001:db8:1:2::5", "2001:db8:1::/48"),
    ("::ffff:203.0.113.9", "203.0.113.0/24"),
    ("not an address", None),
    (None, None),
])
def test_br_ui_007_network_of_an_address(ctx, address, network):
    assert network_of(address) == network
