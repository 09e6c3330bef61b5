"""The Lesson page in a real browser, for a class: a student on one app server answers three
steps' checks (one wrong try first), and the teacher's live view on another server, on the
same PostgreSQL board, shows that student with those steps solved and the tries counted.

The two servers share one database (`postgres_schema_url`, from tests/databases.py:
skipped without CNN_LAB_TEST_POSTGRES_URL, a failure when CI is set). The answers are computed
from `cnn.lesson` for the student's own variant (the seed of class code and nickname), never
typed in; the teacher's view is read as it renders: the grid's accessible table (Glide draws
the cells on a canvas, and keeps an ARIA table of the visible ones) and the CSV it offers.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from contextlib import ExitStack

import pytest
from databases import postgres_admin, postgres_schema_url  # noqa: F401 (fixtures)

from .server import (
    ARTIFACTS,
    MAIN,
    RUN_TIMEOUT_MS,
    StreamlitServer,
    assert_no_exception,
    draw,
    go_to,
    metric,
    open_app,
    screenshot,
    text,
    wait_for_idle,
    warm_up,
)
from .test_classroom_browser import join_class, session_page

# Without the playwright package the whole module skips (conftest says how to install it).
expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]

TEACHER_PASSWORD = "lesson-teacher-pw-7"
STUDENT = "Ada"
# The steps the student answers, in this order, and how many wrong tries come before the
# right answer. The last one answered is a step whose column the teacher's grid shows without
# scrolling: once it reads "✓" there, the board already held every answer.
ANSWERS = (("testing", 0), ("local", 0), ("data", 1))
GRID_STEPS = ("local", "data", "convolution")  # the grid's first step columns, on screen


def lesson_checks(class_code: str, nickname: str) -> dict:
    """The student's own check of every step, as the app draws them (`cnn.lesson`)."""
    from classroom import validation
    from cnn import lesson

    board = validation.class_code(class_code, class_code)  # the board key, as joining keeps it
    seed = lesson.student_seed(f"{board}/{nickname}")
    return {step: lesson.check_for(step, seed) for step in lesson.STEPS}


def step_number(step: str) -> int:
    from cnn import lesson

    return lesson.STEPS.index(step) + 1


def step_heading(step: str) -> str:
    from cnn import lesson

    return text(
        "lesson.step_label",
        number=step_number(step),
        total=len(lesson.STEPS),
        title=text(f"lesson.{step}_title"),
    )


def lesson_form(page, step: str):
    """The check form of `step`, found by its answer widget's key (not by its position: the
    step's live example above it may hold widgets of its own)."""
    return page.locator(f"{MAIN} [data-testid='stForm']").filter(
        has=page.locator(f".st-key-lesson_answer_{step}")
    )


def lesson_alert(page, key: str, **values):
    return page.locator(f"{MAIN} [data-testid='stAlert']", has_text=text(key, **values))


def open_step(page, step: str) -> None:
    """Pick `step` in the step picker and wait for its heading and its check."""
    picker = page.locator(".st-key-lesson_step_picker")
    picker.get_by_role("radio", name=re.compile(f"^{step_number(step)}( ✓)?$")).click()
    expect(page.locator(MAIN).get_by_text(step_heading(step), exact=True)).to_be_visible(
        timeout=RUN_TIMEOUT_MS
    )
    wait_for_idle(page)
    expect(lesson_form(page, step)).to_be_visible()


def answer(page, step: str, given) -> None:
    """Enter `given` (a number, or a choice's name) in the step's form and press Check."""
    form = lesson_form(page, step)
    if isinstance(given, str):
        form.get_by_text(text(f"lesson.choice_{given}"), exact=True).click()
    else:
        form.locator(f".st-key-lesson_answer_{step} input").fill(f"{given:g}")
    form.get_by_role("button", name=text("lesson.check")).click()


def wrong_answer(check):
    """An answer the check rejects: another choice, or a number well outside its tolerance."""
    if check.choices:
        return next(choice for choice in check.choices if choice != check.answer)
    return float(check.answer) + 1 + 2 * check.tolerance


