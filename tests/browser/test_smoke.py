"""The browser infrastructure proven on the public pages: they load in Chromium from the live
server, are accessible (axe-core: nothing serious or critical) and fetch nothing from
elsewhere (fonts, scripts and styles are all ours)."""

import pytest

from .conftest import assert_accessible, assert_same_origin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("path", ["/", "/mitmachen/", "/hilfe-suchen/", "/accounts/signup/"],
                         ids=["home", "signup-teen", "signup-provider", "signup"])
def test_a_public_page_is_accessible_and_loads_nothing_from_elsewhere(page, exchange, path):
    response = page.goto(path)
    assert response is not None and response.status == 200
    assert page.locator("h1").first.is_visible()
    assert_accessible(page)
    assert_same_origin(page)


def test_the_home_page_leads_a_teen_to_the_sign_up_form(page, exchange):
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Ich möchte helfen").click()
    page.wait_for_url("**/mitmachen/")
    assert page.get_by_label("E-Mail").first.is_visible()
    assert_accessible(page, context="teen sign-up reached from the home page")
    assert_same_origin(page)


def test_a_request_to_another_origin_is_caught(page, exchange):
    """The guard itself: a page that asks another host for something is reported."""
    page.goto("/")
    page.evaluate("() => fetch('http://example.invalid/tracker.js').catch(() => null)")
    assert page.request_log.foreign == ["http://example.invalid/tracker.js"]
    page.request_log.foreign.clear()  # handled: the fixture's final check must not fail
