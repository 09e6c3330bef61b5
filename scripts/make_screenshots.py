"""Regenerate the README screenshots: docs/screenshots/<page>_<lang>.png, every page, both
languages, and <page>_<tab>_<lang>.png for each further tab of Dataset and Architecture; taken
the way the browser tests see the app (same server and Chromium helpers).

    .venv/bin/python scripts/make_screenshots.py            # all pages, en and zh
    .venv/bin/python scripts/make_screenshots.py --train    # train one epoch first

Needs Debian's Chromium (sudo apt-get install chromium fonts-noto-cjk). The app runs
offline on the 5,000-digit sample, as on a fresh clone.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from tests.browser.server import (  # noqa: E402
    PAGES,
    TAB_TEXT_PREFIX,
    TABBED_PAGES,
    TRAINING_TIMEOUT_MS,
    app_and_browser,
    assert_no_exception,
    choose_language,
    chromium_path,
    draw,
    go_to,
    metric,
    new_page,
    open_app,
    open_tab,
    read_prediction,
    screenshot,
    set_epochs,
    text,
    wait_for_idle,
)

# The pages in tabs: name -> [(tabs' widget key, tab names)].
TABS = {name: [(key, tabs)] for _, name, key, tabs in TABBED_PAGES}

# A 7 drawn large in the middle of the canvas, so the Predict page shows a prediction.
SEVEN = [[(55, 45), (140, 45), (228, 48), (180, 140), (125, 245)]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--languages", nargs="+", default=["en", "zh"], choices=["en", "zh"])
    parser.add_argument(
        "--train", action="store_true", help="train one epoch first, to show the results"
    )
    args = parser.parse_args()
    if chromium_path() is None:
        print("Chromium is missing: sudo apt-get install chromium fonts-noto-cjk", file=sys.stderr)
        return 1

    started = time.monotonic()
    with app_and_browser() as (server, browser):
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
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0


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


def join_class(page, language: str) -> None:
    """Join the class board (once per session) so the Class page shows the board."""
    field = page.locator(".st-key-class_nickname input")
    if field.count():
        field.fill("Ada")
        page.get_by_role("button", name=text("class.join", language)).click()
        wait_for_idle(page)


def train_one_epoch(page) -> None:
    go_to(page, text("nav.training"), text("nav.training"))
    set_epochs(page, 1)
    page.locator(".st-key-train_start button").click()
    metric(page, text("train.test_accuracy")).wait_for(timeout=TRAINING_TIMEOUT_MS)
    wait_for_idle(page, TRAINING_TIMEOUT_MS)


if __name__ == "__main__":
    sys.exit(main())
