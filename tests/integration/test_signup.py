"""Customer signup through real HTTP (UC-UI-001): the form and its errors, each keeping what
was typed; existing accounts (EC-UI-001); hostile input; the whole journey from a client's
authorization request through signup, both verifications, and back to the client."""

import html

import pytest

from idp.accounts.models import UserStatus
from tests.flows import PASSWORD
from tests.flows import query_of
from tests.integration.signup_steps import CUSTOMER
from tests.integration.signup_steps import account
from tests.integration.signup_steps import confirm_link
from tests.integration.signup_steps import count_users
from tests.integration.signup_steps import email_link
from tests.integration.signup_steps import enter_code
from tests.integration.signup_steps import events
from tests.integration.signup_steps import outbox_size
from tests.integration.signup_steps import sign_up
from tests.integration.signup_steps import signup_page
from tests.integration.signup_steps import text_of

ACCOUNT_EXISTS = "This account exists already. Sign in, or recover it"


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def field_value(page: str, name: str) -> str | None:
    import re

    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found, f"no input {name}"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else None


def test_fr_ui_001_01_signup_page_asks_for_name_email_phone_password_and_terms(client):
    response = signup_page(client)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in ("name", "email", "phone", "password", "terms", "csrf_token"):
        assert f'name="{name}"' in page, name
    assert 'autocomplete="new-password"' in page
    assert 'autocomplete="tel"' in page and 'inputmode="tel"' in page


def test_fr_ui_001_01_whole_journey_from_a_client_through_signup_back_to_the_client(
        app, client, flows, outbox, rp):
    params = flows.authorize_params(rp)
    to_login = flows.authorize(params)
    assert to_login.status_code == 302
    login_page = client.get(to_login.headers["Location"])
    next_url = query_of(to_login.headers["Location"])["next"]
    # The login page offers signup and carries the authorization request along.
    signup_href = html.unescape(login_page.get_data(as_text=True).split(
        'Create an account')[0].rsplit('href="', 1)[1].split('"')[0])
    assert query_of(signup_href)["next"] == next_url

    response = sign_up(client, next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == "/signup/verify"
    user = account(app)
    assert user.status == UserStatus.PENDING
    assert user.terms_version == app.config["IDP_TERMS_VERSION"]
    assert user.terms_accepted_at is not None

    outbox.deliver()
    code = outbox.last_code(CUSTOMER["phone"])
    link = email_link(outbox)
    response = enter_code(client, code)
    assert response.status_code == 302 and "done=phone" in response.headers["Location"]
    assert account(app).status == UserStatus.PENDING  # the email is not confirmed yet

    response = confirm_link(client, link)
    assert response.status_code == 302
    assert response.headers["Location"] == next_url  # back to the authorization request
    user = account(app)
    assert user.status == UserStatus.ACTIVE
    assert user.email_verified_at and user.phone_verified_at

    consent = client.get(next_url)
    got_response = flows.consent(consent)
    location = got_response.headers["Location"]
    assert location.startswith(rp["redirect_uri"])
    tokens = flows.exchange(rp, {"query": query_of(location), "verifier": params["_verifier"]})
    assert tokens.status_code == 200, tokens.get_json()
    claims = flows.verify(tokens.get_json()["id_token"], audience=rp["client_id"])
    assert claims["sub"] == user.id
    assert claims["nonce"] == params["nonce"]
    assert "account:activated" in events(app)
    assert "account:created" in events(app)


def test_fr_ui_001_01_customer_role_and_language_of_the_page(app, client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ar"
    sign_up(client)
    from idp.accounts.services import find_user
    from idp.rbac.services import role_names

    with app.app_context():
        user = find_user(CUSTOMER["email"])
        assert role_names(user.id) == ["customer"]
        assert user.profile.locale == "ar"
        assert user.profile.name == CUSTOMER["name"]


def test_fr_ui_001_01_signed_in_after_signup_can_log_in_with_email_or_phone(
        app, client, flows, outbox):
    sign_up(client)
    outbox.deliver()
    enter_code(client, outbox.last_code(CUSTOMER["phone"]))
    confirm_link(client, email_link(outbox))
    other = flows.__class__(app, app.test_client())
    for identifier in (CUSTOMER["email"].upper(), "0771111222"):
        response = other.login(identifier, PASSWORD)
        assert response.status_code == 302 and response.headers["Location"] == "/", identifier


# --- every validation error keeps what was typed ------------------------------------------

INVALID = [
    ("name", "", "Enter your name."),
    ("name", "   ", "Enter your name."),
    ("email", "huda@", "Enter a valid email address."),
    ("phone", "12", "Enter a valid phone number."),
    ("phone", "+967 1 234 567", "Enter a mobile phone number"),
    ("password", "short1!", "Use at least 8 characters."),
    ("password", "Seatbooking!", "Include at least one digit"),
    ("password", "huda@example.com1", "Do not use your name, email address or phone number"),
    ("password", "Password1!", "This password is too common"),
    ("terms", None, "Accept the terms and conditions to create an account."),
]


@pytest.mark.parametrize(("field", "value", "message"), INVALID,
                         ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(INVALID)])
def test_fr_ui_001_01_each_error_keeps_the_other_fields(app, client, outbox, field, value,
                                                        message):
    response = sign_up(client, **{field: value})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in html.unescape(page)
    for other in ("name", "email", "phone"):
        if other != field:
            assert field_value(page, other) == CUSTOMER[other], other
    assert field_value(page, "password") in (None, "")  # never sent back
    assert count_users(app) == 0 and outbox_size(app) == 0


def test_fr_ui_001_01_several_errors_at_once_are_all_shown(app, client):
    response = sign_up(client, email="not an address", phone="abc", password="x", terms=None)
    page = text_of(response)
    for message in ("Enter a valid email address.", "Enter a valid phone number.",
                    "Use at least 8 characters.", "Accept the terms and conditions"):
        assert message in page
    assert field_value(response.get_data(as_text=True), "name") == CUSTOMER["name"]


def test_fr_ui_001_05_terms_must_be_accepted(app, client):
    response = sign_up(client, terms=None)
    assert response.status_code == 400
    assert count_users(app) == 0


# --- existing accounts (BR-UI-001/002, EC-UI-001) -----------------------------------------


@pytest.mark.parametrize(("changes", "taken"), [
    ({"email": "AMINA@Example.COM"}, "email"),
    ({"email": " amina@example.com "}, "email"),
    ({"phone": "077 123 4567"}, "phone"),
    ({"phone": "771234567"}, "phone"),
    ({"phone": "+967-77-123-4567"}, "phone"),
], ids=["email-case", "email-spaces", "phone-local", "phone-national", "phone-dashes"])
def test_ec_ui_001_existing_account_says_log_in_with_links(app, client, user, outbox, changes,
                                                          taken):
    response = sign_up(client, next_url="/authorize?client_id=x", **changes)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert ACCOUNT_EXISTS in html.unescape(page)
    assert 'href="/login?next=' in page and "login_hint=" in page
    assert 'href="/password/forgot?identifier=' in page
    typed = {**CUSTOMER, **changes}
    assert field_value(page, taken) == typed[taken]  # what was typed, not what is stored
    assert field_value(page, "name") == CUSTOMER["name"]
    assert count_users(app) == 1 and outbox_size(app) == 0


# --- hostile input ---------------------------------------------------------------------------


def test_fr_ui_001_01_script_in_the_name_is_stored_as_text_and_escaped(app, client, outbox):
    name = '<script>alert("x")</script> Huda'
    sign_up(client, name=name)
    outbox.deliver()
    enter_code(client, outbox.last_code(CUSTOMER["phone"]))
    confirm_link(client, email_link(outbox))
    home = client.get("/").get_data(as_text=True)
    assert "<script>alert" not in home
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Huda" in home
    from idp.accounts.services import find_user

    with app.app_context():
        assert find_user(CUSTOMER["email"]).profile.name == name
    assert name in outbox.emails[0].body  # a text email: kept as typed


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "H" * 10_000, "This is too long."),
    ("name", "Huda\u202eirbA", "Use letters, digits and punctuation only."),
    ("name", "Huda\x00", "Use letters, digits and punctuation only."),
    ("email", "h" * 300 + "@example.com", "This is too long."),
    ("email", "huda@exa mple.com", "Enter a valid email address."),
    ("phone", "7" * 500, "This is too long."),
    ("phone", "771111222; DROP TABLE users", "Enter a valid phone number."),
    ("password", "Aa1!" * 1000, "This is too long."),
], ids=["long-name", "bidi-name", "nul-name", "long-email", "space-email", "long-phone",
        "phone-sql", "long-password"])
