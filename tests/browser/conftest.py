"""Browser fixtures: one app server for the session, headless Chromium, a fresh page per test.

Every test here is skipped, with the command that installs it, where Debian's Chromium or the
`playwright` package is missing; with `CNN_LAB_REQUIRE_BROWSER=1` (set by `.ci/run`) each
fails instead, so CI never passes without having driven a browser. Screenshots land in
test-artifacts/screenshots/ (gitignored): one per page visit (`visit`) and one of the page when
a test fails.
"""

from __future__ import annotations

import os
import re

import pytest

from .server import (
    INSTALL_HINT,
    SCREENSHOTS,
    StreamlitServer,
    assert_no_exception,
    chromium_path,
    launch_chromium,
    new_page,
    open_app,
    screenshot,
    warm_up,
)


def _missing(reason: str) -> None:
    if os.environ.get("CNN_LAB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CNN_LAB_REQUIRE_BROWSER=1 but the browser tests cannot run: {reason}")
    pytest.skip(reason)


def _require_browser() -> str:
    executable = chromium_path()
    if executable is None:
        _missing(INSTALL_HINT)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("install the playwright package: pip install -r requirements-dev.txt")
    return executable


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def app_server(browser):
    """`streamlit run app.py` on a free port of 127.0.0.1, offline, stopped at the end.

    Its Home page is opened once first (see `warm_up`): `test_fresh_server_direct_url`
    checks, on a server of its own, what a first visitor to another page's URL sees.
    """
    with StreamlitServer() as server:
        warm_up(browser, server.url)
        yield server


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, with a fresh temporary profile."""
    executable = _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright, executable)
        yield chromium
        chromium.close()


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:120]


@pytest.fixture
def page(browser, request):
    """A page in a fresh browser context (its own Streamlit session); a screenshot on failure."""
    tab = new_page(browser)
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        try:
            screenshot(tab, f"FAILED_{_safe_name(request.node.name)}", SCREENSHOTS)
        except Exception as error:  # the page may be gone; the test's own error matters more
            print(f"no failure screenshot: {error}")
    tab.context.close()


@pytest.fixture
def visit(page, app_server):
    """`visit(url_path, name)`: open a page of the app by URL, wait for its run, check it shows
    no Streamlit exception, and save test-artifacts/screenshots/<name>.png."""

    def go(url_path: str = "", name: str | None = None):
        open_app(page, app_server.url, url_path)
        screenshot(page, name or (url_path or "home"))
        assert_no_exception(page)
        return page

    return go
