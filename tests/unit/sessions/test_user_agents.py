import pytest

from idp.sessions.user_agents import describe
from idp.sessions.user_agents import family


@pytest.mark.parametrize(("agent", "expected"), [
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/130.0.0.0 Mobile Safari/537.36", "Chrome Mobile / Android"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Mobile Safari / iOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 Firefox/130.0",
     "Firefox / Windows"),
    ("", "Other / Other"),
    (None, "Other / Other"),
])
def test_family_names_browser_and_os(agent, expected):
    assert family(agent) == expected


def test_nfr_ui_002_04_versions_do_not_change_the_family():
    old = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0"
    assert family(old) == family(old.replace("129.0", "131.0"))


def test_describe_names_the_device_model_when_known():
    device = describe("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
                      "Gecko) Chrome/130.0.0.0 Mobile Safari/537.36")
    assert device.device == "Pixel 8"
    assert describe("Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0").device is None
