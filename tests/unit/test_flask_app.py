"""idp.flask_app: what it leaves out must not change what Flask answers."""

from idp.flask_app import _SYNC_CACHE_SIZE
from idp.flask_app import IdpFlask


def _app():
    app = IdpFlask("probe")
    app.secret_key = "s" * 32

    @app.post("/remember")
    def remember():
        from flask import session

        session["seen"] = "yes"
        return "ok"

    @app.get("/read")
    def read():
        from flask import session

        return session.get("seen", "empty")

    return app


def test_request_without_session_cookie_gets_an_empty_session_and_a_cookie_still_reads():
    client = _app().test_client()
    assert client.get("/read").text == "empty"
    assert client.post("/remember").status_code == 200
    assert client.get("/read").text == "yes"  # the signed cookie is read as before
    client.set_cookie("session", "forged.value.sig")
    assert client.get("/read").text == "empty"  # and a bad signature is still refused


def test_no_secret_key_keeps_flasks_null_session():
    app = _app()
    app.secret_key = None
    assert app.test_client().get("/read").text == "empty"  # NullSession reads as empty


def test_ensure_sync_answers_as_flask_and_stops_remembering_at_its_bound():
    app = _app()

    def view():
        return "x"

    assert app.ensure_sync(view) is view
    assert app._sync[view] is view
    for n in range(_SYNC_CACHE_SIZE + 10):
        def another(n=n):
            return n
        assert app.ensure_sync(another) is another
    assert len(app._sync) == _SYNC_CACHE_SIZE
