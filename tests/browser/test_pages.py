"""Every page loads in a real browser without a Streamlit exception, in English and 简体中文."""

from __future__ import annotations

import pytest

from .server import (
    ARTIFACTS,
    CHART,
    MAIN,
    PAGES,
    SIDEBAR,
    SKELETON,
    TAB_TEXT_PREFIX,
    TABBED_PAGES,
    StreamlitServer,
    assert_no_exception,
    choose_language,
    click_tab,
    go_to,
    heading,
    nav_link,
    new_page,
    open_app,
    open_tab,
    screenshot,
    slow_network,
    tab,
    text,
    wait_for_charts,
)

# Without the playwright package the whole module skips (conftest says how to install it).
expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

ERROR_ALERT = "[data-testid='stAlertContentError']"


@pytest.mark.parametrize(
    ("url_path", "name", "title_key", "nav_key"), PAGES, ids=[page[1] for page in PAGES]
)
def test_page_loads_without_exception(visit, url_path, name, title_key, nav_key):
    page = visit(url_path, f"{name}_en")
    expect(heading(page)).to_contain_text(text(title_key))
    for _, _, _, key in PAGES:
        expect(nav_link(page, text(key))).to_be_visible()
    # The sidebar is drawn: language, data in use, model in use.
    expect(page.locator(SIDEBAR)).to_contain_text(text("sidebar.model"))
    # A fresh clone, offline: no page opens on an error.
    assert page.locator(ERROR_ALERT).all_inner_texts() == []


def test_chinese_titles_on_every_page(page, app_server):
    open_app(page, app_server.url)
    choose_language(page, "zh")
    expect(heading(page)).to_contain_text(text("app.title", "zh"))
    for _, _, _, nav_key in PAGES:
        expect(nav_link(page, text(nav_key, "zh"))).to_be_visible()
    expect(page.locator(SIDEBAR)).to_contain_text(text("sidebar.model", "zh"))

    # Visit every page through the navigation (same session, so the language stays).
    for _, name, title_key, nav_key in PAGES[1:] + PAGES[:1]:
        title = text(title_key, "zh")
        go_to(page, text(nav_key, "zh"), title)
        expect(heading(page)).to_contain_text(title)
        expect(nav_link(page, text(nav_key, "zh"))).to_be_visible()
        # Nothing of the English frame is left.
        expect(page.locator(SIDEBAR)).not_to_contain_text(text("sidebar.model", "en"))
        screenshot(page, f"{name}_zh")
        assert_no_exception(page)

    # And back to English.
    choose_language(page, "en")
    expect(heading(page)).to_contain_text(text("app.title", "en"))


@pytest.mark.parametrize("url_path", ["training"])
def test_fresh_server_direct_url_shows_the_app(browser, url_path):
    """A bookmarked page is the first thing a restarted server is asked for (a cold start on
    Community Cloud): it must still come with app.py's frame (sidebar, navigation), not as a
    bare v1 multipage script with a "pages/" listing."""
    with StreamlitServer(ARTIFACTS / "streamlit-fresh.log") as server:
        page = new_page(browser)
        try:
            open_app(page, server.url, url_path)
            screenshot(page, f"fresh_server_{url_path}")
            assert_no_exception(page)
            sidebar = page.locator(SIDEBAR)
            expect(sidebar.get_by_role("combobox", name=text("sidebar.language"))).to_be_visible()
            for _, _, _, nav_key in PAGES:
                expect(nav_link(page, text(nav_key))).to_be_visible()
            expect(nav_link(page, "app")).to_have_count(0)
        finally:
            page.context.close()


@pytest.mark.parametrize(
    ("url_path", "name", "key", "tabs"), TABBED_PAGES, ids=[page[1] for page in TABBED_PAGES]
)
def test_tabs_open_without_exception_and_draw_their_charts(
    page, app_server, url_path, name, key, tabs
):
    """Dataset and Architecture open on a first tab with no Plotly chart; each other tab runs
    when clicked and draws its charts. The open tab survives a change of language and a visit
    to another page."""
    prefix = TAB_TEXT_PREFIX[key]
    open_app(page, app_server.url, url_path)
    assert wait_for_charts(page) == 0, "the first tab must not load Plotly"
    drawn = {}
    for tab_name in tabs[1:]:
        open_tab(page, text(f"{prefix}{tab_name}"))
        assert_no_exception(page)
        drawn[tab_name] = wait_for_charts(page)
        screenshot(page, f"{name}_{tab_name}_en")
    assert all(drawn.values()), drawn
    choose_language(page, "zh")
    expect(tab(page, text(f"{prefix}{tabs[-1]}", "zh"))).to_have_attribute("aria-selected", "true")
    assert wait_for_charts(page) == drawn[tabs[-1]]
    assert_no_exception(page)
    go_to(page, text("nav.home", "zh"), text("app.title", "zh"))
    go_to(page, text(f"nav.{name}", "zh"), text(f"nav.{name}", "zh"))
    expect(tab(page, text(f"{prefix}{tabs[-1]}", "zh"))).to_have_attribute("aria-selected", "true")
    open_tab(page, text(f"{prefix}{tabs[0]}", "zh"))
    assert wait_for_charts(page) == 0
    assert_no_exception(page)


def test_charts_arrive_on_a_slow_network(page, app_server):
    """On bad Wi-Fi the first tab with charts shows placeholders while Plotly (4.7 MB) loads,
    then draws its charts; nothing fails in between."""
    open_app(page, app_server.url, "dataset")
    slow_network(page, 1_000_000)  # 1 MB/s: Plotly takes ~5 s
    click_tab(page, text("dataset.tab_digit"))
    assert page.locator(f"{MAIN} {SKELETON}").count() > 0, "expected placeholders while loading"
    assert page.locator(f"{MAIN} {CHART}").count() == 0
    assert wait_for_charts(page) == 2  # the digit as an image and as numbers
    assert_no_exception(page)


DEPLOY_BUTTON = "[data-testid='stAppDeployButton']"
MAIN_MENU_BUTTON = "[data-testid='stMainMenu'] button"
MENU_ITEM_LABEL = "[data-testid='stMainMenuItemLabel']"


def test_students_see_no_deploy_button_and_no_developer_options(page, app_server):
    """`client.toolbarMode = "viewer"` (.streamlit/config.toml). The server is on 127.0.0.1,
    where the default ("auto") shows the Deploy button and the developer's menu items."""
    open_app(page, app_server.url)
    menu = page.locator(MAIN_MENU_BUTTON)
    expect(menu).to_be_visible()  # the toolbar is drawn, and keeps the viewer's menu
    assert page.locator(DEPLOY_BUTTON).count() == 0
    menu.click()
    labels = page.locator(MENU_ITEM_LABEL)
    expect(labels.first).to_be_visible()
    items = [label.strip() for label in labels.all_inner_texts()]
    assert "Print" in items, items
    assert not {"Rerun", "Clear cache", "Deploy"} & set(items), items
    page.keyboard.press("Escape")
