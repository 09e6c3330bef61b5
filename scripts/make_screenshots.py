"""Regenerate the README screenshots: docs/screenshots/<page>_<lang>.png, every page, both
languages, <page>_<tab>_<lang>.png for each further tab of Dataset and Architecture, and
lesson_teacher_<lang>.png, the teacher's live view of the class on the lesson; taken the way
the browser tests see the app (same server and Chromium helpers).

    .venv/bin/python scripts/make_screenshots.py            # all pages, en and zh
    .venv/bin/python scripts/make_screenshots.py --train    # train one epoch first

Needs Debian's Chromium and fonts for Chinese and for the ✓ and ⏳ of the teacher's view
(sudo apt-get install chromium fonts-noto-cjk fonts-noto-color-emoji). The app runs
offline on the 5,000-digit sample, as on a fresh clone, with a teacher password of this
script's own. A few students join the class first, each in a browser page of their own, answer
some of the lesson's checks (right answers from `cnn.lesson`, as the app computes them) and add
test digits, so the Class page and the teacher's view have something to show.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from tests.browser.server import (  # noqa: E402
    MAIN,
    PAGES,
    RUN_TIMEOUT_MS,
    TAB_TEXT_PREFIX,
    TABBED_PAGES,
    TRAINING_TIMEOUT_MS,
    StreamlitServer,
    assert_no_exception,
    choose_language,
    chromium_path,
    draw,
    go_to,
    launch_chromium,
    metric,
    new_page,
    open_app,
    open_tab,
    read_prediction,
    screenshot,
    set_epochs,
    text,
    wait_for_charts,
    wait_for_idle,
)

# The pages in tabs: name -> [(tabs' widget key, tab names)].
TABS = {name: [(key, tabs)] for _, name, key, tabs in TABBED_PAGES}

# A 7 drawn large in the middle of the canvas, so the Predict page shows a prediction.
SEVEN = [[(55, 45), (140, 45), (228, 48), (180, 140), (125, 245)]]

PACKAGES = "chromium fonts-noto-cjk fonts-noto-color-emoji"  # Debian's, for what it needs

# Known only to this script's own server: it unlocks the teacher's tools on the Class page.
TEACHER_PASSWORD = "screenshots-only"
TEACHER_NICKNAME = "Teacher"
# The lesson step shown on the Lesson page: a live example (a filter slid over a digit) and a
# number to work out; a wrong answer is given first, so the hint shows.
LESSON_SHOWN = "convolution"
WRONG = -999  # no check of the lesson has this answer (`answer` makes sure)
# The class the teacher sees: each student's answers in order, (step, wrong tries, then right),
# and how many random test digits they add to the class's digits.
CLASS = {
    "Ben": (
        [("local", 0, True), ("data", 1, True), ("convolution", 0, True), ("padding", 0, True),
         ("pooling", 2, False)],
        2,
    ),
    "小雨": (
        [("local", 0, True), ("data", 0, True), ("convolution", 1, True), ("padding", 1, False)],
        2,
    ),
    "Sam": ([("local", 1, True), ("data", 2, False)], 1),
}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--languages", nargs="+", default=["en", "zh"], choices=["en", "zh"])
    parser.add_argument(
        "--train", action="store_true", help="train one epoch first, to show the results"
    )
    args = parser.parse_args()
    if chromium_path() is None:
        print(f"Chromium is missing: sudo apt-get install {PACKAGES}", file=sys.stderr)
        return 1

    started = time.monotonic()
    with app_and_browser() as (server, browser):
        for nickname, (answers, digits) in CLASS.items():
            class_student(browser, server.url, nickname, answers, digits)
        page = new_page(browser)
        open_app(page, server.url)  # Home first: the server runs app.py's navigation
        if args.train:
            train_one_epoch(page)
        for language in args.languages:
            choose_language(page, language)
            for _, name, title_key, nav_key in PAGES:
                go_to(page, text(nav_key, language), text(title_key, language))
                if name == "predict":
                    draw_seven(page, language)
                if name == "lab":
                    shift_right(page, steps=4)
                if name == "lesson":
                    show_lesson_hint(page, LESSON_SHOWN, language)
                if name == "classroom":
                    join_class(page, language)
                assert_no_exception(page)
                path = screenshot(page, f"{name}_{language}", folder=args.out)
                print(path.relative_to(ROOT))
                if name == "predict":
                    upload_photo(page, language)
                    path = screenshot(page, f"predict_photo_{language}", folder=args.out)
                    print(path.relative_to(ROOT))
                for key, tabs in TABS.get(name, ()):
                    for tab_name in tabs[1:]:  # then each other tab, and back to the first
                        open_tab(page, text(f"{TAB_TEXT_PREFIX[key]}{tab_name}", language))
                        assert_no_exception(page)
                        path = screenshot(page, f"{name}_{tab_name}_{language}", folder=args.out)
                        print(path.relative_to(ROOT))
                    open_tab(page, text(f"{TAB_TEXT_PREFIX[key]}{tabs[0]}", language))
        for path in teacher_view(browser, server.url, args.languages, args.out):
            print(path.relative_to(ROOT))
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0


@contextmanager
def app_and_browser():
    """The app with this script's teacher password, and Chromium: `(server, browser)`."""
    from playwright.sync_api import sync_playwright

    teacher = {"CNN_LAB_TEACHER_PASSWORD": TEACHER_PASSWORD}
    with StreamlitServer(extra_env=teacher) as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield server, browser
        finally:
            browser.close()


