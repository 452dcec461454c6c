"""What permissions cost (issue 5 targets): the effective-permission computation for a user with
3 roles and 100 permissions, cold and cached (target < 0.1 ms p50 cached), and the size of a
super admin's access token (target < 4 KB).

    .venv/bin/python bench/rbac.py            # in process, temporary SQLite file; ~10 s

Prints figures only; nothing fails when one misses its target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def p50_us(call, number: int) -> float:
    samples = []
    clock = time.perf_counter_ns
    for _ in range(number):
        started = clock()
        call()
        samples.append(clock() - started)
    return statistics.median(samples) / 1000


def make_user_with_three_roles(db):
    """Three roles sharing 100 permissions between them (the 45 seeded and 55 more)."""
    from idp.accounts.services import create_user
    from idp.rbac import services
    from idp.rbac.models import Permission

    extra = [Permission(name=f"bench{n:02d}:read", description="bench") for n in range(55)]
    db.session.add_all(extra)
    db.session.flush()
    names = [p.name for p in services.list_permissions()]
    assert len(names) == 100, len(names)
    for index, role in enumerate(("bench_a", "bench_b", "bench_c")):
        # Overlapping thirds: every permission in at least one role.
        services.create_role(role, permissions=names[index * 33: index * 33 + 40])
    user = create_user(email="bench@example.com", phone="+967771112233",
                       password="Seat-booking-42!", name="Bench", verified=True)
    for role in ("bench_a", "bench_b", "bench_c"):
        services.assign_role(user, role)
    db.session.commit()
    assert len(services.effective_permissions(user.id)) == 100
    return user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from idp.app import create_app
    from idp.extensions import db
    from idp.rbac import cache
    from idp.rbac import services

    with tempfile.TemporaryDirectory() as scratch:
        app = create_app({"IDP_DATABASE_URL": f"sqlite:///{scratch}/bench.sqlite3",
                          "IDP_KEY_ACTIVATION_DELAY_SECONDS": 0, "IDP_NOTIFY_INLINE": False,
                          "IDP_MFA_REQUIRED_ROLES": [], "IDP_ARGON2_TIME_COST": 1,
                          "IDP_ARGON2_MEMORY_KIB": 64})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            user = make_user_with_three_roles(db)
            user_id = user.id

            cold = p50_us(lambda: cache._compute(user_id), max(args.calls // 20, 200))
            print(f"effective permissions, computed (3 queries):        p50 {cold:8.1f} µs")
            every_call = p50_us(lambda: services.effective_permissions(user_id),
                                args.calls // 4)
            print(f"cached, version read on every call (CLI, no request): p50 {every_call:6.1f} µs")
        with app.test_request_context("/"):
            services.effective_permissions(user_id)  # the request's one version read
            hit = p50_us(lambda: services.effective_permissions(user_id), args.calls)
            print(f"cached, inside a request (version read once):       p50 {hit:8.2f} µs"
                  f"   target < 100 µs")
            can = p50_us(lambda: services.can(user_id, "bench54:read"), args.calls)
            print(f"can(user, permission), inside a request:            p50 {can:8.2f} µs")
        with app.app_context():
            version = p50_us(cache.current_version, args.calls // 4)
            print(f"the version read (once per request):                p50 {version:8.1f} µs")

        with app.app_context():
            from idp.oidc.keys import create_key

            create_key()
            db.session.commit()
        print_token_size(app, ("super_admin",), "super admin (the seeded catalogue)")
        print_token_size(app, ("super_admin", "bench_a", "bench_b", "bench_c"),
                         "super admin holding all 100 permissions")


def print_token_size(app, roles: tuple[str, ...], label: str) -> None:
    """A real code flow for a user with ``roles`` and a client allowed every permission."""
    from tests.flows import Flows

    flows = Flows(app, app.test_client())
    admin = flows.make_user(email=f"root{len(roles)}@example.com",
                            phone=f"+9677711122{40 + len(roles)}", roles=roles)
    console = flows.make_client(first_party=True, permissions=("*",))
    tokens = flows.tokens_for(console, admin, scope="openid roles offline_access")
    claims = flows.verify(tokens["access_token"], audience=app.config["IDP_ACCESS_TOKEN_AUDIENCE"])
    print(f"access token, {label}: {len(tokens['access_token'])} bytes   target < 4096  "
          f"({len(claims['permissions'])} permissions, {len(claims['roles'])} roles; "
          f"ID token with the roles scope {len(tokens['id_token'])} bytes)")


if __name__ == "__main__":
    main()
