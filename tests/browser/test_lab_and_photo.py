"""Beyond the canvas, in a real browser: a photographed digit uploaded on Predict is read
right, and the invariance lab's shift slider changes what the CNN and the MLP read."""

from __future__ import annotations

import re

import numpy as np
import pytest

import cnn
from cnn.images.photo_synth import synthetic_photo

from .server import (
    MAIN,
    RUN_TIMEOUT_MS,
    assert_no_exception,
    go_to,
    metric,
    open_app,
    open_tab,
    read_prediction,
    screenshot,
    text,
    wait_for_charts,
    wait_for_idle,
)

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def sample():
    return cnn.load_sample()


@pytest.mark.parametrize(
    ("index", "paper", "ink"), [(5, "ruled", "blue"), (9, "squared", "pencil")]
)
def test_an_uploaded_photo_of_a_digit_is_read_right(
    page, app_server, tmp_path, sample, index, paper, ink
):
    photo = tmp_path / "digit.jpg"
    photo.write_bytes(synthetic_photo(sample.x_test[index], paper=paper, ink=ink, rng=index))
    open_app(page, app_server.url, "predict")
    page.locator(".st-key-predict_photo_upload input[type='file']").set_input_files(str(photo))
    predicted = read_prediction(page)
    expect(page.locator(MAIN).get_by_text(text("photo.step_mnist"))).to_be_visible()
    screenshot(page, f"predict_photo_{paper}_{ink}")
    assert_no_exception(page)
    assert predicted == int(sample.y_test[index])


def metric_value(page, label: str) -> int:
    value = metric(page, label).first.locator("[data-testid='stMetricValue']")
    value.wait_for(state="visible", timeout=RUN_TIMEOUT_MS)
    return int(value.inner_text().strip())


def test_the_shift_slider_changes_what_both_models_read(page, app_server, sample):
    # A random test digit on Predict becomes the lab's digit (same session: the sidebar link).
    open_app(page, app_server.url, "predict")
    page.locator(".st-key-predict_random button").click()
    read_prediction(page)
    caption = page.locator(MAIN).get_by_text(re.compile(r"#\d+")).first.inner_text()
    index = int(re.search(r"#(\d+)", caption).group(1))
    go_to(page, text("nav.lab"), text("nav.lab"))
    assert_no_exception(page)
    image = sample.x_test[index].astype(np.float32) / 255.0
    label = int(sample.y_test[index])
    pair = {"CNN": cnn.load_default_model(), "MLP": cnn.load_shipped_mlp()}
    reads = {name: text("lab.reads", model=name) for name in pair}
    for name, model in pair.items():
        expected = int(cnn.predict_digit(model, image).argmax())
        assert metric_value(page, reads[name]) == expected
    # Eight steps right: the slider's keys, as a person would press them.
    slider = page.locator(".st-key-lab_shift_x").get_by_role("slider")
    slider.focus()
    for _ in range(8):
        slider.press("ArrowRight")
    slider.blur()
    wait_for_idle(page)
    shifted = cnn.images.invariance.transform(image, dx=8)
    for name, model in pair.items():
        expected = int(cnn.predict_digit(model, shifted).argmax())
        expect(metric(page, reads[name]).first).to_contain_text(str(expected))
        assert metric_value(page, reads[name]) == expected
    # The digit is a picture, not a chart: the first tab loads no Plotly; the sweeps do.
    expect(page.locator(f"{MAIN} .st-key-lab_image img")).to_be_visible()
    assert wait_for_charts(page) == 0
    screenshot(page, f"lab_shift_8_digit_{label}")
    open_tab(page, text("lab.tab_sweeps"))
    assert wait_for_charts(page) == 6  # one sweep per slider
    screenshot(page, f"lab_sweeps_digit_{label}")
    assert_no_exception(page)
