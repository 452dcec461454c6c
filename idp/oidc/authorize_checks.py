"""The authorization-request checks Authlib does not do, run in order from AUTHORIZE_CHECKS.

Each check reads the request and the login session and either lets the request go on, marks that
the user must log in or consent, or raises an OAuth2Error that the view redirects back to the
client. The order matters: locale first (so every page after is in the asked language), then
prompt and max_age (which decide whether the login is fresh enough), then session, then consent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from dataclasses import field

from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oidc.core.errors import ConsentRequiredError
from authlib.oidc.core.errors import LoginRequiredError
from flask import g
from flask import session as form_session

from idp.oauth.services import consent_covers
from idp.sessions.services import ACR_MFA

#: The form-cookie key naming a session that only needs a second factor (idp/mfa/views.py).
STEP_UP_MARK = "mfa_step_up"

PROMPT_VALUES = ("none", "login", "consent", "select_account")


@dataclass
class AuthorizeContext:
    client: object
    login: object | None
    scope: str
    params: dict
    #: The parameters of the authorization request to come back to after logging in: a
    #: ``prompt=login`` or ``max_age=0`` already satisfied by that login is removed.
    next_params: dict = field(default_factory=dict)
    prompts: set = field(default_factory=set)
    needs_login: bool = False
    needs_consent: bool = False


def check_ui_locales(ctx: AuthorizeContext) -> None:
    """OIDC Core §3.1.2.1 ``ui_locales``: the first supported language wins."""
    if ctx.params.get("ui_locales"):
        g.ui_locales = ctx.params["ui_locales"].split()


def check_prompt(ctx: AuthorizeContext) -> None:
    """OIDC Core §3.1.2.1 ``prompt``: ``none`` alone or not at all; ``login`` forces a new
    login."""
    prompts = set(ctx.params.get("prompt", "").split())
    if prompts - set(PROMPT_VALUES):
        raise InvalidRequestError("Unsupported 'prompt' value.")
    if "none" in prompts and len(prompts) > 1:
        raise InvalidRequestError("'prompt=none' cannot be combined with other values.")
    ctx.prompts = prompts
    if "login" in prompts:
        ctx.needs_login = True
        rest = " ".join(sorted(prompts - {"login"}))
        if rest:
            ctx.next_params["prompt"] = rest
        else:
            ctx.next_params.pop("prompt", None)


def check_max_age(ctx: AuthorizeContext) -> None:
    """OIDC Core §3.1.2.1 ``max_age``: a login older than this many seconds must be redone;
    ``max_age=0`` means a login now, like ``prompt=login``."""
    raw = ctx.params.get("max_age")
    if raw is None or raw == "":
        return
    if not raw.isdigit() or len(raw) > 10:
        raise InvalidRequestError("'max_age' must be a non-negative number of seconds.")
    max_age = int(raw)
    if max_age == 0:
        ctx.needs_login = True
        ctx.next_params.pop("max_age", None)
    elif ctx.login is not None and time.time() - ctx.login.auth_time.timestamp() > max_age:
        ctx.needs_login = True


def check_acr_values(ctx: AuthorizeContext) -> None:
    """OIDC Core §3.1.2.1 ``acr_values``: a client asking ``urn:bus-booking:acr:mfa`` of a
    session that passed a password only gets the user through a second factor first (step-up,
    FR-UI-002-03); the ID token's ``acr``/``amr`` then say so. When nothing else asks for a new
    login, the form cookie is marked with the session's id, and the login page asks for the
    second factor alone, not the password again (idp/accounts/views.py ``_step_up``)."""
    values = (ctx.params.get("acr_values") or "").split()
    if ACR_MFA not in values or ctx.login is None or ctx.login.acr == ACR_MFA:
        return
    if not ctx.needs_login:
        form_session[STEP_UP_MARK] = ctx.login.id
    ctx.needs_login = True


def check_session(ctx: AuthorizeContext) -> None:
    """No live login session means logging in; ``prompt=none`` forbids showing the page."""
    if ctx.login is None:
        ctx.needs_login = True
    if ctx.needs_login and "none" in ctx.prompts:
        raise LoginRequiredError()


def check_consent(ctx: AuthorizeContext) -> None:
    """Ask consent unless the client is first-party or the user allowed these scopes before;
    ``prompt=consent`` always asks, ``prompt=none`` never may (Authlib checks neither)."""
    if ctx.needs_login:
        return
    if ctx.client.first_party and "consent" not in ctx.prompts:
        return  # OIDC Core §3.1.2.1: prompt=consent SHOULD ask, even for our own clients
    remembered = consent_covers(ctx.login.user_id, ctx.client.id, ctx.scope)
    ctx.needs_consent = "consent" in ctx.prompts or not remembered
    if ctx.needs_consent and "none" in ctx.prompts:
        raise ConsentRequiredError()


AUTHORIZE_CHECKS = (check_ui_locales, check_prompt, check_max_age, check_acr_values,
                    check_session, check_consent)


def run_authorize_checks(ctx: AuthorizeContext) -> AuthorizeContext:
    for check in AUTHORIZE_CHECKS:
        check(ctx)
    return ctx
