"""The class board in a real browser: a digit drawn on Predict and added shows on the Class page,
and two app servers on one PostgreSQL database see each other's digits.

The shared app server has a fresh SQLite board of its own (`StreamlitServer`); the two-server
test needs a PostgreSQL server named by CNN_LAB_TEST_POSTGRES_URL (`.ci/run` starts one): it is
skipped when that is unset, but fails when CI is set. It works in a fresh schema, dropped at the
end, under a random class code.
"""

from __future__ import annotations

import re
import uuid
from contextlib import ExitStack, contextmanager

import pytest
from databases import postgres_admin, postgres_schema_url  # noqa: F401 (fixtures)

from .server import (
    ARTIFACTS,
    MAIN,
    RUN_TIMEOUT_MS,
    StreamlitServer,
    assert_no_exception,
    choose_language,
    draw,
    go_to,
    metric,
    new_page,
    open_app,
    read_prediction,
    screenshot,
    text,
    wait_for_idle,
    warm_up,
)
from .test_predict_drawing import DIGITS

# Without the playwright package the whole module skips (conftest says how to install it).
expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]

CLASS_DIGITS_LABEL = re.compile(
    "^" + re.escape(text("class.shipped_on_class", count=999)).replace("999", r"(\d+)") + "$"
)


def join_class(page, nickname: str, class_code: str | None = None) -> None:
    """On the Class page: type a nickname (and the class code), press Join, wait until joined."""
    page.locator(".st-key-class_nickname input").fill(nickname)
    if class_code is not None:
        page.locator(".st-key-class_code input").fill(class_code)
    page.locator(f"{MAIN} [data-testid='stFormSubmitButton'] button").click()
    joined = page.locator(MAIN).get_by_text(re.compile(re.escape(nickname)))
    expect(page.locator(".st-key-class_leave")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(joined.first).to_be_visible()
    wait_for_idle(page)
    assert_no_exception(page)


def class_digit_count(page) -> int:
    """How many digits the Class page says the class has (0 while it shows none)."""
    labels = page.locator(f"{MAIN} [data-testid='stMetricLabel']").all_inner_texts()
    for label in labels:
        found = CLASS_DIGITS_LABEL.match(label.strip())
        if found:
            return int(found.group(1))
    expect(page.locator(MAIN).get_by_text(text("class.no_digits"))).to_be_visible()
    return 0


def expect_class_digits(page, count: int, label: int) -> None:
    """The Class page shows `count` digits, and the grid row of `label` as an image."""
    expect(metric(page, text("class.shipped_on_class", count=count))).to_be_visible(
        timeout=RUN_TIMEOUT_MS
    )
    image = page.locator(f"{MAIN} [data-testid='stImage']").filter(
        has_text=text("class.label_row", label=label)
    )
    expect(image.first).to_be_visible()
    expect(image.first.locator("img")).to_be_visible()
    assert_no_exception(page)


def added_message(page, label: int):
    return page.locator(
        f"{MAIN} [data-testid='stAlert']", has_text=text("class.added", label=label)
    )


def test_drawn_digit_added_shows_on_class_page(page, app_server):
    open_app(page, app_server.url, "classroom")
    assert_no_exception(page)
    join_class(page, "Ada")
    before = class_digit_count(page)

    go_to(page, text("nav.predict"), text("nav.predict"))
    expected, strokes = DIGITS["seven_large_centre"]
    draw(page, strokes)
    predicted = read_prediction(page)
    assert predicted == expected, f"drew a {expected}, the app read {predicted}"
    page.locator(".st-key-predict_drawing_add button").click()
    expect(added_message(page, expected)).to_be_visible(timeout=RUN_TIMEOUT_MS)
    wait_for_idle(page)
    screenshot(page, "class_digit_added")
    assert_no_exception(page)

    go_to(page, text("nav.classroom"), text("nav.classroom"))
    expect_class_digits(page, before + 1, expected)
    screenshot(page, "class_digit_on_class_page")


@contextmanager
def session_page(browser, name: str):
    """A page in a fresh browser context, closed on exit; a screenshot if the test fails."""
    tab = new_page(browser)
    try:
        yield tab
    except BaseException:
        try:
            screenshot(tab, f"FAILED_{name}")
        except Exception as error:  # the page may be gone; the test's own error matters more
            print(f"no failure screenshot: {error}")
        raise
    finally:
        tab.context.close()


def test_two_servers_share_one_postgresql_board(browser, postgres_schema_url):  # noqa: F811
    import classroom

    code = f"ROOM-{uuid.uuid4().hex[:6].upper()}"
    env = {"CNN_LAB_DATABASE_URL": postgres_schema_url, "CNN_LAB_CLASS_CODE": code}
    with ExitStack() as stack:
        servers = [
            stack.enter_context(
                StreamlitServer(ARTIFACTS / f"streamlit-class-{name}.log", extra_env=env)
            )
            for name in ("a", "b")
        ]
        assert servers[0].port != servers[1].port
        for server in servers:
            warm_up(browser, server.url)
        writer = stack.enter_context(session_page(browser, "class_two_servers_writer"))
        reader = stack.enter_context(session_page(browser, "class_two_servers_reader"))

        # Server B's Class page first: joined, and the class has no digit yet.
        open_app(reader, servers[1].url, "classroom")
        join_class(reader, "Bea", code.lower())  # codes are compared case-insensitively
        assert class_digit_count(reader) == 0

        # Server A: join, pick a test digit on Predict and add it.
        open_app(writer, servers[0].url, "classroom")
        join_class(writer, "Ada", code)
        go_to(writer, text("nav.predict"), text("nav.predict"))
        writer.locator(".st-key-predict_random button").click()
        wait_for_idle(writer)
        # The label box shows the test digit's true label (the model may read it otherwise):
        # the digit is added as that, and the message says which.
        writer.locator(".st-key-predict_sample_add button").click()
        pattern = re.escape(text("class.added", label=0)).replace("0", r"(\d)", 1)
        added = writer.locator(f"{MAIN} [data-testid='stAlert']", has_text=re.compile(pattern))
        expect(added).to_be_visible(timeout=RUN_TIMEOUT_MS)
        label = int(re.search(pattern, added.inner_text()).group(1))
        wait_for_idle(writer)
        assert_no_exception(writer)

        # Server B: a fresh run of its Class page reads the digit from the shared database.
        go_to(reader, text("nav.predict"), text("nav.predict"))
        go_to(reader, text("nav.classroom"), text("nav.classroom"))
        expect_class_digits(reader, 1, label)
        screenshot(reader, "class_two_servers_reader")

    board = classroom.open_board(postgres_schema_url, class_code=code, expected_code=code)
    assert board.digit_counts() == {d: int(d == label) for d in range(10)}
    assert [digit.nickname for digit in board.list_digits()] == ["Ada"]


def test_a_reload_keeps_the_student_the_class_and_the_language(browser, app_server):
    """Join in Chinese, reload (F5): still Ada, still in Chinese; the link holds the token,
    never a password. Another browser cannot join as Ada."""
    from ui.i18n import translate

    with session_page(browser, "class_reload") as tab:
        open_app(tab, app_server.url, "classroom")
        choose_language(tab, "zh")
        nickname = f"Ada{uuid.uuid4().hex[:4]}"
        join_class(tab, nickname)
        tab.wait_for_function("() => window.location.search.includes('student=')")
        link = tab.url
        assert "student=" in link and "lang=zh" in link, link
        tab.reload(wait_until="domcontentloaded")
        tab.locator(f"{MAIN} h1", has_text=translate("nav.classroom", "zh")).first.wait_for(
            timeout=RUN_TIMEOUT_MS
        )
        wait_for_idle(tab)
        expect(tab.locator(".st-key-class_leave")).to_be_visible(timeout=RUN_TIMEOUT_MS)
        expect(tab.locator(MAIN).get_by_text(re.compile(re.escape(nickname))).first).to_be_visible()
        assert_no_exception(tab)
        screenshot(tab, "class_after_reload")

    with session_page(browser, "class_nickname_taken") as other:
        open_app(other, app_server.url, "classroom")
        other.locator(".st-key-class_nickname input").fill(nickname)
        other.locator(f"{MAIN} [data-testid='stFormSubmitButton'] button").click()
        refusal = text("class.error_nickname_taken", nickname=nickname)
        expect(other.locator(MAIN).get_by_text(refusal[:40])).to_be_visible(timeout=RUN_TIMEOUT_MS)
        expect(other.locator(".st-key-class_leave")).to_have_count(0)
        assert_no_exception(other)
