"""A hosted page acting on data checks permission first (BR-UI-012), in a real browser, in
Arabic and in English: an account denied ``account:update`` signs in, its home page still
shows (``account:read``), and the profile page answers the translated 403 page. Screenshots go
to test-artifacts/screenshots/rbac-refused-*.png."""

import pytest

from tests.browser.journey import BROWSER_TEST
from tests.browser.journey import check_page
from tests.browser.journey import log_in

pytestmark = BROWSER_TEST

REFUSED = {"ar": "غير مسموح لك بالقيام بهذا.", "en": "You are not allowed to do this."}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_br_ui_012_profile_page_refused_without_permission(new_page, live_server, lang):
    from idp.accounts.services import get_user
    from idp.extensions import db
    from idp.rbac.services import deny_permission

    user = live_server.flows.make_user(phone="+967771234567", roles=("customer",))
    with live_server.app.app_context():
        deny_permission(get_user(user["id"]), "account:update")
        db.session.commit()
    page = new_page(lang)
    page.goto("/account/profile")
    log_in(page, user["email"])
    response = page.goto("/account/profile")
    assert response.status == 403
    assert REFUSED[lang] in page.inner_text("main")
    assert "forbidden" in page.inner_text("main")  # the error code
    check_page(page, "rbac-refused", lang)
    assert page.goto("/").status == 200
