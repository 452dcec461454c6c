"""The consent page: who is asked, what is remembered, and how a decision is posted
(RFC 6749 §4.1.1, OIDC Core §3.1.2.4, RFC 9700 §4.7 for the CSRF token)."""

import html
import re

import pytest

from tests.flows import csrf_from
from tests.flows import query_of


def is_consent_page(response) -> bool:
    return response.status_code == 200 and 'name="decision"' in response.get_data(as_text=True)


def code_count(app) -> int:
    from idp.extensions import db
    from idp.oauth.models import AuthorizationCode

    with app.app_context():
        return db.session.scalar(db.select(db.func.count(AuthorizationCode.id)))


def consent_action(page_response) -> str:
    page = page_response.get_data(as_text=True)
    return html.unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))


def test_oidc_core_3_1_2_4_third_party_client_asks_consent_once_logged_in(flows, user, rp):
    flows.login(user["email"])
    page = flows.authorize(flows.authorize_params(rp))
    assert is_consent_page(page)
    text = page.get_data(as_text=True)
    assert "Booking web" in text
    assert "code=" not in page.headers.get("Location", "")


def test_oidc_core_3_1_2_4_first_party_client_skips_consent(flows, user, app):
    rp = flows.make_client(first_party=True)
    flows.login(user["email"])
    params = flows.authorize_params(rp)
    response = flows.authorize(params)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(rp["redirect_uri"] + "?")
    assert query_of(response.headers["Location"])["code"]


def test_oidc_core_3_1_2_4_allowed_scopes_are_remembered_for_user_and_client(flows, user, rp):
    flows.code_for(rp, user, scope="openid profile email")
    for scope in ("openid profile email", "openid email", "email openid profile"):
        response = flows.authorize(flows.authorize_params(rp, scope=scope))
        assert response.status_code == 302, scope
        assert query_of(response.headers["Location"])["code"]


def test_oidc_core_3_1_2_4_extra_scope_asks_again_and_allowing_adds_it(flows, user, rp):
    flows.code_for(rp, user, scope="openid email")
    page = flows.authorize(flows.authorize_params(rp, scope="openid email phone"))
    assert is_consent_page(page)
    assert flows.consent(page).status_code == 302
    response = flows.authorize(flows.authorize_params(rp, scope="openid phone"))
    assert response.status_code == 302
    assert query_of(response.headers["Location"])["code"]


def test_oidc_core_3_1_2_4_consent_to_one_client_does_not_cover_another(flows, user, rp):
    flows.code_for(rp, user)
    other = flows.make_client(name="Other", redirect_uris=("https://other.example/cb",))
    assert is_consent_page(flows.authorize(flows.authorize_params(other)))


def test_oidc_core_3_1_2_4_consent_of_one_user_does_not_cover_another(flows, user, rp):
    flows.code_for(rp, user)
    other = flows.make_user(email="omar@example.com", phone="+967771234568")
    flows.login(other["email"])
    assert is_consent_page(flows.authorize(flows.authorize_params(rp)))


def test_oidc_core_3_1_2_1_prompt_consent_always_asks(flows, user, rp):
    flows.code_for(rp, user)
    assert is_consent_page(flows.authorize(flows.authorize_params(rp, prompt="consent")))


def test_oidc_core_3_1_2_1_prompt_consent_asks_even_a_first_party_client(flows, user):
    rp = flows.make_client(first_party=True)
    flows.login(user["email"])
    page = flows.authorize(flows.authorize_params(rp, prompt="consent"))
    assert is_consent_page(page)
    response = flows.consent(page)
    assert query_of(response.headers["Location"])["code"]


def test_rfc6749_4_1_2_1_deny_returns_access_denied_with_state_and_iss(flows, user, rp, app):
    flows.login(user["email"])
    params = flows.authorize_params(rp)
    page = flows.authorize(params)
    response = flows.consent(page, decision="deny")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(rp["redirect_uri"] + "?")
    query = query_of(location)
    assert query["error"] == "access_denied"
    assert query["state"] == params["state"]
    assert query["iss"] == app.config["IDP_ISSUER"]
    assert "code" not in query
    assert code_count(app) == 0


def test_rfc6749_4_1_2_1_deny_is_not_remembered(flows, user, rp):
    flows.login(user["email"])
    flows.consent(flows.authorize(flows.authorize_params(rp)), decision="deny")
    assert is_consent_page(flows.authorize(flows.authorize_params(rp)))


@pytest.mark.parametrize("form", [
    {"decision": "allow"},
    {"decision": "allow", "csrf_token": "forged"},
    {"decision": "allow", "csrf_token": ""},
])
def test_rfc9700_4_7_consent_post_without_valid_csrf_token_is_refused(flows, user, rp, app,
                                                                       client, form):
    flows.login(user["email"])
    page = flows.authorize(flows.authorize_params(rp))
    response = client.post(consent_action(page), data=form)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert code_count(app) == 0
    # Nothing was remembered either: the next request asks again.
    assert is_consent_page(flows.authorize(flows.authorize_params(rp)))


def test_oidc_core_3_1_2_4_consent_post_with_unknown_decision_shows_page_again(flows, user, rp,
                                                                                app, client):
    flows.login(user["email"])
    page = flows.authorize(flows.authorize_params(rp))
    response = client.post(consent_action(page), data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "decision": "maybe"})
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert code_count(app) == 0


def test_oidc_core_3_1_2_4_consent_post_without_session_sends_to_login(flows, user, rp, app,
                                                                       client):
    flows.login(user["email"])
    page = flows.authorize(flows.authorize_params(rp))
    csrf = csrf_from(page.get_data(as_text=True))
    client.delete_cookie("idp_session")
    response = client.post(consent_action(page), data={"csrf_token": csrf, "decision": "allow"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?")
    assert code_count(app) == 0


def test_oidc_core_3_1_2_4_allowed_code_carries_the_consented_scope(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope="openid email")
    assert set(tokens["scope"].split()) == {"openid", "email"}
