"""`idp offices list|approve|reject` (UC-UI-003 step 3-4): a super admin decides, the
representative is activated with the office_rep role bound to the office (or disabled), told
by email and SMS in their language, and the decision is audited."""

import json

import pytest

from tests.flows import PASSWORD
from tests.integration.conftest import refused as _refused
from tests.integration.test_offices_signup import apply
from tests.integration.test_offices_signup import documents_dir  # noqa: F401 (fixture)

REP_EMAIL = "office@saba.example"
REP_PHONE = "+967771234568"


@pytest.fixture
def admin(flows):
    return flows.make_user(email="root@platform.example", phone="+967771000001",
                           name="Platform Admin", roles=("super_admin",))


def _apply(client, lang="en") -> str:
    """Apply through the signup page; return the new office's id."""
    from idp.offices.services import list_offices

    assert apply(client, lang=lang).status_code == 302
    with client.application.app_context():
        return list_offices()[-1].id


@pytest.fixture
def office_id(client, documents_dir):  # noqa: F811
    return _apply(client)


def _representative(app):
    from idp.accounts.services import find_user
    from idp.rbac.services import role_names

    with app.app_context():
        user = find_user(REP_EMAIL)
        return {"status": user.status, "office_id": user.office_id,
                "roles": role_names(user.id),
                "email_verified": user.email_verified_at is not None,
                "phone_verified": user.phone_verified_at is not None}


def _audited(app, event: str) -> list:
    from idp.audit.services import events

    with app.app_context():
        return [row.detail for row in events(event=event)]


def test_fr_ui_001_02_list_shows_applications_by_status(idp, office_id):
    pending = idp("offices", "list", "--status", "pending")
    assert pending.exit_code == 0, pending.output
    assert office_id in pending.stdout and '"Saba Express"' in pending.stdout
    assert "1 document(s)" in pending.stdout
    assert idp("offices", "list", "--status", "approved").stdout == ""

    described = json.loads(idp("offices", "list", "--json").stdout)
    assert described["id"] == office_id and described["email"] == REP_EMAIL
    assert described["documents"][0]["type"] == "application/pdf"
    assert described["documents"][0]["filename"] == "registration.pdf"


def test_fr_ui_001_02_office_rep_cannot_sign_in_before_approval(flows, office_id):
    response = flows.login(REP_EMAIL, PASSWORD)
    assert response.status_code == 200
    assert "application is being reviewed" in response.get_data(as_text=True)
    assert not any(h.startswith("idp_session=") for h in response.headers.getlist("Set-Cookie"))


def test_fr_ui_001_02_approval_activates_the_rep_for_the_office_and_notifies(
        app, idp, flows, outbox, admin, office_id):
    result = idp("offices", "approve", office_id, "--admin", admin["id"])

    assert result.exit_code == 0, result.output
    assert _representative(app) == {"status": "active", "office_id": office_id,
                                    "roles": ["office_rep"], "email_verified": True,
                                    "phone_verified": True}
    delivered = outbox.deliver()
    email, = [m for m in delivered if getattr(m, "subject", None)]
    assert email.to == REP_EMAIL
    assert email.subject == "Your transport office Saba Express is approved"
    assert "http://localhost/login" in email.body
    sms, = outbox.sms
    assert sms.to == REP_PHONE and "Saba Express is approved" in sms.text
    assert _audited(app, "office:approved") == [{"office_id": office_id,
                                                 "representative_id": _rep_id(app)}]
    assert flows.login(REP_EMAIL, PASSWORD).status_code == 302
    assert _pending(idp) == ""


def _rep_id(app) -> str:
    from idp.accounts.services import find_user

    with app.app_context():
        return find_user(REP_EMAIL).id


def _pending(idp) -> str:
    return idp("offices", "list", "--status", "pending").stdout


def test_fr_ui_001_02_rejection_tells_the_reason_and_closes_the_account(
        app, idp, flows, outbox, admin, office_id):
    reason = "The commercial registration certificate has expired."
    result = idp("offices", "reject", office_id, "--admin", admin["id"], "--reason", reason)

    assert result.exit_code == 0, result.output
    assert _representative(app)["status"] == "disabled"
    assert _representative(app)["roles"] == []
    outbox.deliver()
    email, = outbox.emails
    assert email.to == REP_EMAIL and "was not approved" in email.subject
    assert reason in email.body
    sms, = outbox.sms
    assert reason in sms.text
    assert _audited(app, "office:rejected")[0]["office_id"] == office_id
    assert flows.login(REP_EMAIL, PASSWORD).status_code == 200  # still refused
    listed = json.loads(idp("offices", "list", "--json").stdout)
    assert listed["status"] == "rejected" and listed["rejection_reason"] == reason
    assert listed["decided_by"] == admin["id"]


def test_fr_ui_001_02_notifications_speak_the_language_of_the_signup(
        app, idp, outbox, admin, client, documents_dir):  # noqa: F811
    office = _apply(client, lang="ar")
    assert idp("offices", "reject", office, "--admin", admin["id"], "--reason",
               "السجل التجاري منتهي الصلاحية").exit_code == 0
    outbox.deliver()
    email, = outbox.emails
    # Not compared whole: CPython's header folding drops the space where it splits a long
    # Arabic subject into two RFC 2047 encoded words (reported to the notify work).
    assert email.subject.startswith("لم تتم الموافقة على طلب")
    assert email.subject.endswith("Saba Express")
    assert "السجل التجاري منتهي الصلاحية" in email.body
    assert outbox.sms[0].text.startswith("لم تتم الموافقة على طلب Saba Express")


@pytest.mark.parametrize("command", ["approve", "reject"])
def test_br_ui_014_only_a_super_admin_decides(app, idp, flows, office_id, command):
    customer = flows.make_user(email="c@example.com", phone="+967771000002",
                               roles=("customer",))
    extra = ["--reason", "No"] if command == "reject" else []
    line = _refused(idp("offices", command, office_id, "--admin", customer["id"], *extra))
    assert line == "error: Only an active super admin may approve or reject offices."
    assert _representative(app)["status"] == "pending"
    assert _audited(app, f"office:{command}d") == []


def test_unknown_office_and_second_decision_are_one_line_errors(idp, admin, office_id):
    assert _refused(idp("offices", "approve", "nope", "--admin", admin["id"])) == (
        "error: There is no office with this id.")
    assert idp("offices", "approve", office_id, "--admin", admin["id"]).exit_code == 0
    assert "decided already: approved" in _refused(
        idp("offices", "reject", office_id, "--admin", admin["id"], "--reason", "Late"))


def test_rejection_needs_a_reason(app, idp, admin, office_id):
    line = _refused(idp("offices", "reject", office_id, "--admin", admin["id"], "--reason",
                        "  "))
    assert "reason" in line
    assert _representative(app)["status"] == "pending"