def solve_step(page, step: str, check, wrong_tries: int) -> None:
    """Answer `step`: `wrong_tries` wrong answers (the hint shows), then the right one."""
    open_step(page, step)
    # The student's own variant: the question holds this check's numbers.
    question = text(f"lesson.{step}_question", **check.values)
    expect(page.locator(MAIN).get_by_text(question, exact=True)).to_be_visible()
    expect(lesson_alert(page, "lesson.hint")).to_have_count(0)
    for _ in range(wrong_tries):
        assert not check.is_right(wrong_answer(check))
        answer(page, step, wrong_answer(check))
        expect(lesson_alert(page, "lesson.wrong")).to_be_visible(timeout=RUN_TIMEOUT_MS)
        expect(lesson_alert(page, "lesson.hint")).to_be_visible()
        wait_for_idle(page)
        expect(lesson_alert(page, "lesson.right")).to_have_count(0)
    answer(page, step, check.answer)
    expect(lesson_alert(page, "lesson.right")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    wait_for_idle(page)
    expect(lesson_alert(page, "lesson.hint")).to_have_count(0)
    form = lesson_form(page, step)
    expect(form.get_by_role("button", name=text("lesson.check"))).to_be_disabled()
    assert_no_exception(page)


def unlock_teacher(page, password: str) -> None:
    """Open the Class page's teacher section, type the password, unlock; wait for the live view."""
    section = page.locator(f"{MAIN} [data-testid='stExpander'] summary")
    section.filter(has=page.get_by_text(text("class.teacher_title"), exact=True)).click()
    page.locator(".st-key-class_password input").fill(password)
    page.locator(".st-key-class_unlock button").click()
    expect(page.locator(MAIN).get_by_text(text("class.progress_title"), exact=True)).to_be_visible(
        timeout=RUN_TIMEOUT_MS
    )
    wait_for_idle(page)
    assert_no_exception(page)


def exactly(words: str) -> re.Pattern:
    return re.compile(f"^{re.escape(words)}$")


def progress_grid(page):
    """The live view's students × steps grid (the dataframe whose first column is Student)."""
    return page.locator(f"{MAIN} [data-testid='stDataFrame']").filter(
        has=page.locator("[role='columnheader']", has_text=exactly(text("class.progress_student")))
    )


def grid_cell(page, nickname: str, column: str):
    """The grid's cell of `nickname`'s row under the column headed `column`, in the ARIA table
    Glide keeps of the cells on screen (inside its canvas: found by CSS, not by role, which
    skips what has no layout box)."""
    grid = progress_grid(page)
    header = grid.locator("[role='columnheader']", has_text=exactly(column))
    expect(header).to_have_count(1, timeout=RUN_TIMEOUT_MS)  # the grid shows at a refresh
    index = header.get_attribute("aria-colindex")
    row = grid.locator("[role='row']").filter(
        has=page.locator("[role='gridcell']", has_text=exactly(nickname))
    )
    return row.locator(f"[role='gridcell'][aria-colindex='{index}']")


def download_progress(page) -> list[dict]:
    """The rows of the live view's "Download the progress (.csv)"."""
    with page.expect_download(timeout=RUN_TIMEOUT_MS) as download:
        page.locator(".st-key-class_progress_download button").click()
    data = download.value.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "the CSV starts with a byte-order mark for Excel"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_students_lesson_shows_in_the_teachers_live_view(
    browser,
    postgres_schema_url,  # noqa: F811 (the fixture imported above)
):
    from cnn import lesson

    code = f"ROOM-{uuid.uuid4().hex[:6].upper()}"
    env = {
        "CNN_LAB_DATABASE_URL": postgres_schema_url,
        "CNN_LAB_CLASS_CODE": code,
        "CNN_LAB_TEACHER_PASSWORD": TEACHER_PASSWORD,
    }
    checks = lesson_checks(code, STUDENT)
    with ExitStack() as stack:
        servers = [
            stack.enter_context(
                StreamlitServer(ARTIFACTS / f"streamlit-lesson-{name}.log", extra_env=env)
            )
            for name in ("a", "b")
        ]
        for server in servers:
            warm_up(browser, server.url)
        student = stack.enter_context(session_page(browser, "lesson_student"))
        teacher = stack.enter_context(session_page(browser, "lesson_teacher_view"))

        # Server B: the teacher joins, unlocks the tools; nobody has answered yet.
        open_app(teacher, servers[1].url, "classroom")
        join_class(teacher, "Lee", code)  # teachers join the board too
        unlock_teacher(teacher, TEACHER_PASSWORD)
        expect(teacher.locator(MAIN).get_by_text(text("class.progress_empty"))).to_be_visible()

        # Server A: the student joins the class, then answers three checks on the Lesson page.
        open_app(student, servers[0].url, "classroom")
        join_class(student, STUDENT, code)
        go_to(student, text("nav.lesson"), text("nav.lesson"))
        expect(
            student.locator(MAIN).get_by_text(
                text("lesson.progress", solved=0, total=len(lesson.STEPS))
            )
        ).to_be_visible()
        for step, wrong_tries in ANSWERS:
            solve_step(student, step, checks[step], wrong_tries)
        expect(
            student.locator(MAIN).get_by_text(
                text("lesson.progress", solved=len(ANSWERS), total=len(lesson.STEPS))
            )
        ).to_be_visible()
        picker = student.locator(".st-key-lesson_step_picker")
        for step in lesson.STEPS:
            solved = step in dict(ANSWERS)
            label = f"{step_number(step)}{' ✓' if solved else ''}"
            expect(picker.get_by_role("radio", name=label, exact=True)).to_have_count(1)
        screenshot(student, "lesson_student")

        # Server B: the live view rereads the board by itself (no click, no reload).
        titles = {step: text(f"lesson.{step}_title") for step in lesson.STEPS}
        expect(grid_cell(teacher, STUDENT, titles[ANSWERS[-1][0]])).to_have_text(
            "✓", timeout=RUN_TIMEOUT_MS
        )
        wait_for_idle(teacher)
        answered = dict(ANSWERS)
        for step in GRID_STEPS:
            expect(grid_cell(teacher, STUDENT, titles[step])).to_have_text(
                "✓" if step in answered else ""
            )
        expect(teacher.locator(MAIN).get_by_text(text("class.progress_empty"))).to_have_count(0)
        rows = download_progress(teacher)
        screenshot(teacher, "lesson_teacher_view")
        assert_no_exception(teacher)

    # The CSV: a row per step the student answered, every try counted, each step solved.
    assert {row["nickname"] for row in rows} == {STUDENT}, rows
    by_step = {row["step"]: row for row in rows}
    assert len(by_step) == len(rows), rows
    assert {step: (int(row["tries"]), row["solved"]) for step, row in by_step.items()} == {
        step: (wrong_tries + 1, "True") for step, wrong_tries in ANSWERS
    }, rows
    for row in rows:
        assert row["started_at"] and row["finished_at"], row  # begun and finished: both times


def test_the_last_step_is_done_by_drawing_on_the_lessons_own_canvas(page, app_server):
    """A student whose last step asks for a digit we can draw (0, 1 or 7) draws it on the
    step's canvas: the model in use reads it, and the step is solved, ticked in the picker."""
    from cnn import lesson

    from .test_predict_drawing import DIGITS

    strokes = {digit: path for digit, path in DIGITS.values()}
    nickname = next(
        name
        for name in (f"Pen{number}" for number in range(200))
        if lesson_checks("", name)["predict"].answer in strokes
    )
    digit = lesson_checks("", nickname)["predict"].answer
    open_app(page, app_server.url, "classroom")
    join_class(page, nickname)
    go_to(page, text("nav.lesson"), text("nav.lesson"))
    picker = page.locator(".st-key-lesson_step_picker")
    picker.get_by_role("radio", name=re.compile(f"^{len(lesson.STEPS)}( ✓)?$")).click()
    question = text("lesson.predict_question", digit=digit)
    expect(page.locator(MAIN).get_by_text(question, exact=True)).to_be_visible(
        timeout=RUN_TIMEOUT_MS
    )
    wait_for_idle(page)
    expect(lesson_alert(page, "lesson.right")).to_have_count(0)
    draw(page, strokes[digit])
    expect(lesson_alert(page, "lesson.right")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(metric(page, text("predict.prediction"))).to_contain_text(str(digit))
    expect(picker.get_by_role("radio", name=f"{len(lesson.STEPS)} ✓")).to_be_visible()
    screenshot(page, "lesson_drawn")
    assert_no_exception(page)
