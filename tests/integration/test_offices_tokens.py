"""An approved office representative signs in to a relying party and its access token carries
the office (FR-UI-001-02 with FR-UI-004-01): ``office_id`` and ``roles: ["office_rep"]``, as
resource servers verify them with the JWKS (RFC 9068)."""

from idp.extensions import db
from tests.flows import PASSWORD
from tests.flows import query_of
from tests.integration.test_offices_signup import apply
from tests.integration.test_offices_signup import documents_dir  # noqa: F401 (fixture)

REP = {"email": "office@saba.example", "password": PASSWORD}


def _approve(app, flows) -> str:
    from idp.offices.services import approve_office
    from idp.offices.services import list_offices

    admin = flows.make_user(email="root@platform.example", phone="+967771000001",
                            roles=("super_admin",))
    with app.app_context():
        office = list_offices()[0]
        approve_office(office.id, admin_id=admin["id"])
        db.session.commit()
        return office.id


def test_fr_ui_001_02_approved_office_rep_gets_office_id_and_role_in_access_token(
        app, client, flows, rp, documents_dir):  # noqa: F811
    assert apply(client).status_code == 302
    office_id = _approve(app, flows)

    tokens = flows.tokens_for(rp, REP, scope="openid profile email roles")

    claims = flows.verify(tokens["access_token"], typ="at+jwt",
                          audience=app.config["IDP_ACCESS_TOKEN_AUDIENCE"])
    assert claims["office_id"] == office_id
    assert claims["roles"] == ["office_rep"]
    id_token = flows.verify(tokens["id_token"], audience=rp["client_id"])
    assert id_token["sub"] == claims["sub"]


def test_fr_ui_001_02_pending_office_rep_gets_no_code(app, client, flows, rp,
                                                      documents_dir):  # noqa: F811
    assert apply(client).status_code == 302
    params = flows.authorize_params(rp)
    response = flows.authorize(params)
    assert "/login" in response.headers["Location"]

    login = flows.login(REP["email"], PASSWORD,
                        next_url=query_of(response.headers["Location"])["next"])

    assert login.status_code == 200  # the login page again, with its message; no redirect
    assert "application is being reviewed" in login.get_data(as_text=True)
