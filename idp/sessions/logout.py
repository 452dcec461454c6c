"""OpenID logout: RP-Initiated Logout 1.0, Back-Channel Logout 1.0, Front-Channel Logout 1.0.

Authlib implements none of the three, so the protocol rules are written here by hand (as
DESIGN.md allows where no maintained library does it). The JOSE work is joserfc's: the logout
token is signed with the active key of ``idp/oidc/keys.py`` and the ``id_token_hint`` verified
against the published key set.

Which clients hear of a logout: every client issued tokens under the ended session (the
``tokens.session_id`` column). Back-channel logout runs on every session end (the
``session_ended`` signal: logout, the sessions page, a password change, the idle sweep, an
admin); front-channel iframes only on the page the user's own browser sees.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from joserfc import jwt
from joserfc.errors import JoseError

from idp import audit
from idp.audit import AuditEvent
from idp.errors import InvalidInput
from idp.extensions import db
from idp.extensions import new_id
from idp.oauth.clients import clients_of_session
from idp.oauth.clients import get_client
from idp.oidc.keys import active_key
from idp.oidc.keys import public_key_set

#: Back-Channel Logout 1.0 §2.4: the one member of the ``events`` claim.
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: The outbox template of back-channel logout POSTs.
BACKCHANNEL_TEMPLATE = "backchannel_logout"


class LogoutRequestInvalid(InvalidInput):
    """RP-Initiated Logout §2/§3: a hint, client or return address we cannot trust. Shown on
    an error page, never redirected (the redirect target is what is in doubt)."""

    code = "invalid_request"
    description = _l("This sign-out request is not valid. Your session was not changed.")


@dataclass(frozen=True)
class LogoutRequest:
    client_id: str | None = None
    #: The verified claims of ``id_token_hint`` (exp not checked), or None.
    hint: dict | None = None
    post_logout_redirect_uri: str | None = None
    state: str | None = None
    ui_locales: str | None = None

    def hint_matches(self, login) -> bool:
        """The hint names this login session (its ``sid``), or at least its user."""
        if self.hint is None or login is None:
            return False
        if self.hint.get("sid"):
            return self.hint["sid"] == login.id
        return self.hint.get("sub") == login.user_id

    def redirect_url(self) -> str | None:
        """Where to send the browser after logging out (RP-Initiated Logout §3), ``state``
        added to the registered URI's own query."""
        if not self.post_logout_redirect_uri:
            return None
        parts = urlsplit(self.post_logout_redirect_uri)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if self.state:
            query.append(("state", self.state))
        return urlunsplit(parts._replace(query=urlencode(query)))

    def as_form(self) -> dict:
        """The parameters the confirmation page posts back."""
        return {name: value for name, value in (
            ("client_id", self.client_id), ("post_logout_redirect_uri",
                                             self.post_logout_redirect_uri),
            ("state", self.state), ("ui_locales", self.ui_locales)) if value}


def _refuse(reason: str, client_id: str | None = None):
    audit.record(AuditEvent.Session.LogoutRefused, client_id=client_id, result="failure",
                 reason=reason)
    db.session.commit()  # the refusal is kept; nothing else changed
    raise LogoutRequestInvalid(detail=reason)


def verify_id_token_hint(token: str) -> dict:
    """The claims of an ID token we issued, expired or not (RP-Initiated Logout §2: "the OP
    need not care whether it has expired"); raises LogoutRequestInvalid otherwise."""
    if not token or token.count(".") != 2 or len(token) > 8192:
        _refuse("malformed id_token_hint")
    try:
        decoded = jwt.decode(token, public_key_set(), algorithms=["RS256"])
    except (JoseError, ValueError):
        _refuse("id_token_hint signature")
    claims = decoded.claims
    # Only ID tokens: an access token (at+jwt) or a logout token is not a hint.
    if decoded.header.get("typ", "JWT").lower() not in {"jwt"} or "events" in claims:
        _refuse("id_token_hint is not an ID token")
    if claims.get("iss") != current_app.config["IDP_ISSUER"] or not claims.get("sub"):
        _refuse("id_token_hint issuer")
    return claims


