"""The UserInfo endpoint (OIDC Core §5.3) as an RFC 6750 protected resource."""

import re
import time

import pytest
from freezegun import freeze_time

from idp.accounts.models import UserStatus
from tests.flows import PASSWORD

E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")


def _token(flows, rp, user, scope):
    return flows.tokens_for(rp, user, scope=scope)["access_token"]


def test_oidc_core_5_3_1_get_with_bearer_header(flows, user, rp):
    response = flows.userinfo(_token(flows, rp, user, "openid"))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {"sub": user["id"]}
    assert response.headers["Cache-Control"] == "no-store"


def test_rfc6750_2_1_post_with_bearer_header(flows, user, rp):
    response = flows.userinfo(_token(flows, rp, user, "openid email"), method="post")
    assert response.status_code == 200
    assert response.get_json()["email"] == user["email"]
    assert response.headers["Cache-Control"] == "no-store"


def test_rfc6750_2_2_post_with_form_body_access_token(flows, user, rp, client):
    token = _token(flows, rp, user, "openid email")
    response = client.post("/userinfo", data={"access_token": token})
    assert response.status_code == 200
    assert response.get_json() == {"sub": user["id"], "email": user["email"],
                                   "email_verified": True}
    assert response.headers["Cache-Control"] == "no-store"


def test_rfc6750_2_3_query_parameter_token_is_not_accepted(flows, user, rp, client):
    # Tokens in URLs end up in logs and Referer headers (RFC 6750 §5.3).
    token = _token(flows, rp, user, "openid")
    response = client.get(f"/userinfo?access_token={token}")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_oidc_core_5_4_profile_scope_gives_name_locale_and_updated_at(flows, rp, app):
    from idp.accounts.services import create_user
    from idp.extensions import db

    before = int(time.time())
    with app.app_context():
        created = create_user(email="salem@example.com", phone=None, password=PASSWORD,
                              name="Salem Ali", verified=True, locale="ar")
        db.session.commit()
        user = {"id": created.id, "email": created.email, "password": PASSWORD}
    body = flows.userinfo(_token(flows, rp, user, "openid profile")).get_json()
    assert body["sub"] == user["id"]
    assert body["name"] == "Salem Ali"
    assert body["locale"] == "ar"
    assert isinstance(body["updated_at"], int)
    assert before <= body["updated_at"] <= time.time()
    assert "email" not in body and "phone_number" not in body


def test_oidc_core_5_4_phone_scope_gives_e164_number_and_verified(flows, rp):
    user = flows.make_user(email="huda@example.com", phone="0771234567")  # national format
    body = flows.userinfo(_token(flows, rp, user, "openid phone")).get_json()
    assert body["phone_number"] == "+967771234567"
    assert E164.match(body["phone_number"])
    assert body["phone_number_verified"] is True
    assert "name" not in body and "email" not in body


def test_oidc_core_5_4_email_scope_gives_email_and_verified(flows, user, rp):
    body = flows.userinfo(_token(flows, rp, user, "openid email")).get_json()
    assert body == {"sub": user["id"], "email": "amina@example.com", "email_verified": True}


def test_oidc_core_5_1_roles_scope_gives_roles_and_permissions(flows, user, rp):
    flows.grant_permissions("customer", "bookings:create", "bookings:cancel")
    body = flows.userinfo(_token(flows, rp, user, "openid roles")).get_json()
    assert body["roles"] == ["customer"]
    # The customer's seeded permissions (migration 0009) and the added one, sorted.
    assert {"bookings:cancel", "bookings:create"} <= set(body["permissions"])
    assert body["permissions"] == sorted(body["permissions"])
    assert "name" not in body


def test_oidc_core_5_4_openid_alone_gives_only_sub(flows, user, rp):
    body = flows.userinfo(_token(flows, rp, user, "openid")).get_json()
    assert body == {"sub": user["id"]}


def test_oidc_core_5_3_3_token_without_openid_is_403_insufficient_scope(flows, user, rp):
    token = _token(flows, rp, user, "profile email")
    response = flows.userinfo(token)
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"
    # RFC 6750 §3: the challenge names the error and the scope needed.
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="insufficient_scope"' in challenge and 'scope="openid"' in challenge


def test_oidc_core_5_3_3_disabled_users_token_is_401_invalid_token(flows, user, rp):
    token = _token(flows, rp, user, "openid profile")
    flows.set_user_status(user, UserStatus.DISABLED)
    response = flows.userinfo(token)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_rfc6750_3_1_expired_token_is_401_invalid_token(flows, user, rp):
    with freeze_time() as clock:
        token = _token(flows, rp, user, "openid")
        clock.tick(601)
        response = flows.userinfo(token)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("token", ["garbage", "a.b.c"])
def test_rfc6750_3_1_malformed_token_is_401_invalid_token(flows, token):
    response = flows.userinfo(token)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"


def test_rfc6750_3_1_id_token_is_not_an_access_token(flows, user, rp):
    tokens = flows.tokens_for(rp, user, scope="openid")
    assert flows.userinfo(tokens["id_token"]).status_code == 401


def test_rfc6750_3_request_without_token_gets_a_bare_challenge(client, app):
    response = client.get("/userinfo")
    assert response.status_code == 401
    # RFC 6750 §3.1: no error code when the request carried no credentials at all.
    assert response.headers["WWW-Authenticate"] == f'Bearer realm="{app.config["IDP_ISSUER"]}"'


def test_rfc6750_2_1_other_authorization_schemes_are_refused(flows, user, rp, client):
    token = _token(flows, rp, user, "openid")
    response = client.get("/userinfo", headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_rfc6750_3_1_token_in_header_and_body_is_invalid_request(flows):
    user = flows.make_user(email="both@example.com", phone="+967771234599")
    rp = flows.make_client(name="Both ways")
    tokens = flows.tokens_for(rp, user, scope="openid")
    response = flows.client.post(
        "/userinfo", data={"access_token": tokens["access_token"]},
        headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
