"""Rate limits (NFR-UI-002-03): per address and per identifier on login, signup and the unlock
request, per address and per client on /token; 429 with Retry-After, a translated page for
browsers and JSON for /token; and limits keep working when Redis goes away."""

import pytest

from idp.audit import AuditEvent
from idp.audit.services import events
from idp.extensions import limiter
from tests.flows import Flows
from tests.flows import csrf_from
from tests.integration.signup_steps import sign_up

WRONG = "Not-my-password-1"


def device(app) -> Flows:
    return Flows(app, app.test_client())


def test_nfr_ui_002_03_login_is_limited_per_identifier(app, monkeypatch):
    monkeypatch.setitem(app.config, "IDP_LOGIN_IDENTIFIER_RATE_LIMIT", "3 per minute")
    # A different browser each time: the limit follows the identifier, not the browser.
    statuses = [device(app).login("nobody@example.com", WRONG).status_code for _ in range(3)]

    refused = device(app).login("Nobody@Example.com", WRONG)

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert device(app).login("someone-else@example.com", WRONG).status_code == 200
    with app.app_context():
        assert events(event=AuditEvent.Security.RateLimited)


def test_nfr_ui_002_03_identifier_limit_spares_a_device_that_signed_in_before(app, user,
                                                                              monkeypatch):
    monkeypatch.setitem(app.config, "IDP_LOGIN_IDENTIFIER_RATE_LIMIT", "2 per minute")
    owner = device(app)
    assert owner.login(user["email"]).status_code == 302
    assert device(app).login(user["email"], WRONG).status_code == 200
    assert device(app).login(user["email"], WRONG).status_code == 429

    assert owner.login(user["email"]).status_code == 302


def test_nfr_ui_002_03_login_is_limited_per_address(app, flows, monkeypatch):
    monkeypatch.setitem(app.config, "IDP_LOGIN_RATE_LIMIT", "2 per minute")
    for index in range(2):
        assert flows.login(f"person{index}@example.com", WRONG).status_code == 200

    refused = flows.login("person9@example.com", WRONG)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"]


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "Too many attempts. Please wait a moment and try again."),
    ("ar", 'lang="ar"')])
def test_nfr_ui_002_03_too_many_attempts_page_is_translated(app, flows, monkeypatch, lang, text):
    monkeypatch.setitem(app.config, "IDP_LOGIN_IDENTIFIER_RATE_LIMIT", "1 per minute")
    flows.login("nobody@example.com", WRONG)
    page = flows.client.get(f"/login?lang={lang}").get_data(as_text=True)

    refused = flows.client.post(f"/login?lang={lang}", data={
        "csrf_token": csrf_from(page), "identifier": "nobody@example.com", "password": WRONG})

    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert text in refused.get_data(as_text=True)


def test_nfr_ui_002_03_signup_is_limited_per_email_and_phone(app, monkeypatch):
    monkeypatch.setitem(app.config, "IDP_SIGNUP_IDENTIFIER_RATE_LIMIT", "1 per hour")
    assert sign_up(app.test_client()).status_code == 302

    same_email = sign_up(app.test_client(), phone="+967771111333")
    same_phone = sign_up(app.test_client(), email="other@example.com")

    assert same_email.status_code == 429
    assert same_phone.status_code == 429
    assert sign_up(app.test_client(), email="third@example.com",
                   phone="+967771111444").status_code == 302


def test_nfr_ui_002_03_token_endpoint_is_limited_per_client(app, flows, monkeypatch):
    monkeypatch.setitem(app.config, "IDP_TOKEN_CLIENT_RATE_LIMIT", "2 per minute")
    service = flows.make_service()
    other = flows.make_service(name="Other service")
    assert [flows.client_credentials(service).status_code for _ in range(2)] == [200, 200]

    refused = flows.client_credentials(service)

    assert refused.status_code == 429
    assert refused.get_json()["error"] == "too_many_requests"
    assert refused.headers["Retry-After"]
    assert flows.client_credentials(other).status_code == 200