def parse_logout_request(values) -> LogoutRequest:
    """Check the end-session request's parameters (RP-Initiated Logout §2, §3).

    ``client_id`` must match the hint's audience; ``post_logout_redirect_uri`` must be one the
    client registered, compared as exact strings, and needs the client to be known.
    """
    raw_hint = values.get("id_token_hint") or None
    client_id = values.get("client_id") or None
    hint = verify_id_token_hint(raw_hint) if raw_hint else None
    if hint is not None:
        audience = hint.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if client_id is None:
            client_id = hint.get("azp") or (audiences[0] if audiences else None)
        elif client_id not in audiences:
            _refuse("client_id is not the id_token_hint's audience", client_id)
    client = get_client(client_id) if client_id else None
    if client_id and client is None:
        _refuse("unknown client_id", None)
    redirect_uri = values.get("post_logout_redirect_uri") or None
    if redirect_uri is not None:
        if client is None:
            _refuse("post_logout_redirect_uri without a client")
        if redirect_uri not in (client.post_logout_redirect_uris or []):
            _refuse("post_logout_redirect_uri not registered", client.id)
    state = values.get("state") or None
    return LogoutRequest(client_id=client_id, hint=hint, post_logout_redirect_uri=redirect_uri,
                         state=state[:512] if state else None,
                         ui_locales=(values.get("ui_locales") or None))


# --- back-channel logout (Back-Channel Logout 1.0 §2.4–§2.7) ---------------------------------


def logout_token_payload(client_id: str, *, user_id: str, session_id: str) -> dict:
    """The claims of a logout token but its times: §2.4 iss, aud, jti, sub, sid, events; never
    a nonce (§2.4: it would make it pass for an ID token)."""
    return {"iss": current_app.config["IDP_ISSUER"], "aud": client_id, "sub": user_id,
            "sid": session_id, "jti": new_id(), "events": {BACKCHANNEL_EVENT: {}}}


def sign_logout_token(payload: dict) -> str:
    """Sign ``payload`` as a logout token (header typ ``logout+jwt``, §2.4) with iat now and exp
    IDP_LOGOUT_TOKEN_SECONDS later."""
    now = int(time.time())
    claims = {**payload, "iat": now, "exp": now + current_app.config["IDP_LOGOUT_TOKEN_SECONDS"]}
    key = active_key()
    return jwt.encode({"alg": "RS256", "typ": "logout+jwt", "kid": key.kid}, claims, key)


def backchannel_form(payload: dict) -> dict:
    """The outbox builder of a back-channel POST (§2.5): ``logout_token``, signed when sent so a
    retry carries an unexpired token."""
    return {"logout_token": sign_logout_token(payload)}


def notify_backchannel(session_id: str) -> int:
    """Queue a logout token for every client with a ``backchannel_logout_uri`` that was issued
    tokens under ``session_id`` (the ``session_ended`` receiver); returns how many."""
    from idp.notify import queue_http_post
    from idp.sessions.models import LoginSession

    clients = [client for client in clients_of_session(session_id)
               if client.backchannel_logout_uri and client.disabled_at is None]
    login = db.session.get(LoginSession, session_id) if clients else None
    if login is None:
        return 0
    queued = 0
    for client in clients:
        queue_http_post(client.backchannel_logout_uri, BACKCHANNEL_TEMPLATE,
                        logout_token_payload(client.id, user_id=login.user_id,
                                             session_id=session_id), user_id=login.user_id)
        audit.record(AuditEvent.Session.BackchannelQueued, user_id=login.user_id,
                     client_id=client.id, session_id=session_id)
        queued += 1
    return queued


# --- front-channel logout (Front-Channel Logout 1.0 §2, §3) ----------------------------------


def frontchannel_urls(session_id: str) -> list[str]:
    """The ``frontchannel_logout_uri`` of each client issued tokens under the session, with
    ``iss`` and ``sid`` added (§2: always sent, so clients requiring them get them)."""
    issuer = current_app.config["IDP_ISSUER"]
    urls = []
    for client in clients_of_session(session_id):
        if not client.frontchannel_logout_uri or client.disabled_at is not None:
            continue
        parts = urlsplit(client.frontchannel_logout_uri)
        query = parse_qsl(parts.query, keep_blank_values=True)
        query += [("iss", issuer), ("sid", session_id)]
        urls.append(urlunsplit(parts._replace(query=urlencode(query))))
    return urls


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def init_app(app) -> None:
    from idp.notify import worker
    from idp.sessions.services import session_ended

    worker.register_http_body(BACKCHANNEL_TEMPLATE, backchannel_form)
    session_ended.connect(lambda sender, session_id: notify_backchannel(session_id),
                          sender=app, weak=False)
