"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Never a browser download: the browser is /usr/bin/chromium, which `.ci/run` installs with apt
when it is missing. Without it the tests marked `browser` are skipped with a notice.

Helpers every browser test uses:
- `page`: a fresh context and page; every request it makes is recorded, requests to any other
  origin than the live server's are aborted (this machine has no network, and our pages must
  not need one), and `assert_same_origin(page)` fails the test on any of them.
- `assert_accessible(page)`: axe-core on the current page; no "serious" or "critical"
  violation.
"""

import os
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying Google's hosts, which this
# machine's closed network refuses (see the machine notes); --headless because there is no screen.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = ("serious", "critical")
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(
                reason=f"NOTICE: needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)"))


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Not per session: while Playwright's sync API is started,
    this thread counts as running an asyncio loop, and Django refuses ORM calls there. So for
    the browser's lifetime only, the ORM calls of the tests themselves (fixtures, assertions;
    nothing here is async) are allowed, and the tests of other modules never see the loop."""
    # Imported here so that collecting the suite works without the package too.
    from playwright.sync_api import sync_playwright

    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            # `launch` starts Chromium with a new, empty --user-data-dir of Playwright's own (a
            # temporary directory, removed on close); it refuses that flag in `args`. One
            # browser, one context per persona.
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


class RequestLog:
    """Every request a page made, and the ones that tried to leave the live server's origin."""

    def __init__(self, origin: str):
        self.origin = origin
        self.urls: list[str] = []
        self.foreign: list[str] = []

    def allows(self, url: str) -> bool:
        scheme = urlsplit(url).scheme
        if scheme in ("data", "blob", "about"):
            return True
        return _origin(url) == self.origin


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def new_page(browser, live_server):
    """A factory of pages, one browser context each (one per persona in a multi-person test).
    Every page's requests are logged; foreign ones are aborted and fail the test at the end."""
    contexts = []
    log = RequestLog(_origin(live_server.url))

    def route(route):
        url = route.request.url
        log.urls.append(url)
        if log.allows(url):
            route.continue_()
        else:
            log.foreign.append(url)
            route.abort()

    def make(**context_options):
        context = browser.new_context(base_url=live_server.url, locale="de-DE", **context_options)
        context.set_default_timeout(10_000)
        context.route("**/*", route)
        contexts.append(context)
        page = context.new_page()
        page.request_log = log
        return page

    yield make
    for context in contexts:
        context.close()
    assert not log.foreign, f"requests left {log.origin}: {log.foreign}"


@pytest.fixture
def page(new_page):
    return new_page()


def assert_same_origin(page) -> None:
    log: RequestLog = page.request_log
    assert log.urls, "the page made no request at all"
    assert not log.foreign, f"requests left {log.origin}: {log.foreign}"


def assert_accessible(page, *, context: str = "") -> None:
    """axe-core on the current page: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    lines = []
    for violation in blocking:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
        lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}")
    where = context or page.url
    assert not blocking, f"axe found {len(blocking)} serious/critical violation(s) on {where}:\n" + "\n".join(lines)