def test_fr_ui_001_01_hostile_fields_get_a_clear_message_and_nothing_is_made(
        app, client, field, value, message):
    response = sign_up(client, **{field: value})
    assert response.status_code == 400
    assert message in text_of(response)
    assert count_users(app) == 0 and outbox_size(app) == 0


def test_fr_ui_001_01_wrong_types_and_repeated_fields_never_give_a_500(app, client):
    from tests.flows import csrf_from

    token = csrf_from(signup_page(client).get_data(as_text=True))
    repeated = client.post("/signup", data={
        "csrf_token": token, "name": ["A", "B"], "email": ["x@example.com", "y@example.com"],
        "phone": CUSTOMER["phone"], "password": PASSWORD, "terms": ["y", "n"]})
    assert repeated.status_code in (302, 400)
    as_json = client.post("/signup", json={**CUSTOMER, "csrf_token": token})
    assert as_json.status_code == 400
    no_csrf = client.post("/signup", data=CUSTOMER)
    assert no_csrf.status_code == 400
    assert "This form has expired" in text_of(no_csrf)
    empty = client.post("/signup", data={"csrf_token": token})
    assert empty.status_code == 400
    assert count_users(app) <= 1  # only the repeated-fields post can have made one


def test_fr_ui_001_01_next_must_stay_on_this_site(app, client, outbox):
    page = signup_page(client, "https://evil.example/steal").get_data(as_text=True)
    assert field_value(page, "next") in (None, "")
    response = sign_up(client, next_url="//evil.example/x")
    assert response.status_code == 302
    outbox.deliver()
    enter_code(client, outbox.last_code(CUSTOMER["phone"]))
    done = confirm_link(client, email_link(outbox))
    assert done.headers["Location"] == "/"


def test_nfr_ui_002_03_signups_are_rate_limited_per_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "IDP_SIGNUP_RATE_LIMIT", "2 per hour")
    for attempt in range(2):
        assert sign_up(client, name="").status_code == 400, attempt
    limited = sign_up(client, name="")
    assert limited.status_code == 429
    assert limited.headers.get("Retry-After")
