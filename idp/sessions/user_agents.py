"""What a User-Agent header says about the device: shown on the sessions page, and the
"family" a session is bound to (NFR-UI-002-04).

Parsing uses ua-parser (the uap-core regexes); a browser update changes the version, never the
family, so only a different browser or operating system counts as another device.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ua_parser import parse


@dataclass(frozen=True)
class Device:
    browser: str
    os: str
    device: str | None

    @property
    def family(self) -> str:
        """"browser family / OS family", e.g. "Chrome / Android"."""
        return f"{self.browser} / {self.os}"[:128]


@functools.lru_cache(maxsize=4096)
def describe(user_agent: str | None) -> Device:
    """The browser, OS and device model a User-Agent names ("Other" where unknown)."""
    result = parse((user_agent or "")[:512])
    browser = result.user_agent.family if result.user_agent else "Other"
    os_name = result.os.family if result.os else "Other"
    device = result.device.family if result.device and result.device.family != "Other" else None
    return Device(browser=browser, os=os_name, device=device)


def warm_up() -> None:
    """Load the parser's regexes now (they are compiled at the first parse)."""
    describe("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36")


def family(user_agent: str | None) -> str:
    return describe(user_agent).family
