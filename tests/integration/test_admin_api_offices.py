"""The admin API's offices (issue 5 §4, FR-UI-001-02): approve and reject through the API;
a representative sees only their own office (appendix A, BR-UI-011)."""

from __future__ import annotations

# ruff: noqa: F811 (the fixtures imported from admin_fixtures are test arguments)
from tests.flows import Flows
from tests.integration.admin_fixtures import console  # noqa: F401 (fixture)
from tests.integration.admin_fixtures import denials
from tests.integration.admin_fixtures import root  # noqa: F401 (fixture)
from tests.integration.admin_fixtures import sign_in  # noqa: F401 (fixture)
from tests.integration.test_offices_signup import apply
from tests.integration.test_offices_signup import documents_dir  # noqa: F401 (fixture)


def _apply(app, number: str, email: str, phone: str) -> str:
    from idp.offices.services import list_offices

    response = apply(app.test_client(), commercial_registration_number=number, email=email,
                     phone=phone, name=f"Office {number}")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        return next(o.id for o in list_offices() if o.commercial_registration_number == number)


def test_approve_and_reject_through_the_api(app, root, documents_dir):
    saba = _apply(app, "11111", "rep1@saba.example", "771 234 581")
    aden = _apply(app, "22222", "rep2@aden.example", "771 234 582")

    pending = root.get("/offices?status=pending").get_json()["offices"]
    assert {o["id"] for o in pending} == {saba, aden}
    assert pending[0]["documents"][0]["filename"] == "registration.pdf"
    assert "path" not in pending[0]["documents"][0]

    response = root.post(f"/offices/{saba}/approve")
    assert response.status_code == 200 and response.get_json()["status"] == "approved"
    assert Flows(app, app.test_client()).login("rep1@saba.example").status_code == 302

    assert root.post(f"/offices/{aden}/reject", json={}).status_code == 400
    response = root.post(f"/offices/{aden}/reject", json={"reason": "Licence expired"})
    assert response.status_code == 200
    assert response.get_json()["rejection_reason"] == "Licence expired"

    again = root.post(f"/offices/{saba}/approve")
    assert again.status_code == 409 and again.get_json()["error"] == "office_already_decided"
    assert root.post("/offices/nope/approve").status_code == 404
    assert root.get("/offices/nope").status_code == 404


def test_br_ui_011_office_rep_reads_only_their_own_office(app, root, sign_in,
                                                          documents_dir):
    saba = _apply(app, "11111", "rep1@saba.example", "771 234 581")
    aden = _apply(app, "22222", "rep2@aden.example", "771 234 582")
    for office in (saba, aden):
        assert root.post(f"/offices/{office}/approve").status_code == 200
    rep = sign_in("office_rep", office_id=saba)

    own = rep.get(f"/offices/{saba}")
    other = rep.get(f"/offices/{aden}")

    assert own.status_code == 200 and own.get_json()["id"] == saba
    assert other.status_code == 403, other.get_json()
    assert rep.get("/offices").status_code == 403  # the list is for platform staff
    assert any(aden in repr(row.detail) for row in denials(app, rep.id))
    assert rep.post(f"/offices/{aden}/approve").status_code == 403
