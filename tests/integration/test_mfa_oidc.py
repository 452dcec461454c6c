"""A client asking for a second factor with acr_values (OIDC Core §3.1.2.1) gets an ID token
whose acr/amr say what was done (§2, RFC 8176); a password-only session steps up with the
second factor alone (FR-UI-002-03)."""

import pytest

from idp.sessions.services import ACR_MFA
from idp.sessions.services import ACR_PASSWORD
from tests.flows import query_of
from tests.integration import mfa_steps
from tests.integration.mfa_steps import code
from tests.integration.mfa_steps import enrol_totp
from tests.integration.mfa_steps import second_step


@pytest.fixture
def enrolled(flows, client, user, clock):
    flows.login(user["email"])
    got = enrol_totp(client)
    mfa_steps.logout(client)
    clock.tick(60)
    return got


def id_token_of(flows, rp, response, params) -> dict:
    if response.status_code == 200 and "decision" in response.get_data(as_text=True):
        response = flows.consent(response)
    assert response.status_code == 302, response.get_data(as_text=True)
    got = {"query": query_of(response.headers["Location"]), "verifier": params["_verifier"]}
    tokens = flows.exchange(rp, got).get_json()
    return flows.verify(tokens["id_token"], audience=rp["client_id"])


def test_oidc_3_1_2_1_acr_values_mfa_gives_an_id_token_saying_mfa(enrolled, flows, client, rp,
                                                                  user):
    params = flows.authorize_params(rp, acr_values=ACR_MFA)
    to_login = flows.authorize(params)
    next_url = query_of(to_login.headers["Location"])["next"]
    assert flows.login(user["email"], next_url=next_url).headers["Location"].endswith(
        "/login/verify")
    done = second_step(client, code(enrolled["secret"]))
    assert done.headers["Location"] == next_url
    claims = id_token_of(flows, rp, client.get(next_url), params)
    assert claims["acr"] == ACR_MFA
    assert claims["amr"] == ["pwd", "otp", "mfa"]


def test_password_only_login_says_password(flows, rp, user):
    tokens = flows.tokens_for(rp, user)
    claims = flows.verify(tokens["id_token"], audience=rp["client_id"])
    assert claims["acr"] == ACR_PASSWORD and claims["amr"] == ["pwd"]


def test_fr_ui_002_03_step_up_asks_the_second_factor_alone(enrolled, flows, client, rp, user,
                                                          app):
    # A trusted device: the session has a password only.
    flows.login(user["email"])
    second_step(client, code(enrolled["secret"]), trust=True)
    mfa_steps.logout(client)
    assert flows.login(user["email"]).headers["Location"] == "/"
    params = flows.authorize_params(rp, acr_values=ACR_MFA)
    to_login = flows.authorize(params)
    assert "/login?" in to_login.headers["Location"]
    stepping = client.get(to_login.headers["Location"])
    assert stepping.status_code == 302
    assert stepping.headers["Location"].endswith("/login/verify")  # no password page
    done = second_step(client, code(enrolled["secret"], 1))
    assert done.status_code == 302
    claims = id_token_of(flows, rp, client.get(done.headers["Location"]), params)
    assert claims["acr"] == ACR_MFA and "mfa" in claims["amr"]


def test_step_up_of_a_user_without_factor_enrols_one(flows, client, rp, user, clock):
    flows.login(user["email"])
    params = flows.authorize_params(rp, acr_values=ACR_MFA)
    to_login = flows.authorize(params)
    stepping = client.get(to_login.headers["Location"])
    assert stepping.headers["Location"].endswith("/login/enrol")
    got = enrol_totp(client, "/login/enrol")
    next_url = query_of(to_login.headers["Location"])["next"]
    assert f'href="{next_url}"'.replace("&", "&amp;") in got["response"].get_data(as_text=True)
    claims = id_token_of(flows, rp, client.get(next_url), params)
    assert claims["acr"] == ACR_MFA


def test_oidc_3_1_2_1_step_up_with_prompt_none_is_login_required(flows, rp, user):
    flows.login(user["email"])
    params = flows.authorize_params(rp, acr_values=ACR_MFA, prompt="none")
    response = flows.authorize(params)
    assert query_of(response.headers["Location"])["error"] == "login_required"


def test_prompt_login_with_acr_values_asks_the_password_again(enrolled, flows, client, rp, user):
    flows.login(user["email"])
    second_step(client, code(enrolled["secret"]), trust=True)
    mfa_steps.logout(client)
    flows.login(user["email"])
    params = flows.authorize_params(rp, acr_values=ACR_MFA, prompt="login")
    to_login = flows.authorize(params)
    assert client.get(to_login.headers["Location"]).status_code == 200  # the password form


def test_discovery_advertises_the_acr_values(client):
    assert ACR_MFA in client.get("/.well-known/openid-configuration").get_json()[
        "acr_values_supported"]
