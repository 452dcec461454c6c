"""The ``idp`` administration command: thin wrappers over the services, one-line errors."""

import json
import re

import jwt as pyjwt
import pytest

from idp.cli import DEMO_EMAIL
from idp.cli import DEMO_REDIRECT_URI
from idp.config import SETTINGS
from tests.flows import PASSWORD
from tests.flows import REDIRECT_URI
from tests.flows import query_of
from tests.integration.conftest import refused as _refused


def _create_user(idp, email="amina@example.com", *extra):
    return idp("users", "create", "--email", email, "--phone", "+967771234567",
               "--password", PASSWORD, "--name", "Amina Saleh", *extra)


def test_users_create_prints_json_and_the_user_can_log_in(idp, flows):
    result = _create_user(idp, "amina@example.com", "--role", "customer", "--verified")
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert created["id"] and created["email"] == "amina@example.com"
    assert created["status"] == "active"
    assert created["roles"] == ["customer"]
    response = flows.login("amina@example.com", PASSWORD)
    assert response.status_code == 302
    assert "/login" not in response.headers["Location"]
    assert created["id"] in idp("users", "list").stdout


def test_users_create_without_verified_makes_a_pending_account(idp):
    result = _create_user(idp)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "pending"


def test_users_create_with_unknown_role_fails_in_one_line_and_creates_nothing(idp):
    line = _refused(_create_user(idp, "amina@example.com", "--role", "pilot", "--verified"))
    assert "pilot" in line
    assert "amina@example.com" not in idp("users", "list").stdout


def test_br_ui_001_users_create_with_taken_email_fails_in_one_line(idp):
    assert _create_user(idp, "amina@example.com").exit_code == 0
    line = _refused(idp("users", "create", "--email", "AMINA@example.com",
                        "--password", PASSWORD))
    assert "exists already" in line  # the operator reads English, whatever IDP_DEFAULT_LOCALE


@pytest.mark.parametrize("identifiers", [
    ("--email", "not-an-email"),
    ("--phone", "12"),
    (),
])
def test_users_create_with_bad_identifier_fails_in_one_line(idp, identifiers):
    _refused(idp("users", "create", *identifiers, "--password", PASSWORD))


def test_clients_create_json_prints_credentials_that_work(idp, flows):
    result = idp("clients", "create", "--name", "Booking web", "--redirect-uri", REDIRECT_URI,
                 "--json")
    assert result.exit_code == 0, result.output
    credentials = json.loads(result.stdout)
    assert set(credentials) == {"client_id", "client_secret"}
    user = flows.make_user()
    rp = {**credentials, "redirect_uri": REDIRECT_URI}
    tokens = flows.tokens_for(rp, user, scope="openid offline_access")
    assert flows.verify(tokens["id_token"], audience=credentials["client_id"])


def test_clients_create_public_prints_no_secret(idp, flows):
    result = idp("clients", "create", "--name", "Mobile app", "--public",
                 "--redirect-uri", "com.example.booking:/callback", "--json")
    assert result.exit_code == 0, result.output
    credentials = json.loads(result.stdout)
    assert set(credentials) == {"client_id"}
    user = flows.make_user()
    rp = {**credentials, "redirect_uri": "com.example.booking:/callback"}
    assert flows.tokens_for(rp, user)["access_token"]


def test_clients_create_client_credentials_with_scope(idp, flows):
    result = idp("clients", "create", "--name", "Seat inventory", "--grant-type",
                 "client_credentials", "--scope", "bookings:read", "--json")
    assert result.exit_code == 0, result.output
    service = json.loads(result.stdout)
    response = flows.client_credentials(service)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["scope"] == "bookings:read"


def test_clients_create_without_json_shows_the_secret_once_with_a_warning(idp):
    result = idp("clients", "create", "--name", "Booking web", "--redirect-uri", REDIRECT_URI)
    assert result.exit_code == 0, result.output
    assert re.search(r"^client_id:\s+\S+", result.stdout, re.M)
    assert "shown once" in result.stdout


@pytest.mark.parametrize("redirect_uri", [
    "http://evil.example/cb",  # RFC 9700 §2.6: no plain http outside loopback
    "https://a.example/cb#fragment",  # RFC 6749 §3.1.2
    "javascript:alert(1)",
    "/relative/cb",
])
def test_rfc6749_3_1_2_clients_create_with_bad_redirect_uri_fails_in_one_line(idp, redirect_uri):
    line = _refused(idp("clients", "create", "--name", "Evil", "--redirect-uri", redirect_uri))
    assert redirect_uri in line
    assert "Evil" not in idp("clients", "list").stdout


