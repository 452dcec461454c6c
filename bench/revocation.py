"""Is a revoked access token refused by every gunicorn worker as soon as /revoke answers?

    .venv/bin/python bench/revocation.py [--trials 20] [--connections 16]

Serves the app as `make bench` does (gunicorn's workers, PostgreSQL + Redis when they answer).
Each trial issues a client-credentials token, introspects it once on every connection (spread
over the workers, so each worker's copy of the revocations has just been read: the case where
it would not read Redis again for IDP_REVOCATION_SYNC_MS), revokes it on one connection, then
introspects it again on every connection. Prints, per trial, how many connections still saw it
active after /revoke had answered: the revoking worker records it at once, the others hear it
by Redis pub/sub (docs/tokens.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.client import Client  # noqa: E402
from bench.client import basic_auth  # noqa: E402
from bench.client import client_credentials_token  # noqa: E402
from bench.served import served  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with served("gunicorn-revocation.log") as (server, fixtures, storage):
        port = server.port
        auth = {"Authorization": basic_auth(fixtures.service)}
        clients = [Client("127.0.0.1", port) for _ in range(args.connections)]

        def active(client: Client, token: str) -> bool:
            response = client.post_form("/introspect", {"token": token}, headers=auth)
            if response.status != 200:
                raise RuntimeError(f"introspect: {response.status} {response.text[:200]}")
            return response.json()["active"]

        stale = []
        for _trial in range(args.trials):
            token = client_credentials_token(clients[0], fixtures.service, "bookings:read")
            if not all(active(client, token) for client in clients):
                raise RuntimeError("a fresh token was not active everywhere")
            revoked = clients[0].post_form("/revoke", {"token": token}, headers=auth)
            if revoked.status != 200:
                raise RuntimeError(f"revoke: {revoked.status} {revoked.text[:200]}")
            stale.append(sum(active(client, token) for client in clients))
        spread = "+".join(map(str, server.connections_per_worker()))
    print(f"storage: {storage.description}; {args.connections} connections over the workers "
          f"({spread})")
    print(f"connections still answering active:true right after /revoke answered, "
          f"per trial: {stale}")
    print(f"stale answers: {sum(stale)} of {args.trials * args.connections}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
