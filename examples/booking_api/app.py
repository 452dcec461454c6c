"""A tiny booking API (in memory) that trusts the identity provider's access tokens.

- a customer (``bookings:create``) books, and sees only their own bookings
  (``bookings:read_own``);
- an office representative (office-scoped ``bookings:read`` with ``office_id``) sees only
  their office's bookings; platform staff holding ``bookings:read`` see every office's;
- a finance admin holds no booking permission: booking is refused (403).

Run it next to a development IdP:

    IDP_ISSUER=http://127.0.0.1:5000 flask --app examples.booking_api.app run --port 5001
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable

from flask import Flask
from flask import jsonify
from flask import request

from idp.resource import ResourceServer
from idp.resource import current_claims
from idp.resource import has_permission
from idp.resource import may_act_on_office
from idp.resource import offices_for
from idp.resource import require


def create_app(*, issuer: str | None = None, audience: str = "booking-platform",
               fetch_jwks: Callable[[], bytes] | None = None) -> Flask:
    app = Flask(__name__)
    issuer = issuer or os.environ.get("IDP_ISSUER", "http://127.0.0.1:5000")
    ResourceServer(app, issuer=issuer, audience=audience, fetch_jwks=fetch_jwks)
    bookings: list[dict] = []
    lock = threading.Lock()

    @app.post("/bookings")
    @require("bookings:create")
    def book():
        body = request.get_json(silent=True) or {}
        office_id, trip_id = body.get("office_id"), body.get("trip_id")
        if not isinstance(office_id, str) or not isinstance(trip_id, str):
            return jsonify(error="invalid_request",
                           error_description="office_id and trip_id are required."), 400
        booking = {"id": secrets.token_urlsafe(8), "customer": current_claims()["sub"],
                   "office_id": office_id, "trip_id": trip_id}
        with lock:
            bookings.append(booking)
        return jsonify(booking), 201

    @app.get("/bookings")
    @require("bookings:read", "bookings:read_own")
    def list_bookings():
        claims = current_claims()
        with lock:
            rows = list(bookings)
        if has_permission("bookings:read"):
            offices = offices_for("bookings:read")
            if offices is not None:
                rows = [row for row in rows if row["office_id"] in offices]
        else:
            rows = [row for row in rows if row["customer"] == claims["sub"]]
        return jsonify(bookings=rows)

    @app.get("/offices/<office_id>/bookings")
    @require("bookings:read")
    def office_bookings(office_id: str):
        if not may_act_on_office("bookings:read", office_id):
            return jsonify(error="insufficient_permission",
                           error_description="Not your office's bookings."), 403
        with lock:
            rows = [row for row in bookings if row["office_id"] == office_id]
        return jsonify(bookings=rows)

    return app


if __name__ == "__main__":
    create_app().run(port=5001)
