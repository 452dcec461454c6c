"""The server's settings and the data the scenarios need, made with the `idp` command."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import tempfile
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from bench.environment import Storage

ROOT = Path(__file__).resolve().parent.parent
IDP = ROOT / ".venv" / "bin" / "idp"
#: Every request of the bench comes from 127.0.0.1, for one user and one client: these limits
#: are raised so the scenarios measure the endpoints (hashing, signing), not the rate limiter
#: refusing them. The limits are still counted on every request, as in production.
RAISED_LIMITS = {name: "1000000 per minute" for name in (
    "IDP_LOGIN_RATE_LIMIT", "IDP_LOGIN_IDENTIFIER_RATE_LIMIT", "IDP_TOKEN_IP_RATE_LIMIT",
    "IDP_TOKEN_CLIENT_RATE_LIMIT")}
REDIRECT_URI = "https://rp.example/cb"
SERVICE_SCOPE = "bookings:read introspection"
USER_SCOPE = "openid profile email phone roles offline_access"


@dataclass(frozen=True)
class Fixtures:
    service: dict  # client_credentials client: client_id, client_secret
    relying_party: dict  # authorization_code + refresh_token client
    user: dict  # email, password
    #: Customers for the login scenario, one per load connection: many people sign in at once,
    #: not one account eight times at once (which the lockout paces, BR-UI-006).
    login_users: list[dict] = field(default_factory=list)  # email, password


def server_environment(storage: Storage, port: int) -> dict[str, str]:
    """The environment of `idp` and gunicorn: the caller's, without stray IDP_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(
        IDP_ENV="development",
        IDP_ISSUER=f"http://127.0.0.1:{port}",
        IDP_DATABASE_URL=storage.database_url,
        IDP_REDIS_URL=storage.redis_url,
        **RAISED_LIMITS,
        PORT=str(port),
    )
    return env


def _idp(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(IDP), *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).splitlines()[-12:])
        raise RuntimeError(f"idp {' '.join(args[:2])} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def create_fixtures(env: dict[str, str]) -> Fixtures:
    """Run `idp init`, then create the two clients and a verified user."""
    print(_idp(env, "init").strip())
    service = json.loads(_idp(env, "clients", "create", "--name", "Bench resource server",
                              "--grant-type", "client_credentials", "--scope", SERVICE_SCOPE,
                              "--json"))
    relying_party = json.loads(_idp(env, "clients", "create", "--name", "Bench web app",
                                    "--grant-type", "authorization_code",
                                    "--grant-type", "refresh_token",
                                    "--redirect-uri", REDIRECT_URI, "--scope", USER_SCOPE,
                                    "--json"))
    relying_party["redirect_uri"] = REDIRECT_URI
    password = "Bench-" + secrets.token_urlsafe(12)
    user = json.loads(_idp(env, "users", "create", "--email", "bench@example.com",
                           "--password", password, "--name", "Bench User", "--verified"))
    return Fixtures(service=service, relying_party=relying_party,
                    user={"email": user["email"], "password": password},
                    login_users=_import_login_users(env, password))


def _import_login_users(env: dict[str, str], password: str, count: int = 16) -> list[dict]:
    """Verified customers for the login scenario, through `idp users import` (one process),
    their hash made with the server's argon2id parameters (no rehash at first login)."""
    from argon2 import PasswordHasher
    from argon2 import Type

    from idp.config import load_settings

    settings = load_settings(environ=env)
    hashed = PasswordHasher(time_cost=settings["IDP_ARGON2_TIME_COST"],
                            memory_cost=settings["IDP_ARGON2_MEMORY_KIB"],
                            parallelism=settings["IDP_ARGON2_PARALLELISM"],
                            type=Type.ID).hash(password)
    users = [{"email": f"login-{n}@example.com", "password": password} for n in range(count)]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as lines:
        for user in users:
            lines.write(json.dumps({"email": user["email"], "name": "Bench login",
                                    "roles": ["customer"], "email_verified": True,
                                    "password_hash": hashed}) + "\n")
        lines.flush()
        _idp(env, "users", "import", lines.name)
    return users
