"""Predict page in a real browser: draw digits with the mouse and read the model's answer.

The strokes go through the whole chain a person's drawing takes: Fabric.js on the canvas,
the component's image data, `cnn.canvas_to_mnist` and the shipped model. Digits are drawn at
different sizes and places, as people do; the answer must be right, so a preprocessing that
ignores size or position (no crop, no centring) fails here.
"""

from __future__ import annotations

import pytest

from .server import (
    MAIN,
    RUN_TIMEOUT_MS,
    assert_no_exception,
    draw,
    ellipse,
    open_app,
    prediction_metric,
    read_prediction,
    screenshot,
    text,
    wait_for_idle,
)

# Without the playwright package the whole module skips (conftest says how to install it).
expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

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


def draw_prompt(page, language: str = "en"):
    return page.locator(
        f"{MAIN} [data-testid='stAlert']", has_text=text("predict.draw_prompt", language)
    )


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


def lambda_model(folder) -> tuple:
    """A tiny .keras model whose Lambda layer writes a marker file whenever it runs.

    Returns:
        (path of the .keras file, path of the marker, which does not exist).
    """
    keras = pytest.importorskip("keras")
    marker = folder / "lambda_ran.txt"
    # A true lambda (Keras stores its bytecode); the marker's path is a constant inside it.
    touch = eval(  # noqa: S307 (our own code, made here)
        f"lambda x: (__import__('pathlib').Path({str(marker)!r}).write_text('ran'), x)[1]"
    )
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Lambda(touch),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    path = folder / "lambda_model.keras"
    model.save(path)
    assert marker.exists(), "the Lambda did not run while the model was built"
    marker.unlink()
    return path, marker


def test_lambda_upload_is_refused_and_the_app_keeps_working(predict_page, tmp_path):
    page = predict_page
    path, marker = lambda_model(tmp_path)
    page.locator(".st-key-predict_upload input[type='file']").set_input_files(str(path))
    error = page.locator(f"{MAIN} [data-testid='stAlertContentError']", has_text="Lambda")
    expect(error).to_be_visible(timeout=RUN_TIMEOUT_MS)
    wait_for_idle(page)
    screenshot(page, "predict_lambda_refused")
    assert_no_exception(page)
    assert not marker.exists(), "the uploaded Lambda layer ran on the server"
    # Still the shipped model, and it still predicts.
    expect(page.locator(MAIN)).to_contain_text(text("predict.using", model=text("model.shipped")))
    page.locator(".st-key-predict_random button").click()
    assert 0 <= read_prediction(page) <= 9
    assert_no_exception(page)
    assert not marker.exists()