def draw_seven(page, language: str, attempts: int = 3) -> None:
    """Clear the canvas, draw a 7 and wait for the prediction.

    Clear mounts a new canvas; strokes made while it is still being set up can get lost
    (seen about once in ten runs), so a drawing that brings no prediction is made again.
    """
    for attempt in range(1, attempts + 1):
        page.locator(".st-key-predict_clear button").click()  # a fresh canvas
        wait_for_idle(page)
        page.wait_for_timeout(500 * attempt)
        draw(page, SEVEN)
        try:
            metric(page, text("predict.prediction", language)).first.wait_for(timeout=15_000)
        except PlaywrightTimeout:
            print(f"no prediction after drawing (attempt {attempt}); drawing again")
            continue
        read_prediction(page, language)
        return
    raise RuntimeError(f"no prediction after {attempts} drawings")


def upload_photo(page, language: str) -> None:
    """A generated phone photo of a test digit (blue ink on ruled paper) on the Predict page;
    the page is then scrolled to it."""
    import tempfile

    import cnn
    from cnn.images.photo_synth import synthetic_photo

    digit = cnn.load_sample().x_test[5]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "digit.jpg"
        path.write_bytes(synthetic_photo(digit, paper="ruled", ink="blue", rng=5))
        page.locator(".st-key-predict_photo_upload input[type='file']").set_input_files(str(path))
        page.get_by_text(text("photo.step_mnist", language)).first.wait_for(timeout=60_000)
    wait_for_idle(page)


def shift_right(page, steps: int) -> None:
    """The invariance lab's shift slider, `steps` pixels to the right."""
    slider = page.locator(".st-key-lab_shift_x").get_by_role("slider")
    slider.focus()
    for _ in range(steps):
        slider.press("ArrowRight")
    slider.blur()
    wait_for_idle(page)


def join_class(page, language: str, nickname: str = "Ada") -> None:
    """Join the class board (once per session) so the Class page shows the board."""
    field = page.locator(".st-key-class_nickname input")
    if field.count():
        field.fill(nickname)
        page.get_by_role("button", name=text("class.join", language)).click()
        page.locator(".st-key-class_leave").wait_for(timeout=RUN_TIMEOUT_MS)
        wait_for_idle(page)


# --- the lesson, and the teacher's view of it ------------------------------------------------


def pick_step(page, step: str) -> None:
    """Pick `step` in the Lesson page's step picker (a segmented control: radios labelled with
    the step's number, and a tick once solved)."""
    from cnn import lesson

    number = lesson.STEPS.index(step) + 1
    label = re.compile(rf"^{number}( ✓)?$")
    choice = page.locator(".st-key-lesson_step_picker").get_by_role("radio", name=label)
    if choice.get_attribute("aria-checked") != "true":  # a click on the chosen one unchooses it
        choice.click()
    page.locator(f".st-key-lesson_answer_{step}").wait_for(timeout=RUN_TIMEOUT_MS)
    wait_for_idle(page)


def answer(page, step: str, given, language: str = "en") -> None:
    """Type `given` in the step's answer box (or choose it, for a choice) and press Check."""
    box = page.locator(f".st-key-lesson_answer_{step}")
    if isinstance(given, str):
        box.get_by_text(text(f"lesson.choice_{given}", language), exact=True).click()
    else:
        box.locator("input").fill(str(given))
    form = page.locator("[data-testid='stForm']", has=box)
    form.locator("[data-testid='stFormSubmitButton'] button").click()
    wait_for_idle(page)


def lesson_alert(page, key: str, language: str):
    """The Lesson page's alerts that say `key`'s text (right, or wrong)."""
    return page.locator(f"{MAIN} [data-testid='stAlert']", has_text=text(key, language))


def show_lesson_hint(page, step: str, language: str) -> None:
    """Open `step` and answer it wrongly once (once per session), so the hint shows."""
    pick_step(page, step)
    if not lesson_alert(page, "lesson.wrong", language).count():
        answer(page, step, WRONG, language)
    lesson_alert(page, "lesson.wrong", language).wait_for(timeout=RUN_TIMEOUT_MS)
    wait_for_charts(page)


