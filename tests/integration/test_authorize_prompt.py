"""``prompt`` and ``max_age`` at the authorization endpoint (OIDC Core §3.1.2.1, §3.1.2.3),
with the clock under the test's control so that login times differ."""



from tests.flows import csrf_from
from tests.flows import query_of


def sent_to_login(response) -> str:
    """The ``next`` URL of a redirect to the login page."""
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].startswith("/login?"), response.headers["Location"]
    return query_of(response.headers["Location"])["next"]


def code_redirect(response, rp, params, app) -> dict:
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith(rp["redirect_uri"] + "?"), location
    query = query_of(location)
    assert query["code"]
    assert query["state"] == params["state"]
    assert query["iss"] == app.config["IDP_ISSUER"]
    return query


def id_token_of(flows, rp, params, query) -> dict:
    got = {"query": query, "verifier": params["_verifier"], "params": params}
    response = flows.exchange(rp, got)
    assert response.status_code == 200, response.get_json()
    return flows.verify(response.get_json()["id_token"], audience=rp["client_id"])


# --- prompt=none (OIDC Core §3.1.2.6) ---


def test_oidc_core_3_1_2_6_prompt_none_without_session_returns_login_required(flows, rp, app):
    params = flows.authorize_params(rp, prompt="none")
    response = flows.authorize(params)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(rp["redirect_uri"] + "?")
    query = query_of(location)
    assert query["error"] == "login_required"
    assert query["state"] == params["state"]
    assert query["iss"] == app.config["IDP_ISSUER"]
    assert "code" not in query


def test_oidc_core_3_1_2_6_prompt_none_with_session_but_no_consent_returns_consent_required(
        flows, user, rp, app):
    flows.login(user["email"])
    params = flows.authorize_params(rp, prompt="none")
    response = flows.authorize(params)
    assert response.status_code == 302
    query = query_of(response.headers["Location"])
    assert response.headers["Location"].startswith(rp["redirect_uri"] + "?")
    assert query["error"] == "consent_required"
    assert query["state"] == params["state"]
    assert query["iss"] == app.config["IDP_ISSUER"]


def test_oidc_core_3_1_2_6_prompt_none_with_remembered_consent_issues_code_without_a_page(
        flows, user, rp, app):
    flows.code_for(rp, user)  # logs in and allows
    params = flows.authorize_params(rp, prompt="none")
    query = code_redirect(flows.authorize(params), rp, params, app)
    claims = id_token_of(flows, rp, params, query)
    assert claims["sub"] == user["id"]
    assert claims["nonce"] == params["nonce"]


def test_oidc_core_3_1_2_6_prompt_none_for_first_party_client_issues_code(flows, user, app):
    rp = flows.make_client(first_party=True)
    flows.login(user["email"])
    params = flows.authorize_params(rp, prompt="none")
    code_redirect(flows.authorize(params), rp, params, app)


def test_oidc_core_3_1_2_6_prompt_none_after_logout_returns_login_required(flows, user, rp,
                                                                           client):
    flows.code_for(rp, user)
    page = client.get("/logout").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf_from(page)}).status_code == 200
    params = flows.authorize_params(rp, prompt="none")
    query = query_of(flows.authorize(params).headers["Location"])
    assert query["error"] == "login_required"


# --- prompt=login and max_age force a new login (OIDC Core §3.1.2.1, §3.1.2.3) ---


def test_oidc_core_3_1_2_1_prompt_login_with_live_session_asks_login_again_and_new_auth_time(
        flows, user, rp, app, clock):
    first = flows.tokens_for(rp, user)
    first_auth_time = flows.verify(first["id_token"], audience=rp["client_id"])["auth_time"]

    clock.tick(120)
    params = flows.authorize_params(rp, prompt="login")
    next_url = sent_to_login(flows.authorize(params))
    assert "prompt" not in query_of(next_url)  # the login about to happen satisfies it
    assert query_of(next_url)["nonce"] == params["nonce"]

    response = flows.login(user["email"], next_url=next_url)
    assert response.headers["Location"] == next_url
    query = code_redirect(flows.client.get(next_url), rp, params, app)
    claims = id_token_of(flows, rp, params, query)
    assert claims["auth_time"] == first_auth_time + 120


def test_oidc_core_3_1_2_1_prompt_login_and_consent_keeps_consent_after_login(flows, user, rp):
    flows.code_for(rp, user)
    params = flows.authorize_params(rp, prompt="login consent")
    next_url = sent_to_login(flows.authorize(params))
    assert query_of(next_url)["prompt"] == "consent"
    response = flows.login(user["email"], next_url=next_url)
    page = flows.client.get(response.headers["Location"])
    assert page.status_code == 200
    assert 'name="decision"' in page.get_data(as_text=True)


def test_oidc_core_3_1_2_1_max_age_zero_forces_login(flows, user, rp, app, clock):
    first = flows.tokens_for(rp, user)
    first_auth_time = flows.verify(first["id_token"], audience=rp["client_id"])["auth_time"]

    clock.tick(5)
    params = flows.authorize_params(rp, max_age="0")
    next_url = sent_to_login(flows.authorize(params))
    assert "max_age" not in query_of(next_url)
    flows.login(user["email"], next_url=next_url)
    query = code_redirect(flows.client.get(next_url), rp, params, app)
    assert id_token_of(flows, rp, params, query)["auth_time"] == first_auth_time + 5


def test_oidc_core_3_1_2_1_max_age_larger_than_session_age_needs_no_login(flows, user, rp, app,
                                                                          clock):
    first = flows.tokens_for(rp, user)
    first_auth_time = flows.verify(first["id_token"], audience=rp["client_id"])["auth_time"]

    clock.tick(300)
    params = flows.authorize_params(rp, max_age="3600")
    query = code_redirect(flows.authorize(params), rp, params, app)
    claims = id_token_of(flows, rp, params, query)
    # OIDC Core §2: auth_time is REQUIRED when max_age was requested; it is the original login.
    assert claims["auth_time"] == first_auth_time


def test_oidc_core_3_1_2_1_max_age_shorter_than_session_age_forces_login(flows, user, rp, app,
                                                                         clock):
    first = flows.tokens_for(rp, user)
    first_auth_time = flows.verify(first["id_token"], audience=rp["client_id"])["auth_time"]

    clock.tick(300)
    params = flows.authorize_params(rp, max_age="60")
    next_url = sent_to_login(flows.authorize(params))
    flows.login(user["email"], next_url=next_url)
    query = code_redirect(flows.client.get(next_url), rp, params, app)
    claims = id_token_of(flows, rp, params, query)
    assert claims["auth_time"] == first_auth_time + 300


def test_oidc_core_3_1_2_1_max_age_exceeded_with_prompt_none_returns_login_required(
        flows, user, rp, clock):
    flows.code_for(rp, user)
    clock.tick(300)
    params = flows.authorize_params(rp, max_age="60", prompt="none")
    query = query_of(flows.authorize(params).headers["Location"])
    assert query["error"] == "login_required"
    assert query["state"] == params["state"]


def test_oidc_core_3_1_2_3_login_sends_user_back_with_login_hint(flows, rp):
    params = flows.authorize_params(rp, login_hint="amina@example.com")
    response = flows.authorize(params)
    assert query_of(response.headers["Location"])["login_hint"] == "amina@example.com"
    page = flows.client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="amina@example.com"' in page
