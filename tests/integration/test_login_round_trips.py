"""How many SQL statements a complete password login sends (issue 2's login target, NFR-UI-001:
the rate of logins is argon2id's plus everything else, and everything else is mostly round
trips to the database). A returning browser: its device signed in before and its previous
session on that device is ended by the new login (FR-UI-005-03), the costliest common case.

The counts are of statements, not times: they change only when the code does."""

import sqlalchemy as sa

from idp.extensions import db
from tests.flows import csrf_from


def _statements(app):
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.split(None, 3)[:3])

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    return seen, lambda: sa.event.remove(engine, "before_cursor_execute", note)


def _returning_browser_login(app, flows, user):
    assert flows.login(user["email"]).status_code == 302  # the device becomes known
    flows.client.delete_cookie("idp_session")  # the browser lost its session cookie
    page = flows.client.get("/login").get_data(as_text=True)
    seen, stop = _statements(app)
    try:
        response = flows.client.post("/login", data={
            "csrf_token": csrf_from(page), "identifier": user["email"],
            "password": "Seat-booking-42!", "next": ""})
    finally:
        stop()
    assert response.status_code == 302
    return seen


def test_a_password_login_sends_eight_statements_besides_the_lockout(app, flows, user):
    """The account, its devices and network (one SELECT), the attempt, its factors and roles
    (one SELECT), the previous session ended (one UPDATE … RETURNING) and its tokens, the
    new session, the audit rows (one INSERT). With Redis the lockout is there; without it,
    its rows are in the database, and not counted here."""
    seen = _returning_browser_login(app, flows, user)

    besides_lockout = [s for s in seen if "lockout_states" not in " ".join(s)]
    assert [s[0] for s in besides_lockout] == [
        "SELECT", "SELECT", "INSERT", "SELECT", "UPDATE", "SELECT", "INSERT", "INSERT"]
    assert [s for s in besides_lockout if s[0] == "INSERT"] == [
        ["INSERT", "INTO", "login_attempts"], ["INSERT", "INTO", "sessions"],
        ["INSERT", "INTO", "activity_log"]]


def test_the_totp_step_sends_nine_statements_besides_the_lockout(app, flows, user):
    """FR-UI-002-03, issue 4's TOTP target: the second request of a TOTP login. The half-done
    login and its account, the factor rows (no separate count of recovery codes when a code
    comes from the app), the device, the step moved, the half-done login finished, then the
    session as for a password login (here no previous one on the device: the browser logged
    out)."""
    from tests.integration.mfa_steps import code
    from tests.integration.mfa_steps import enrol_totp
    from tests.integration.mfa_steps import logout

    assert flows.login(user["email"]).status_code == 302
    secret = enrol_totp(flows.client)["secret"]
    logout(flows.client)
    assert flows.login(user["email"]).headers["Location"].endswith("/login/verify")
    page = flows.client.get("/login/verify").get_data(as_text=True)
    seen, stop = _statements(app)
    try:
        response = flows.client.post("/login/verify", data={
            "csrf_token": csrf_from(page), "code": code(secret, 1), "method": "totp"})
    finally:
        stop()
    assert response.status_code == 302

    besides_lockout = [s for s in seen if "lockout_states" not in " ".join(s)]
    assert [" ".join(s[:2]) if s[0] == "UPDATE" else s[0] for s in besides_lockout] == [
        "SELECT", "SELECT", "SELECT", "SELECT", "UPDATE mfa_methods",
        "UPDATE mfa_pending_logins", "UPDATE sessions", "INSERT", "INSERT"]
    assert [s for s in besides_lockout if s[0] == "INSERT"] == [
        ["INSERT", "INTO", "sessions"], ["INSERT", "INTO", "activity_log"]]
