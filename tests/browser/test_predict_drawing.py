"""Predict page in a real browser: draw digits with the mouse and read the model's answer.

The strokes go through the whole chain a person's drawing takes: Fabric.js on the canvas,
the component's image data, `cnn.canvas_to_mnist` and the shipped model. Digits are drawn at
different sizes and places, as people do; the answer must be right, so a preprocessing that
ignores size or position (no crop, no centring) fails here.
"""

from __future__ import annotations

import math
import re

import pytest
from playwright.sync_api import expect

from .server import (
    MAIN,
    RUN_TIMEOUT_MS,
    assert_no_exception,
    open_app,
    screenshot,
    text,
    wait_for_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

CANVAS = ".canvas-root canvas"  # Fabric.js' upper canvas, the last one, takes the mouse
CANVAS_SIZE = 280
Point = tuple[float, float]


def ellipse(cx: float, cy: float, rx: float, ry: float, points: int = 24) -> list[Point]:
    """A closed loop starting at the top, drawn anticlockwise as people write a 0."""
    loop = [
        (cx - rx * math.sin(2 * math.pi * i / points), cy - ry * math.cos(2 * math.pi * i / points))
        for i in range(points + 1)
    ]
    return [*loop, loop[1]]  # overlap a little at the top, as a pen does


# Each digit: strokes (lists of points in canvas pixels, 0-280) in one place and size.
DIGITS = {
    # A 1 with a small flag, on the right side.
    "one_right": (1, [[(188, 78), (212, 48), (208, 140), (205, 232)]]),
    # A plain vertical 1, small, on the left.
    "one_small_left": (1, [[(58, 70), (57, 120), (56, 170)]]),
    # A large 7 in the middle: top bar, then the diagonal, in one stroke.
    "seven_large_centre": (7, [[(55, 45), (140, 45), (228, 48), (180, 140), (125, 245)]]),
    # A small 7 in the bottom-right quadrant.
    "seven_small_bottom_right": (7, [[(165, 160), (200, 160), (250, 162), (225, 210), (200, 262)]]),
    # A small 0 in the top-left quadrant.
    "zero_small_top_left": (0, [ellipse(70, 75, 34, 50)]),
    # A large 0 in the middle.
    "zero_large_centre": (0, [ellipse(140, 140, 72, 105)]),
}


def canvas(page):
    surface = page.locator(CANVAS).last
    surface.wait_for(state="visible")
    return surface


def draw(page, strokes: list[list[Point]]) -> None:
    """Draw `strokes` on the canvas with the mouse: down, moves of 10 steps, up."""
    box = canvas(page).bounding_box()
    scale_x, scale_y = box["width"] / CANVAS_SIZE, box["height"] / CANVAS_SIZE

    def at(point: Point) -> Point:
        return box["x"] + point[0] * scale_x, box["y"] + point[1] * scale_y

    for stroke in strokes:
        page.mouse.move(*at(stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*at(point), steps=10)
        page.mouse.up()
        wait_for_idle(page)


def prediction_metric(page, language: str = "en"):
    label = text("predict.prediction", language)
    return page.locator(f"{MAIN} [data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=re.compile(f"^{label}$"))
    )


def read_prediction(page, language: str = "en") -> int:
    """The digit in the first "Prediction" metric, once the run that shows it is over."""
    value = prediction_metric(page, language).first.locator("[data-testid='stMetricValue']")
    value.wait_for(state="visible", timeout=RUN_TIMEOUT_MS)
    wait_for_idle(page)
    return int(value.inner_text().strip())


def draw_prompt(page, language: str = "en"):
    return page.locator(f"{MAIN} [data-testid='stAlert']", has_text=text("predict.draw_prompt", language))


@pytest.fixture
def predict_page(page, app_server):
    open_app(page, app_server.url, "predict")
    expect(draw_prompt(page)).to_be_visible()
    assert_no_exception(page)
    return page


@pytest.mark.parametrize("name", list(DIGITS))
def test_drawn_digit_is_predicted(predict_page, name):
    expected, strokes = DIGITS[name]
    draw(predict_page, strokes)
    predicted = read_prediction(predict_page)
    screenshot(predict_page, f"predict_drawn_{name}")
    assert_no_exception(predict_page)
    assert predicted == expected, f"drew a {expected} ({name}), the app read {predicted}"
    expect(draw_prompt(predict_page)).to_have_count(0)


def test_clear_brings_back_the_prompt(predict_page):
    draw(predict_page, DIGITS["seven_large_centre"][1])
    assert read_prediction(predict_page) == 7
    predict_page.locator(".st-key-predict_clear button").click()
    expect(draw_prompt(predict_page)).to_be_visible()
    wait_for_idle(predict_page)
    expect(prediction_metric(predict_page)).to_have_count(0)
    screenshot(predict_page, "predict_cleared")
    assert_no_exception(predict_page)
    # The fresh canvas works as the first one did.
    draw(predict_page, DIGITS["zero_large_centre"][1])
    assert read_prediction(predict_page) == 0
