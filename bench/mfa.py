"""What a TOTP second factor adds to a login, in process (no server): p50 of complete logins
with and without TOTP through Flask's test client, with the real (default) argon2id
parameters, on the storage `make bench` uses (PostgreSQL `idp_bench` and Redis db 14 when they
answer, emptied first; an SQLite file otherwise).

    .venv/bin/python bench/mfa.py              # 40 logins of each kind, about 15 s
    .venv/bin/python bench/mfa.py --logins 100

A password-only login is one POST /login (302). A TOTP login is that POST, then POST
/login/verify with the code (302); "with page" also GETs the second-step page, as a browser
following the redirect does. Kinds are interleaved so that both see the same machine. Between
logins (untimed) the method's last accepted TOTP step is cleared, so one code serves every
login (otherwise each would wait 30 s for a new one).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "Seat-booking-42!"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def build_app(storage):
    from idp.app import create_app

    limits = "1000000 per minute"
    return create_app({
        "IDP_ENV": "test", "IDP_ISSUER": "http://localhost",
        "IDP_DATABASE_URL": storage.database_url, "IDP_REDIS_URL": storage.redis_url,
        "IDP_LOGIN_RATE_LIMIT": limits, "IDP_LOGIN_IDENTIFIER_RATE_LIMIT": limits,
        "IDP_MFA_CODE_RATE_LIMIT": limits, "IDP_MFA_CODE_USER_RATE_LIMIT": limits,
        "IDP_SESSION_BIND_USER_AGENT": False, "IDP_NOTIFY_INLINE": False,
    })


def prepare(app):
    """Two verified customers, one with an active TOTP; returns its secret."""
    from flask_migrate import upgrade

    from idp.accounts.services import create_user
    from idp.extensions import db
    from idp.mfa import services

    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        create_user(email="plain@example.com", phone=None, password=PASSWORD, verified=True)
        user = create_user(email="totp@example.com", phone=None, password=PASSWORD,
                           verified=True)
        from idp.mfa import totp

        secret = totp.new_secret()
        services.import_totp_secret(user, secret)
        db.session.commit()
        return secret


def clear_step(app) -> None:
    from idp.extensions import db
    from idp.mfa.models import MfaMethod

    with app.app_context():
        db.session.execute(db.update(MfaMethod).values(last_used_step=None))
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logins", type=int, default=40, help="timed logins of each kind")
    args = parser.parse_args()
    import pyotp

    from bench.environment import exclusive_run
    from bench.environment import prepare_storage

    with exclusive_run():
        storage = prepare_storage()
        app = build_app(storage)
        secret = prepare(app)
        client = app.test_client()
        csrf = _CSRF.search(client.get("/login").get_data(as_text=True)).group(1)

        def password_login(email):
            response = client.post("/login", data={"csrf_token": csrf, "identifier": email,
                                                   "password": PASSWORD, "next": ""})
            return response

        def plain():
            assert password_login("plain@example.com").headers["Location"] == "/"

        def totp_login(with_page: bool):
            response = password_login("totp@example.com")
            assert response.headers["Location"].endswith("/login/verify")
            if with_page:
                assert client.get("/login/verify").status_code == 200
            done = client.post("/login/verify", data={
                "csrf_token": csrf, "method": "totp", "code": pyotp.TOTP(secret).now()})
            assert done.status_code == 302, done.get_data(as_text=True)

        kinds = {"password only": plain, "password + TOTP": lambda: totp_login(False),
                 "password + TOTP, with page": lambda: totp_login(True)}
        times = {name: [] for name in kinds}
        for round_number in range(args.logins + 5):
            for name, login in kinds.items():
                clear_step(app)
                started = time.perf_counter()
                login()
                elapsed = time.perf_counter() - started
                if round_number >= 5:  # warm-up not counted
                    times[name].append(elapsed * 1000)
        from idp.config import load_settings

        settings = load_settings()
        print(f"in-process logins on {storage.description},")
        print(f"argon2id t={settings['IDP_ARGON2_TIME_COST']} "
              f"m={settings['IDP_ARGON2_MEMORY_KIB']} KiB p={settings['IDP_ARGON2_PARALLELISM']}, "
              f"{args.logins} logins of each kind")
        base = statistics.median(times["password only"])
        for name, values in times.items():
            p50 = statistics.median(values)
            extra = "" if name == "password only" else f"   (+{p50 - base:.2f} ms)"
            print(f"  {name:<28} p50 {p50:7.2f} ms{extra}")


if __name__ == "__main__":
    main()
