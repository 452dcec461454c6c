"""Credential stuffing against /login (issue 4 target): how many password verifications does the
server perform, and how many requests does it answer 429?

1,000 distinct identifiers (half of them real accounts), 10 passwords each, sprayed password by
password (each round tries every identifier once: the order that gets past per-account
lockouts), from one address and from 50 addresses (X-Forwarded-For behind
IDP_TRUSTED_PROXIES=1). In-process through Flask's test client on a temporary SQLite database,
with the production defaults for every limit. The clock is simulated: the attacker sends
``--rate`` requests per second, so windows of the limits pass as they would.

    .venv/bin/python bench/stuffing.py                  # ~1 minute
    .venv/bin/python bench/stuffing.py --identifiers 200 --rate 50

Only prints figures; verifications are counted around argon2's and bcrypt's verify calls.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bcrypt  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from freezegun import freeze_time  # noqa: E402

VERIFICATIONS = Counter()


def _count_verifications() -> None:
    real_argon2, real_bcrypt = PasswordHasher.verify, bcrypt.checkpw

    def argon2_verify(self, stored, password):
        VERIFICATIONS["argon2"] += 1
        return real_argon2(self, stored, password)

    def bcrypt_verify(password, stored):
        VERIFICATIONS["bcrypt"] += 1
        return real_bcrypt(password, stored)

    PasswordHasher.verify = argon2_verify
    bcrypt.checkpw = bcrypt_verify


def _app(directory: str):
    from idp.app import create_app

    return create_app({
        "IDP_ENV": "test", "IDP_ISSUER": "http://localhost",
        "IDP_DATABASE_URL": f"sqlite:///{directory}/stuffing.sqlite3",
        "IDP_TRUSTED_PROXIES": 1, "IDP_NOTIFY_INLINE": False, "IDP_SMS_PRIMARY": "recording",
        "IDP_AUDIT_BUFFER_MS": 0})


def _accounts(app, count: int) -> list[str]:
    """``count`` identifiers; the even ones are real accounts (one shared hash: made once)."""
    from idp.accounts.services import create_user
    from idp.extensions import db
    from idp.security.passwords import hash_password

    identifiers = [f"victim{i}@example.com" for i in range(count)]
    with app.app_context():
        db.create_all()  # the models' tables: quicker than the migrations, same schema
        hashed = hash_password("The-real-password-1")
        for identifier in identifiers[::2]:
            create_user(email=identifier, phone=None, password=None,
                        verified=True).password_hash = hashed
        db.session.commit()
    return identifiers


def _attack(app, identifiers: list[str], passwords: int, addresses: int, rate: float) -> dict:
    from idp.extensions import limiter

    limiter.reset()
    VERIFICATIONS.clear()
    statuses = Counter()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    # A day ahead: limits' memory storage also expires keys from a thread that freezegun
    # leaves on the real clock; real time must never overtake the simulated one.
    start = datetime.now(UTC) + timedelta(days=1)
    sent = 0
    with freeze_time(start) as clock:
        for round_ in range(passwords):
            for identifier in identifiers:
                address = f"198.51.{sent % addresses // 250}.{sent % addresses % 250 + 1}"
                response = client.post("/login", headers={"X-Forwarded-For": address}, data={
                    "csrf_token": csrf, "identifier": identifier,
                    "password": f"Guess-{round_}-password!", "next": ""})
                statuses[response.status_code] += 1
                sent += 1
                clock.tick(1 / rate)
    return {"requests": sent, "seconds": sent / rate, "statuses": dict(statuses),
            "verifications": sum(VERIFICATIONS.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--identifiers", type=int, default=1000)
    parser.add_argument("--passwords", type=int, default=10)
    parser.add_argument("--rate", type=float, default=100.0,
                        help="attacker's requests per second (simulated clock)")
    args = parser.parse_args()
    _count_verifications()
    with tempfile.TemporaryDirectory() as directory:
        app = _app(directory)
        made = time.perf_counter()
        identifiers = _accounts(app, args.identifiers)
        print(f"{len(identifiers)} identifiers ({len(identifiers[::2])} real accounts), "
              f"{args.passwords} passwords each, sprayed at {args.rate:g} requests/s "
              f"(simulated clock); fixtures in {time.perf_counter() - made:.1f} s")
        print(f"limits: login {app.config['IDP_LOGIN_RATE_LIMIT']!r} per address, "
              f"{app.config['IDP_LOGIN_IDENTIFIER_RATE_LIMIT']!r} per identifier; lockout "
              f"after {app.config['IDP_LOCKOUT_THRESHOLD']} failures")
        print(f"{'addresses':>9} {'requests':>9} {'sim. s':>7} {'verified':>9} {'429':>7} "
              f"{'423':>6} {'200':>6}  wall s")
        for addresses in (1, 50):
            began = time.perf_counter()
            result = _attack(app, identifiers, args.passwords, addresses, args.rate)
            statuses = result["statuses"]
            print(f"{addresses:>9} {result['requests']:>9} {result['seconds']:>7.0f} "
                  f"{result['verifications']:>9} {statuses.get(429, 0):>7} "
                  f"{statuses.get(423, 0):>6} {statuses.get(200, 0):>6}  "
                  f"{time.perf_counter() - began:.1f}")


if __name__ == "__main__":
    main()
