"""The cast of most integration tests: a customer, a relying party, and a clock to move."""

from datetime import UTC
from datetime import datetime

import pytest
from freezegun import freeze_time


@pytest.fixture
def user(flows):
    """A verified customer (email and phone), with the default password."""
    return flows.make_user(roles=("customer",))


@pytest.fixture
def rp(flows):
    """A confidential, third-party relying party (asks consent) with the default redirect URI."""
    return flows.make_client()


@pytest.fixture
def clock():
    """Time frozen at now (whole seconds); ``clock.tick(n)`` moves it on."""
    with freeze_time(datetime.now(UTC).replace(microsecond=0)) as frozen:
        yield frozen