def test_nfr_ui_002_03_token_endpoint_is_limited_per_address(app, flows, monkeypatch):
    monkeypatch.setitem(app.config, "IDP_TOKEN_IP_RATE_LIMIT", "2 per minute")
    services = [flows.make_service(name=f"Service {i}") for i in range(3)]
    assert [flows.client_credentials(s).status_code for s in services[:2]] == [200, 200]

    refused = flows.client_credentials(services[2])

    assert refused.status_code == 429
    assert refused.mimetype == "application/json"


def test_nfr_ui_002_03_token_limits_count_after_redis_forgets_its_scripts(app, flows,
                                                                          monkeypatch):
    """Both token limits go to Redis on one pipeline of EVALSHA; a Redis that restarted (its
    scripts gone) answers NOSCRIPT, and the counting goes on, one limit after the other."""
    if not app.config["IDP_REDIS_URL"]:
        pytest.skip("the pipeline is Redis's: this run has no IDP_REDIS_URL")
    import redis

    monkeypatch.setitem(app.config, "IDP_TOKEN_CLIENT_RATE_LIMIT", "3 per minute")
    service = flows.make_service()
    assert flows.client_credentials(service).status_code == 200
    redis.Redis.from_url(app.config["IDP_REDIS_URL"]).script_flush()

    statuses = [flows.client_credentials(service).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_nfr_ui_002_03_second_factor_codes_are_limited_per_account(app, flows, user,
                                                                    monkeypatch):
    """Wrong codes at the second step: the per-account limit answers 429 (with Retry-After)
    before the lockout's five failures would, and the refusal is in the audit trail with the
    limit that refused. One allowance for every code the account enters: the code that
    confirmed the enrolment counted too."""
    from tests.integration.mfa_steps import enrol_totp
    from tests.integration.mfa_steps import logout
    from tests.integration.mfa_steps import second_step

    monkeypatch.setitem(app.config, "IDP_MFA_CODE_USER_RATE_LIMIT", "3 per minute")
    assert flows.login(user["email"]).status_code == 302
    enrol_totp(flows.client)
    logout(flows.client)
    assert flows.login(user["email"]).headers["Location"].endswith("/login/verify")

    statuses = [second_step(flows.client, "000000").status_code for _ in range(3)]

    assert statuses == [400, 400, 429]
    refused = second_step(flows.client, "000000")
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    with app.app_context():
        assert [row.detail["limit"] for row in events(event=AuditEvent.Security.RateLimited)
                ][:1] == ["IDP_MFA_CODE_USER_RATE_LIMIT"]


def test_nfr_ui_002_03_unlock_requests_are_limited_per_identifier(app, flows, user, monkeypatch):
    monkeypatch.setitem(app.config, "IDP_UNLOCK_REQUEST_RATE_LIMIT", "2 per hour")
    page = flows.client.get("/login/unlock").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "identifier": user["email"]}

    statuses = [flows.client.post("/login/unlock", data=form).status_code for _ in range(3)]

    assert statuses == [302, 302, 429]


@pytest.fixture
def redis_down(app, make_app):
    """An app whose IDP_REDIS_URL points where nothing listens. The limiter is one object for
    every app: afterwards it is bound back to the suite's app (memory storage)."""
    yield make_app(IDP_REDIS_URL="redis://127.0.0.1:1/0", IDP_LOGIN_RATE_LIMIT="3 per minute")
    limiter.init_app(app)
    limiter._storage_dead = False


def test_nfr_ui_002_03_limits_keep_working_when_redis_is_down(redis_down, user):
    browser = device(redis_down)

    statuses = [browser.login(f"person{i}@example.com", WRONG).status_code for i in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_nfr_ui_002_03_lockout_and_token_answer_when_redis_is_down(redis_down, user):
    browser = device(redis_down)
    assert [browser.login(user["email"], WRONG).status_code for _ in range(3)] == [200] * 3
    service = browser.make_service()
    assert browser.client_credentials(service).status_code == 200
    assert device(redis_down).client_credentials(
        {"client_id": service["client_id"], "client_secret": "wrong"}).status_code == 401
