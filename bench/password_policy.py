"""How long the password policy takes: loading the breached-password list, one membership test,
and a whole ``check_password_policy`` (FR-UI-003-01; the target is well under 1 ms).

    .venv/bin/python bench/password_policy.py

Prints figures only; nothing fails when one misses its target.
"""

from __future__ import annotations

import sys
import tempfile
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from idp.accounts.errors import PasswordRejected  # noqa: E402
from idp.security import password_policy  # noqa: E402

SAMPLES = ["Seat-booking-42!", "Password1!", "p@ssw0rd", "Window-seat-77#", "!!monkey2024",
           "حجز-المقعد-٤٢", "Amina#2024x", "x" * 120 + "7!"]
PERSONAL = {"email": "amina.saleh@example.com", "phone": "+967771234567", "name": "Amina Saleh"}


def per_call_us(statement, number: int) -> float:
    best = min(timeit.repeat(statement, number=number, repeat=5))
    return best / number * 1e6


def main() -> None:
    started = time.perf_counter()
    words = password_policy.common_passwords()
    load_ms = (time.perf_counter() - started) * 1000
    print(f"breached list: {len(words):,} passwords loaded in {load_ms:.1f} ms (once per process)")

    probe = "seat-booking-42!"
    member_us = per_call_us(lambda: probe in words, 1_000_000)
    print(f"frozenset membership:                 {member_us:.3f} µs")

    def each_sample():
        for password in SAMPLES:
            password_policy.is_common_password(password)

    common_us = per_call_us(each_sample, 20_000) / len(SAMPLES)
    print(f"is_common_password (up to 3 lookups): {common_us:.2f} µs")

    from idp.app import create_app

    with tempfile.TemporaryDirectory() as scratch:
        app = create_app({"IDP_DATABASE_URL": f"sqlite:///{scratch}/bench.sqlite3"})
        with app.app_context():

            def check_all():
                for password in SAMPLES:
                    try:
                        password_policy.check_password_policy(password, **PERSONAL)
                    except PasswordRejected:
                        pass

            each = per_call_us(check_all, 2_000) / len(SAMPLES)
    print(f"check_password_policy (all rules, with email, phone and name): {each:.1f} µs")


if __name__ == "__main__":
    main()
