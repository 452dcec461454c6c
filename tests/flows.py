"""The user's and the relying party's journey, step by step, through the test client."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlsplit

import jwt as pyjwt

from idp.extensions import db

REDIRECT_URI = "https://booking.example/callback"
PASSWORD = "Seat-booking-42!"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                   r'type="hidden" name="csrf_token" value="([^"]+)"|'
                   r'name="csrf_token" value="([^"]+)"')


def csrf_from(page: str) -> str:
    match = _CSRF.search(page)
    assert match, "no CSRF token on the page"
    return html.unescape(next(group for group in match.groups() if group))


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def query_of(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def error_redirect(response, rp: dict, params: dict, app) -> dict:
    """The query of an authorization error sent back to the client (RFC 6749 §4.1.2.1) with
    its ``state`` and ``iss`` (RFC 9207), after checking where it goes."""
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith(rp["redirect_uri"] + "?"), location
    query = query_of(location)
    assert "code" not in query
    assert query["state"] == params["state"]
    assert query["iss"] == app.config["IDP_ISSUER"]
    return query


class Flows:
    def __init__(self, app, client):
        self.app = app
        self.client = client

    # --- data, made through the services as the CLI makes it ---

    def make_user(self, *, email="amina@example.com", phone="+967771234567", password=PASSWORD,
                  name="Amina Saleh", roles=(), verified=True) -> dict:
        from idp.accounts.services import create_user
        from idp.rbac.services import assign_role

        with self.app.app_context():
            user = create_user(email=email, phone=phone, password=password, name=name,
                               verified=verified)
            for role in roles:
                assign_role(user, role)
            db.session.commit()
            return {"id": user.id, "email": user.email, "phone": phone, "password": password}

    def make_client(self, *, name="Booking web", public=False, first_party=False,
                    redirect_uris=(REDIRECT_URI,), grant_types=("authorization_code",
                                                                "refresh_token"),
                    scope="openid profile email phone roles offline_access",
                    permissions=("*",)) -> dict:
        from idp.oauth.clients import ClientMetadata
        from idp.oauth.clients import create_client

        with self.app.app_context():
            client, secret = create_client(ClientMetadata(
                name=name, redirect_uris=tuple(redirect_uris), grant_types=tuple(grant_types),
                scope=scope, public=public, first_party=first_party,
                permissions=tuple(permissions) if permissions is not None else None))
            db.session.commit()
            return {"client_id": client.id, "client_secret": secret,
                    "redirect_uri": redirect_uris[0] if redirect_uris else None}

    # --- the browser ---

    def login(self, identifier, password=PASSWORD, *, next_url=None, remember=False):
        page = self.client.get("/login" + (f"?{urlencode({'next': next_url})}" if next_url
                                           else ""))
        form = {"csrf_token": csrf_from(page.get_data(as_text=True)), "identifier": identifier,
                "password": password, "next": next_url or ""}
        if remember:
            form["remember"] = "y"
        return self.client.post("/login", data=form)

    def authorize_params(self, rp: dict, *, scope="openid profile email", **extra) -> dict:
        verifier, challenge = pkce_pair()
        params = {"response_type": "code", "client_id": rp["client_id"],
                  "redirect_uri": rp["redirect_uri"], "scope": scope,
                  "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8),
                  "code_challenge": challenge, "code_challenge_method": "S256"}
        params.update(extra)
        params = {k: v for k, v in params.items() if v is not None}
        params["_verifier"] = verifier
        return params

    def authorize(self, params: dict):
        query = {k: v for k, v in params.items() if not k.startswith("_")}
        return self.client.get("/authorize?" + urlencode(query))

    def consent(self, page_response, decision="allow"):
        page = page_response.get_data(as_text=True)
        action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))
        return self.client.post(action, data={"csrf_token": csrf_from(page),
                                              "decision": decision})

    def code_for(self, rp: dict, user: dict | None = None, **params_kw) -> dict:
        """Log in (if a user is given and no session), authorize, consent; return the
        redirect's query, the verifier and the parameters."""
        params = self.authorize_params(rp, **params_kw)
        response = self.authorize(params)
        if response.status_code == 302 and "/login" in response.headers["Location"] and user:
            next_url = query_of(response.headers["Location"])["next"]
            response = self.login(user["email"], user["password"], next_url=next_url)
            assert response.status_code == 302, response.get_data(as_text=True)
            response = self.client.get(response.headers["Location"])
        if response.status_code == 200 and "decision" in response.get_data(as_text=True):
            response = self.consent(response)
        assert response.status_code == 302, response.get_data(as_text=True)
        location = response.headers["Location"]
        assert location.startswith(rp["redirect_uri"]), location
        return {"query": query_of(location), "verifier": params["_verifier"], "params": params}

    # --- the relying party's back channel ---

    def token(self, rp: dict, data: dict, *, auth="basic"):
        data = dict(data)
        headers = {}
        if auth == "basic" and rp.get("client_secret"):
            raw = f"{rp['client_id']}:{rp['client_secret']}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        elif auth == "post" and rp.get("client_secret"):
            data.update(client_id=rp["client_id"], client_secret=rp["client_secret"])
        elif auth == "none":
            data["client_id"] = rp["client_id"]
        return self.client.post("/token", data=data, headers=headers)

    def exchange(self, rp: dict, got: dict, **kw):
        return self.token(rp, {"grant_type": "authorization_code", "code": got["query"]["code"],
                               "redirect_uri": rp["redirect_uri"],
                               "code_verifier": got["verifier"]}, **kw)

    def tokens_for(self, rp: dict, user: dict, **params_kw) -> dict:
        got = self.code_for(rp, user, **params_kw)
        response = self.exchange(rp, got, auth="basic" if rp.get("client_secret") else "none")
        assert response.status_code == 200, response.get_json()
        return {**response.get_json(), "_got": got}

    def refresh(self, rp: dict, refresh_token: str, **kw):
        return self.token(rp, {"grant_type": "refresh_token", "refresh_token": refresh_token},
                          auth="basic" if rp.get("client_secret") else "none", **kw)

    def endpoint(self, path: str, rp: dict, data: dict):
        raw = f"{rp['client_id']}:{rp['client_secret']}".encode()
        return self.client.post(path, data=data, headers={
            "Authorization": "Basic " + base64.b64encode(raw).decode()})

    # --- verification, independent of the code that signs ---

    def jwks(self) -> pyjwt.PyJWKSet:
        return pyjwt.PyJWKSet.from_dict(self.client.get("/jwks.json").get_json())

    def verify(self, token: str, *, audience: str, typ: str | None = None) -> dict:
        header = pyjwt.get_unverified_header(token)
        key = self.jwks()[header["kid"]]
        claims = pyjwt.decode(token, key.key, algorithms=["RS256"], audience=audience,
                              issuer=self.app.config["IDP_ISSUER"],
                              options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        if typ:
            assert header["typ"] == typ
        return claims

    # --- resource servers and token management (RFC 7662, RFC 7009, RFC 6749 §4.4) ---

    def make_service(self, *, name="Seat inventory", scope="bookings:read introspection") -> dict:
        """A confidential client that only uses client_credentials (a resource server)."""
        return self.make_client(name=name, redirect_uris=(), scope=scope,
                                grant_types=("client_credentials",))

    def client_credentials(self, rp: dict, scope: str | None = None, **kw):
        data = {"grant_type": "client_credentials"}
        if scope is not None:
            data["scope"] = scope
        return self.token(rp, data, **kw)

    def introspect(self, rp: dict, token: str, **extra):
        return self.endpoint("/introspect", rp, {"token": token, **extra})

    def revoke(self, rp: dict, token: str, **extra):
        """Revoke as ``rp``: with HTTP Basic when it has a secret, by client_id alone if public."""
        if rp.get("client_secret"):
            return self.endpoint("/revoke", rp, {"token": token, **extra})
        return self.client.post("/revoke", data={"token": token, "client_id": rp["client_id"],
                                                 **extra})

    def userinfo(self, access_token: str, method: str = "get"):
        return getattr(self.client, method)(
            "/userinfo", headers={"Authorization": f"Bearer {access_token}"})

    # --- changing data the services do not change yet ---

    def grant_permissions(self, role: str, *names: str) -> None:
        from idp.rbac.cache import bump
        from idp.rbac.models import Permission
        from idp.rbac.services import get_role

        with self.app.app_context():
            holder = get_role(role)
            for name in names:
                permission = db.session.scalar(db.select(Permission).where(
                    Permission.name == name)) or Permission(name=name)
                if permission not in holder.permissions:
                    holder.permissions.append(permission)
            bump()  # as the rbac services do: every worker's permission cache is stale
            db.session.commit()

    def set_user_status(self, user: dict, status: str) -> None:
        from idp.accounts.services import get_user

        with self.app.app_context():
            get_user(user["id"]).status = status
            db.session.commit()

    def rotate_keys(self) -> str:
        """Rotate the signing keys as `idp keys rotate` does; return the new kid."""
        from idp.oidc.keys import rotate_keys

        with self.app.app_context():
            kid = rotate_keys().kid
            db.session.commit()
            return kid
