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


@pytest.fixture
def idp(app):
    """Runs an `idp` command in the test app: ``idp("clients", "list")``."""
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(args=list(args))

    return run


def refused(result) -> str:
    """The single error line of a refused command (exit code 2, nothing on stdout)."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    return lines[0]