def test_clients_create_public_client_credentials_fails_in_one_line(idp):
    _refused(idp("clients", "create", "--name", "Mobile", "--public",
                 "--grant-type", "client_credentials"))


def test_clients_list_shows_each_client(idp, flows):
    web = flows.make_client(name="Booking web")
    mobile = flows.make_client(name="Mobile app", public=True,
                               redirect_uris=("com.example.booking:/callback",))
    result = idp("clients", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert any(web["client_id"] in line and "confidential" in line for line in lines)
    assert any(mobile["client_id"] in line and "public" in line for line in lines)


def test_keys_rotate_publishes_a_key_that_then_signs(idp, flows, client, app):
    result = idp("keys", "rotate")
    assert result.exit_code == 0, result.output
    new_kid = re.match(r"new key (\S+) published now", result.stdout).group(1)
    kids = [key["kid"] for key in client.get("/jwks.json").get_json()["keys"]]
    assert set(kids) == {app.config["TEST_INITIAL_KID"], new_kid}
    listing = idp("keys", "list")
    assert listing.exit_code == 0
    states = {line.split()[0]: line for line in listing.stdout.splitlines()}
    assert states[new_kid].endswith("current")
    assert "retired" in states[app.config["TEST_INITIAL_KID"]]
    service = flows.make_service(scope="bookings:read")
    token = flows.client_credentials(service).get_json()["access_token"]
    assert pyjwt.get_unverified_header(token)["kid"] == new_kid


def test_config_doc_lists_every_setting(idp):
    result = idp("config", "--doc")
    assert result.exit_code == 0
    for setting in SETTINGS:
        assert f"{setting.name} = " in result.stdout, setting.name
    assert "production must set it" in result.stdout


def test_demo_prints_an_authorization_url_that_works(idp, flows, client):
    result = idp("demo")
    assert result.exit_code == 0, result.output
    out = result.stdout
    password = re.search(r"password: (\S+)", out).group(1)
    client_id = re.search(r"client_id=(\S+)", out).group(1)
    client_secret = re.search(r"client_secret=(\S+)", out).group(1)
    verifier = re.search(r"PKCE verifier: (\S+)", out).group(1)
    authorize_url = re.search(r"authorize:\s+(\S+)", out).group(1)

    response = client.get(authorize_url)
    assert response.status_code == 302
    response = flows.login(DEMO_EMAIL, password,
                           next_url=query_of(response.headers["Location"])["next"])
    assert response.status_code == 302
    response = flows.consent(client.get(response.headers["Location"]))
    location = response.headers["Location"]
    assert location.startswith(DEMO_REDIRECT_URI + "?")
    assert query_of(location)["state"] == query_of(authorize_url)["state"]

    rp = {"client_id": client_id, "client_secret": client_secret}
    tokens = flows.token(rp, {"grant_type": "authorization_code",
                              "code": query_of(location)["code"],
                              "redirect_uri": DEMO_REDIRECT_URI, "code_verifier": verifier})
    assert tokens.status_code == 200, tokens.get_json()
    id_token = flows.verify(tokens.get_json()["id_token"], audience=client_id)
    assert id_token["nonce"] == query_of(authorize_url)["nonce"]
    # The demo user is a customer, as one who signed up would be (roles scope asked).
    assert flows.userinfo(tokens.get_json()["access_token"]).get_json()["roles"] == ["customer"]


def test_demo_run_twice_replaces_the_demo_client_and_password(idp, flows):
    first = idp("demo").stdout
    second = idp("demo")
    assert second.exit_code == 0, second.output
    old_password = re.search(r"password: (\S+)", first).group(1)
    assert flows.login(DEMO_EMAIL, old_password).status_code == 200  # refused: form again
    listing = idp("clients", "list").stdout
    assert listing.count("Demo app") == 1


def test_unknown_setting_in_the_environment_fails_in_one_line():
    from click.testing import CliRunner

    from idp.cli import cli

    result = CliRunner().invoke(cli, ["keys", "list"], env={"IDP_ACCES_TOKEN_SECONDS": "60"})
    line = _refused(result)
    assert "IDP_ACCES_TOKEN_SECONDS" in line
