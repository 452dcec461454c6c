"""OpenID Back-Channel Logout 1.0 and Front-Channel Logout 1.0: every client issued tokens
under a session hears of its end, whatever ended it."""

import pytest

from idp.extensions import db
from tests.flows import csrf_from
from tests.integration.logout_steps import BackchannelReceiver
from tests.integration.logout_steps import make_logout_client
from tests.integration.logout_steps import verify_logout_token


@pytest.fixture
def receiver():
    started = BackchannelReceiver()
    yield started
    started.stop()


def _logout(flows):
    page = flows.client.get("/logout").get_data(as_text=True)
    return flows.client.post("/logout", data={"csrf_token": csrf_from(page)})


def test_backchannel_2_4_logout_token_is_signed_and_posted_to_the_registered_uri(
        flows, user, receiver, outbox):
    rp = make_logout_client(flows.app, backchannel_logout_uri=receiver.url)
    tokens = flows.tokens_for(rp, user, scope="openid offline_access")
    sid = flows.verify(tokens["id_token"], audience=rp["client_id"])["sid"]

    _logout(flows)
    outbox.deliver()

    [post] = receiver.wait_for(1)
    assert post.headers["Content-Type"] == "application/x-www-form-urlencoded"
    claims = verify_logout_token(flows, post.form["logout_token"], audience=rp["client_id"])
    assert claims["sid"] == sid
    assert claims["sub"] == user["id"]
    assert claims["exp"] - claims["iat"] == flows.app.config["IDP_LOGOUT_TOKEN_SECONDS"]
    # and the refresh token issued under the session no longer works
    assert flows.refresh(rp, tokens["refresh_token"]).status_code == 400


def test_backchannel_2_7_only_clients_of_the_ended_session_are_told(flows, user, receiver,
                                                                     outbox):
    used = make_logout_client(flows.app, backchannel_logout_uri=receiver.url)
    other_receiver = BackchannelReceiver()
    try:
        make_logout_client(flows.app, name="Not used", backchannel_logout_uri=other_receiver.url)
        flows.tokens_for(used, user, scope="openid")
        _logout(flows)
        outbox.deliver()
        assert len(receiver.wait_for(1)) == 1
        assert other_receiver.requests == []
    finally:
        other_receiver.stop()


def test_backchannel_is_retried_with_backoff_and_a_fresh_token(flows, user, outbox, clock):
    failing = BackchannelReceiver(statuses=(500, 503))
    try:
        rp = make_logout_client(flows.app, backchannel_logout_uri=failing.url)
        flows.tokens_for(rp, user, scope="openid")
        _logout(flows)
        outbox.deliver()
        assert len(failing.wait_for(1)) == 1
        outbox.deliver()  # not due yet
        assert len(failing.requests) == 1
        clock.tick(flows.app.config["IDP_NOTIFY_RETRY_SECONDS"] + 1)
        outbox.deliver()
        clock.tick(2 * flows.app.config["IDP_NOTIFY_RETRY_SECONDS"] + 1)
        outbox.deliver()
        posts = failing.wait_for(3)
        assert [p.status for p in posts] == [500, 503, 200]
        first, last = (verify_logout_token(flows, p.form["logout_token"],
                                           audience=rp["client_id"]) for p in (posts[0],
                                                                               posts[2]))
        assert last["iat"] > first["iat"]  # signed again at each attempt
        assert last["jti"] == first["jti"]  # the same logout event
        with flows.app.app_context():
            from idp.notify.models import OutboxMessage

            message = db.session.scalar(db.select(OutboxMessage))
            assert (message.channel, message.status, message.attempts) == ("http", "sent", 3)
    finally:
        failing.stop()


def test_backchannel_is_sent_when_the_session_ends_from_another_device(flows, user, receiver,
                                                                         outbox, app):
    rp = make_logout_client(flows.app, backchannel_logout_uri=receiver.url)
    flows.tokens_for(rp, user, scope="openid")
    from tests.flows import Flows

    laptop = Flows(app, app.test_client())
    laptop.login(user["email"])
    page = laptop.client.get("/account/sessions").get_data(as_text=True)
    response = laptop.client.post("/account/sessions/end-others",
                                  data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    outbox.deliver()
    [post] = receiver.wait_for(1)
    verify_logout_token(flows, post.form["logout_token"], audience=rp["client_id"])


def test_backchannel_is_sent_when_the_idle_sweep_ends_the_session(flows, user, receiver,
                                                                    outbox, clock, idp):
    rp = make_logout_client(flows.app, backchannel_logout_uri=receiver.url)
    flows.tokens_for(rp, user, scope="openid")
    clock.tick(flows.app.config["IDP_SESSION_IDLE_SECONDS"] + 1)
    result = idp("sessions", "sweep")
    assert result.exit_code == 0, result.output
    assert "1 session(s) ended" in result.output
    outbox.deliver()
    assert len(receiver.wait_for(1)) == 1


# --- Front-Channel Logout 1.0 ---


def test_frontchannel_3_signed_out_page_frames_the_clients_logout_uri(flows, user):
    rp = make_logout_client(flows.app,
                            frontchannel_logout_uri="https://booking.example/fc?app=web")
    tokens = flows.tokens_for(rp, user, scope="openid")
    sid = flows.verify(tokens["id_token"], audience=rp["client_id"])["sid"]
    response = _logout(flows)
    page = response.get_data(as_text=True)
    assert (f'<iframe src="https://booking.example/fc?app=web&amp;iss=http%3A%2F%2Flocalhost'
            f'&amp;sid={sid}"') in page
    csp = response.headers["Content-Security-Policy"]
    assert "frame-src https://booking.example" in csp
    assert "frame-ancestors 'none'" in csp


def test_frontchannel_other_pages_allow_no_frames(flows, user):
    response = flows.client.get("/login")
    assert "frame-src" not in response.headers["Content-Security-Policy"]
