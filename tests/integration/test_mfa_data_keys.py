"""`idp keys rotate-data-key` (NFR-UI-002-02): every encrypted value, TOTP secrets included,
is re-encrypted under the newest data key, after which the old key can go."""

import base64

from idp.extensions import db
from tests.integration import mfa_steps
from tests.integration.mfa_steps import code
from tests.integration.mfa_steps import enrol_totp
from tests.integration.mfa_steps import second_step

NEW_KEY = "k2:" + base64.b64encode(b"n" * 32).decode()


def stored(app, sql):
    import sqlalchemy as sa

    with app.app_context():
        return [row[0] for row in db.session.execute(sa.text(sql)) if row[0]]


def test_nfr_ui_002_02_rotate_data_key_reencrypts_everything(app, make_app, flows, client, user,
                                                            outbox, clock):
    flows.login(user["email"])
    secret = enrol_totp(client)["secret"]
    mfa_steps.logout(client)
    clock.tick(60)
    old_keys = app.config["IDP_DATA_KEYS"]
    rotated = make_app(IDP_DATA_KEYS=[NEW_KEY, *old_keys])
    try:
        check_rotation(app, make_app, rotated, user, secret)
    finally:
        # The suite's signing key outlives the test: put it back under the suite's key.
        make_app(IDP_DATA_KEYS=[*old_keys, NEW_KEY]).test_cli_runner().invoke(
            args=["keys", "rotate-data-key"])


def check_rotation(app, make_app, rotated, user, secret):
    result = rotated.test_cli_runner().invoke(args=["keys", "rotate-data-key"])
    assert result.exit_code == 0, result.output
    assert "mfa_methods.secret_encrypted: 1 re-encrypted" in result.output
    for sql in ("SELECT secret_encrypted FROM mfa_methods", "SELECT phone_encrypted FROM users",
                "SELECT private_key_encrypted FROM signing_keys"):
        values = stored(app, sql)
        assert values and all(v.startswith("k2.") for v in values), sql
    # Only the new key left: the TOTP still works.
    only_new = make_app(IDP_DATA_KEYS=[NEW_KEY])
    other = only_new.test_client()
    from tests.flows import Flows

    Flows(only_new, other).login(user["email"])
    assert second_step(other, code(secret)).status_code == 302
    again = rotated.test_cli_runner().invoke(args=["keys", "rotate-data-key"])
    assert "mfa_methods.secret_encrypted: 0 re-encrypted" in again.output


def test_rotate_data_key_refuses_data_under_a_dropped_key(make_app, flows, user):
    result = make_app(IDP_DATA_KEYS=[NEW_KEY]).test_cli_runner().invoke(
        args=["keys", "rotate-data-key"])
    assert result.exit_code == 2