def class_student(browser, base_url: str, nickname: str, answers, digits: int) -> None:
    """A student, in a browser page of their own: joins the class, answers the lesson's checks
    (`answers`: (step, wrong tries, then right?)) and adds `digits` random test digits."""
    import classroom
    from cnn import lesson

    board = classroom.validation.class_code(None, None)  # no class code: the open board
    seed = lesson.student_seed(f"{board}/{nickname}")  # as `ui.lesson.student_seed` makes it
    page = new_page(browser)
    try:
        open_app(page, base_url, "classroom")
        join_class(page, "en", nickname)
        go_to(page, text("nav.lesson"), text("nav.lesson"))
        for step, wrong, right in answers:
            check = lesson.check_for(step, seed)
            if check.is_right(WRONG):
                raise RuntimeError(f"{WRONG} is the answer of {step} for {nickname}")
            pick_step(page, step)
            for _ in range(wrong):
                answer(page, step, WRONG)
            if right:
                answer(page, step, check.answer)
                lesson_alert(page, "lesson.right", "en").wait_for(timeout=RUN_TIMEOUT_MS)
        go_to(page, text("nav.predict"), text("nav.predict"))
        for _ in range(digits):
            add_random_digit(page)
        assert_no_exception(page)
        print(f"{nickname}: {len(answers)} steps answered, {digits} digits added")
    finally:
        page.context.close()


def add_random_digit(page) -> None:
    """On Predict: a random test digit, added to the class's digits with its true label."""
    page.locator(".st-key-predict_random button").click()
    wait_for_idle(page)
    said = re.escape(text("class.added", label=999)).replace("999", r"\d")
    added = page.locator(f"{MAIN} [data-testid='stAlert']", has_text=re.compile(said))
    page.locator(".st-key-predict_sample_add button").click()
    added.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_for_idle(page)


def teacher_view(browser, base_url: str, languages, folder: Path) -> list[Path]:
    """The teacher, in a page of their own: joins, unlocks the teacher's tools with the
    password, and the live view of the class is taken in each language."""
    page = new_page(browser)
    paths = []
    try:
        open_app(page, base_url, "classroom")
        join_class(page, "en", TEACHER_NICKNAME)
        page.locator(f"{MAIN} [data-testid='stExpander'] summary").filter(
            has_text=text("class.teacher_title")
        ).click()
        page.locator(".st-key-class_password input").fill(TEACHER_PASSWORD)
        page.locator(".st-key-class_unlock button").click()
        wait_for_idle(page)
        for language in languages:
            choose_language(page, language)
            title = page.locator(MAIN).get_by_text(text("class.progress_title", language))
            title.wait_for(timeout=RUN_TIMEOUT_MS)
            page.locator(f"{MAIN} [data-testid='stDataFrame']").first.wait_for()  # the table
            wait_for_charts(page)
            assert_no_exception(page)
            after = page.locator(".st-key-class_entry_id").or_(
                page.locator(MAIN).get_by_text(text("class.no_entries_yet", language))
            )
            paths.append(
                screenshot_between(page, title, after, f"lesson_teacher_{language}", folder)
            )
    finally:
        page.context.close()
    return paths


def screenshot_between(page, top, below, name: str, folder: Path, margin: int = 24) -> Path:
    """A PNG of the main area from `top` down to where `below` begins.

    Streamlit scrolls its main area inside the window: the window is made taller than the
    part, which is then scrolled to the middle of it, so it is all drawn when taken.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    viewport = page.viewport_size
    top.scroll_into_view_if_needed()
    height = below.first.bounding_box()["y"] - top.bounding_box()["y"] + 2 * margin
    page.set_viewport_size({"width": viewport["width"], "height": int(height) + 400})
    try:
        page.wait_for_timeout(500)  # charts redraw at the new size
        top.evaluate("element => element.scrollIntoView({block: 'center'})")
        below.first.evaluate("element => element.scrollIntoView({block: 'nearest'})")
        page.wait_for_timeout(300)
        start, end = top.bounding_box(), below.first.bounding_box()
        area = page.locator(f"{MAIN} [data-testid='stMainBlockContainer']").bounding_box()
        clip = {
            "x": area["x"],
            "y": max(0, start["y"] - margin),
            "width": area["width"],
            "height": end["y"] - start["y"] + margin,
        }
        page.screenshot(path=str(path), clip=clip, animations="disabled")
    finally:
        page.set_viewport_size(viewport)
    return path


def train_one_epoch(page) -> None:
    go_to(page, text("nav.training"), text("nav.training"))
    set_epochs(page, 1)
    page.locator(".st-key-train_start button").click()
    metric(page, text("train.test_accuracy")).wait_for(timeout=TRAINING_TIMEOUT_MS)
    wait_for_idle(page, TRAINING_TIMEOUT_MS)


if __name__ == "__main__":
    sys.exit(main())
