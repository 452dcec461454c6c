"""The example booking API (examples/booking_api) with real tokens from this IdP: a customer
can book, an office representative sees only their office's bookings, a finance admin cannot
book (appendix A, BR-UI-011). Its ``idp.resource`` verifier reads the IdP's JWKS through the
IdP's test client (production reads it over HTTPS)."""

from __future__ import annotations

import itertools

import jwt as pyjwt
import pytest

from examples.booking_api.app import create_app
from tests.flows import Flows

_numbers = itertools.count(1)


@pytest.fixture
def idp_jwks(app):
    """A fetch function returning the IdP's JWKS document, counting its calls."""
    idp_client = app.test_client()
    calls = []

    def fetch() -> bytes:
        calls.append(1)
        return idp_client.get("/jwks.json").get_data()

    fetch.calls = calls
    return fetch


@pytest.fixture
def booking_api(app, idp_jwks):
    service = create_app(issuer=app.config["IDP_ISSUER"],
                         audience=app.config["IDP_ACCESS_TOKEN_AUDIENCE"], fetch_jwks=idp_jwks)
    return service.test_client()


@pytest.fixture
def sign_in(app):
    """``sign_in(role, office_id=None)``: the access token of a new user holding ``role``,
    issued to the booking web app (which may carry booking permissions only)."""
    rp = Flows(app, app.test_client()).make_client(
        first_party=True, permissions=("bookings:*", "trips:read"))

    def make(role, *, office_id=None):
        browser = Flows(app, app.test_client())
        number = next(_numbers)
        user = browser.make_user(email=f"{role}{number}@example.com",
                                 phone=f"+96777600{number:04d}", roles=(role,))
        if office_id:
            from idp.accounts.services import get_user
            from idp.extensions import db

            with app.app_context():
                get_user(user["id"]).office_id = office_id
                db.session.commit()
        token = browser.tokens_for(rp, user, scope="openid")["access_token"]
        return {"id": user["id"], "headers": {"Authorization": f"Bearer {token}"},
                "token": token}

    return make


def book(api, who, office_id, trip_id="sanaa-aden-0700"):
    return api.post("/bookings", json={"office_id": office_id, "trip_id": trip_id},
                    headers=who["headers"])


def test_appendix_a_customer_books_and_sees_only_their_bookings(booking_api, sign_in):
    amina, omar = sign_in("customer"), sign_in("customer")
    response = book(booking_api, amina, "office-1")
    assert response.status_code == 201
    assert response.get_json()["customer"] == amina["id"]
    assert book(booking_api, omar, "office-1").status_code == 201
    mine = booking_api.get("/bookings", headers=amina["headers"]).get_json()["bookings"]
    assert [row["customer"] for row in mine] == [amina["id"]]
    # A customer holds no office-scoped bookings:read: an office's list is refused.
    assert booking_api.get("/offices/office-1/bookings",
                           headers=amina["headers"]).status_code == 403


def test_br_ui_011_office_rep_sees_only_their_office(booking_api, sign_in):
    customer = sign_in("customer")
    book(booking_api, customer, "office-1")
    book(booking_api, customer, "office-2")
    rep = sign_in("office_rep", office_id="office-1")
    rows = booking_api.get("/bookings", headers=rep["headers"]).get_json()["bookings"]
    assert [row["office_id"] for row in rows] == ["office-1"]
    own = booking_api.get("/offices/office-1/bookings", headers=rep["headers"])
    assert own.status_code == 200 and len(own.get_json()["bookings"]) == 1
    other = booking_api.get("/offices/office-2/bookings", headers=rep["headers"])
    assert other.status_code == 403
    # Representatives do not book.
    assert book(booking_api, rep, "office-1").status_code == 403


def test_support_admin_sees_every_office(booking_api, sign_in):
    customer = sign_in("customer")
    book(booking_api, customer, "office-1")
    book(booking_api, customer, "office-2")
    support = sign_in("support_admin")
    rows = booking_api.get("/bookings", headers=support["headers"]).get_json()["bookings"]
    assert sorted(row["office_id"] for row in rows) == ["office-1", "office-2"]
    assert booking_api.get("/offices/office-2/bookings",
                           headers=support["headers"]).status_code == 200


def test_appendix_a_finance_admin_cannot_book(booking_api, sign_in):
    finance = sign_in("finance_admin")
    response = book(booking_api, finance, "office-1")
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_permission"
    assert booking_api.get("/bookings", headers=finance["headers"]).status_code == 403


def test_rfc6750_missing_or_bad_token_is_401(booking_api, sign_in):
    response = booking_api.post("/bookings", json={})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    customer = sign_in("customer")
    head, payload, signature = customer["token"].split(".")
    forged = f"{head}.{payload}.{signature[:-4]}AAAA"
    response = booking_api.post("/bookings", json={"office_id": "o", "trip_id": "t"},
                                headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_rfc9068_other_audience_or_issuer_or_id_token_is_refused(app, idp_jwks, sign_in):
    customer = sign_in("customer")
    for kwargs in ({"audience": "another-api"}, {"issuer": "https://evil.example"}):
        options = {"issuer": app.config["IDP_ISSUER"],
                   "audience": app.config["IDP_ACCESS_TOKEN_AUDIENCE"], **kwargs}
        api = create_app(fetch_jwks=idp_jwks, **options).test_client()
        assert book(api, customer, "office-1").status_code == 401


def test_id_token_is_not_an_access_token(app, booking_api):
    browser = Flows(app, app.test_client())
    user = browser.make_user(email="idt@example.com", phone="+967776990001",
                             roles=("customer",))
    rp = browser.make_client(permissions=("*",))
    tokens = browser.tokens_for(rp, user, scope="openid")
    response = booking_api.get("/bookings",
                               headers={"Authorization": f"Bearer {tokens['id_token']}"})
    assert response.status_code == 401


def test_jwks_cached_and_refreshed_on_an_unknown_kid(app, flows, booking_api, idp_jwks,
                                                      sign_in):
    first = sign_in("customer")
    assert book(booking_api, first, "office-1").status_code == 201
    assert book(booking_api, first, "office-1").status_code == 201
    assert len(idp_jwks.calls) == 1  # cached
    # A made-up kid right after: no new fetch (refreshes are rate-limited).
    header = pyjwt.get_unverified_header(first["token"])
    fake = pyjwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256",
                        headers={"kid": "made-up", "typ": header["typ"]})
    _head, payload, signature = first["token"].split(".")
    made_up = [".".join([pyjwt.utils.base64url_encode(
        b'{"alg":"RS256","kid":"made-up-%d","typ":"at+jwt"}' % n).decode(), payload, signature])
        for n in range(3)]
    for token in (fake, *made_up):
        assert booking_api.get("/bookings", headers={
            "Authorization": f"Bearer {token}"}).status_code == 401
    assert len(idp_jwks.calls) == 1
    # The IdP rotates its keys; a token signed by the new key makes the verifier fetch again
    # (once the minimum interval has passed).
    flows.rotate_keys()
    second = sign_in("customer")
    assert pyjwt.get_unverified_header(second["token"])["kid"] != header["kid"]
    verifier = booking_api.application.extensions["idp.resource"].verifier
    verifier.keys.min_refresh_interval = 0
    assert book(booking_api, second, "office-1").status_code == 201
    assert len(idp_jwks.calls) == 2
