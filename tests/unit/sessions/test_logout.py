from idp.sessions.logout import LogoutRequest
from idp.sessions.logout import origin_of


def test_rp_initiated_3_state_is_added_to_the_registered_query():
    request = LogoutRequest(post_logout_redirect_uri="https://rp.example/bye?lang=ar",
                            state="a b&c")
    assert request.redirect_url() == "https://rp.example/bye?lang=ar&state=a+b%26c"


def test_no_redirect_without_a_registered_uri():
    assert LogoutRequest(state="x").redirect_url() is None


def test_hint_matches_by_sid_then_by_sub():
    class Login:
        id, user_id = "sid-1", "user-1"

    assert LogoutRequest(hint={"sid": "sid-1", "sub": "user-1"}).hint_matches(Login)
    assert not LogoutRequest(hint={"sid": "sid-2", "sub": "user-1"}).hint_matches(Login)
    assert LogoutRequest(hint={"sub": "user-1"}).hint_matches(Login)
    assert not LogoutRequest().hint_matches(Login)


def test_origin_of_a_frame():
    assert origin_of("https://rp.example:8443/fc?x=1") == "https://rp.example:8443"
