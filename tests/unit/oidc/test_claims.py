"""Claims about a user for the granted scopes (OIDC Core §5.4)."""

import pytest

from idp.accounts.services import create_user
from idp.extensions import db
from idp.oidc.claims import authorization_claims
from idp.oidc.claims import user_claims
from idp.rbac.services import assign_role


@pytest.fixture
def user(ctx):
    user = create_user(email="amina@example.com", phone="+967771234567", password=None,
                       name="Amina Saleh", verified=True, locale="ar")
    assign_role(user, "customer")
    db.session.flush()
    return user


def test_oidc_core_5_4_openid_alone_gives_only_sub(user):
    assert dict(user_claims(user, "openid")) == {"sub": user.id}


def test_oidc_core_5_4_profile_gives_name_locale_and_updated_at(user):
    claims = user_claims(user, "openid profile")
    assert claims["name"] == "Amina Saleh"
    assert claims["locale"] == "ar"
    assert claims["updated_at"] == int(user.updated_at.timestamp())
    assert "email" not in claims and "phone_number" not in claims


def test_oidc_core_5_4_profile_without_a_locale_omits_it(ctx):
    user = create_user(email="salem@example.com", phone=None, password=None, verified=True)
    assert "locale" not in user_claims(user, "openid profile")


def test_oidc_core_5_4_email_and_phone(user):
    claims = user_claims(user, "openid email phone")
    assert claims["email"] == "amina@example.com" and claims["email_verified"] is True
    assert claims["phone_number"] == "+967771234567"
    assert claims["phone_number_verified"] is True


def test_oidc_core_5_4_claims_of_missing_identifiers_are_omitted(ctx):
    user = create_user(email=None, phone="771234567", password=None)
    claims = user_claims(user, "openid email phone")
    assert "email" not in claims and "email_verified" not in claims
    assert claims["phone_number"] == "+967771234567"
    assert claims["phone_number_verified"] is False


def test_roles_scope_gives_roles_and_permissions(user):
    claims = user_claims(user, "openid roles")
    assert claims["roles"] == ["customer"]
    assert claims["permissions"] == []


def test_authorization_claims_carry_office_id_only_when_set(user):
    assert "office_id" not in authorization_claims(user)
    user.office_id = "office-42"
    assert authorization_claims(user)["office_id"] == "office-42"
