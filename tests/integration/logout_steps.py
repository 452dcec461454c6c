"""Relying parties that register OpenID logout URIs, and a real HTTP server that records the
back-channel logout POSTs they receive."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs

import jwt as pyjwt

from idp.extensions import db
from tests.flows import REDIRECT_URI

POST_LOGOUT_URI = "https://booking.example/signed-out"
FRONTCHANNEL_URI = "https://booking.example/frontchannel-logout"
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class BackchannelReceiver:
    """A relying party's back-channel logout endpoint on 127.0.0.1: keeps every POST (``path``,
    ``headers``, ``form``) and answers the next status of ``statuses`` (then 200)."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.requests = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                with receiver.arrived:
                    receiver.requests.append(SimpleNamespace(
                        path=self.path, headers=dict(self.headers),
                        form={k: v[0] for k, v in parse_qs(raw.decode()).items()},
                        status=status))
                    receiver.arrived.notify_all()
                self.send_response(status)
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/backchannel-logout"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def wait_for(self, count: int, timeout: float = 10) -> list:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)
        return list(self.requests)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def make_logout_client(app, *, name="Booking web", backchannel_logout_uri=None,
                       frontchannel_logout_uri=None,
                       post_logout_redirect_uris=(POST_LOGOUT_URI,),
                       redirect_uri=REDIRECT_URI) -> dict:
    from idp.oauth.clients import ClientMetadata
    from idp.oauth.clients import create_client

    with app.app_context():
        client, secret = create_client(ClientMetadata(
            name=name, redirect_uris=(redirect_uri,),
            post_logout_redirect_uris=tuple(post_logout_redirect_uris),
            backchannel_logout_uri=backchannel_logout_uri,
            frontchannel_logout_uri=frontchannel_logout_uri))
        db.session.commit()
        return {"client_id": client.id, "client_secret": secret, "redirect_uri": redirect_uri}


def verify_logout_token(flows, token: str, *, audience: str) -> dict:
    """Back-Channel Logout 1.0 §2.6 as a relying party checks it, with PyJWT and our JWKS."""
    header = pyjwt.get_unverified_header(token)
    assert header["typ"] == "logout+jwt"
    key = flows.jwks()[header["kid"]]
    claims = pyjwt.decode(token, key.key, algorithms=["RS256"], audience=audience,
                          issuer=flows.app.config["IDP_ISSUER"],
                          options={"require": ["iss", "aud", "iat", "exp", "jti"]})
    assert claims["events"] == {BACKCHANNEL_EVENT: {}}
    assert "nonce" not in claims
    assert claims.get("sid") or claims.get("sub")
    return claims
