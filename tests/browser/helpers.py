"""Small helpers for browser tests that walk through several pages as one person.

Playwright is imported inside the functions, like in conftest.py, so that collecting the suite
works without the package too.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.utils import timezone

from tests.factories import PASSWORD

from .conftest import assert_accessible

LOGIN_PATH = "/accounts/login/"


def expect(target, message: str | None = None):
    """Playwright's `expect` (waits until the assertion holds), with an optional message."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target, message)


def a_saturday_ahead(*, state: str = "NW", weeks: int = 1) -> date:
    """A Saturday at least `weeks` weeks ahead that is no public holiday in `state` and not
    24 or 31 December (days the engine may treat specially): no school, and a 16-year-old may
    help on a Saturday morning."""
    import holidays

    today = timezone.localdate()
    day = today + timedelta(days=(5 - today.weekday()) % 7 or 7, weeks=weeks - 1)
    while day in holidays.country_holidays("DE", subdiv=state, years=day.year) or (day.month, day.day) in (
            (12, 24), (12, 31)):
        day += timedelta(weeks=1)
    return day


def at(path: str) -> re.Pattern:
    """A URL with this path, whatever its query or fragment (e.g. "#helfer" after a redirect)."""
    return re.compile(re.escape(path) + r"([?#].*)?$")


def follow(page, locator, *, url: str | re.Pattern | None = None) -> None:
    """Click `locator` (a link or a submit button) and wait until the next page has loaded
    (also when it is the same address again, e.g. after a POST that redirects back)."""
    expect(locator).to_be_visible()
    with page.expect_navigation(url=url or "**", wait_until="load"):
        locator.click()


def log_in(page, email: str, *, who: str, password: str = PASSWORD) -> None:
    """allauth's login page with e-mail and password; checks the page itself too."""
    page.goto(LOGIN_PATH)
    assert_accessible(page, context=f"{who}: login page")
    main = page.get_by_role("main")
    main.get_by_label("E-Mail").fill(email)
    main.get_by_label("Passwort").fill(password)
    # allauth's German says "Anmeldung" on the button; "Anmelden" would do as well.
    follow(page, main.get_by_role("button", name=re.compile(r"^Anmeld")),
           url=lambda url: LOGIN_PATH not in url)


def see_message(page, text: str | re.Pattern) -> None:
    """The success (or info) message shown after a redirect."""
    expect(page.locator(".messages").get_by_text(text)).to_be_visible()
