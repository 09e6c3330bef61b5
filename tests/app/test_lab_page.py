"""The invariance lab in AppTest: the digit in hand under the sliders, the CNN and the MLP side
by side (no chart: the page opens without Plotly), a sweep chart per transformation in the
second tab, in both languages."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import (
    assert_no_exception,
    chart_values,
    image_pixels,
    open_page,
    open_tab,
    tab_labels,
)

import cnn
from ui import charts
from ui.i18n import translate

LAB = "pages/lab.py"
SLIDERS = ("shift_x", "shift_y", "rotate", "scale", "thickness", "noise")


@pytest.fixture(scope="module")
def digit():
    """A sample test digit both shipped models read right, as the lab keeps it."""
    sample = cnn.load_sample()
    return {"image": sample.x_test[0].astype(np.float32) / 255.0, "label": int(sample.y_test[0])}


def metric_values(at) -> list[str]:
    return [metric.value for metric in at.metric]


def shown_digit(at) -> np.ndarray:
    """The transformed digit the page shows, as 0-1 ink: its picture is the digit enlarged
    8 times, dark ink on white, each pixel truncated to 1/255, in a 1-pixel grey frame."""
    framed = image_pixels(at, "lab_image")
    assert framed.shape == (28 * 8 + 2, 28 * 8 + 2)
    border = np.concatenate([framed[0], framed[-1], framed[:, 0], framed[:, -1]])
    assert (border == charts.FRAME_GREY).all()
    pixels = framed[1:-1, 1:-1]
    assert (pixels == np.kron(pixels[::8, ::8], np.ones((8, 8), np.uint8))).all()
    return 1.0 - pixels[::8, ::8] / 255.0


def assert_shows(at, expected: np.ndarray) -> None:
    np.testing.assert_allclose(shown_digit(at), expected, atol=1 / 255 + 1e-6)


def open_sweeps(at, language: str = "en"):
    return open_tab(at, "lab_tab", "sweeps", "lab.tab_", language)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_lab_shows_both_models_and_a_sweep_per_transformation(language, digit):
    at = open_page(LAB, language, current_digit=digit)
    assert_no_exception(at)
    assert at.title[0].value == translate("nav.lab", language)
    tabs = [translate(f"lab.tab_{name}", language) for name in ("transform", "sweeps")]
    assert tab_labels(at) == tabs
    labels = [metric.label for metric in at.metric]
    assert labels == [translate("lab.reads", language, model=m) for m in ("CNN", "MLP")]
    assert metric_values(at) == [str(digit["label"])] * 2  # both right on the plain digit
    for name in SLIDERS:
        assert at.slider(key=f"lab_{name}")
    assert at.info[0].value == translate("lab.lesson", language)
    assert not at.get("plotly_chart")  # the first tab loads no Plotly in the browser
    open_sweeps(at, language)
    assert_no_exception(at)
    for name in SLIDERS:
        figure = json.loads(at.get_by_key(f"lab_sweep_{name}").proto.spec)
        assert [trace["name"] for trace in figure["data"]] == ["CNN", "MLP"]
    assert not at.metric  # only the open tab runs


def test_the_sliders_transform_the_digit_and_the_models_read_the_result(digit):
    at = open_page(LAB, current_digit=digit)
    assert_shows(at, digit["image"])
    at.slider(key="lab_shift_x").set_value(8.0).run()
    assert_no_exception(at)
    expected = cnn.images.invariance.transform(digit["image"], dx=8)
    assert not np.allclose(expected, digit["image"], atol=0.1)  # the check below can fail
    assert_shows(at, expected)
    # What each model reads is what it predicts for the transformed digit.
    predictions = [str(int(cnn.predict_digit(m, expected).argmax())) for m in shipped_pair()]
    assert metric_values(at) == predictions
    # The value is kept across a visit to another page, and Reset brings it back.
    at.switch_page("pages/home.py").run()
    at.switch_page(LAB).run()
    assert at.slider(key="lab_shift_x").value == 8.0
    at.button(key="lab_reset").click().run()
    assert at.slider(key="lab_shift_x").value == 0.0
    assert_shows(at, digit["image"])


def shipped_pair():
    return cnn.load_default_model(), cnn.load_shipped_mlp()


def test_the_sweep_charts_match_cnn_invariance_sweep(digit):
    at = open_sweeps(open_page(LAB, current_digit=digit))
    expected = cnn.images.invariance.sweep(
        dict(zip(("CNN", "MLP"), shipped_pair(), strict=True)),
        digit["image"][None],
        [digit["label"]],
        "rotate",
    )
    for trace, model in enumerate(("CNN", "MLP")):
        rows = expected[expected["model"] == model]
        values = chart_values(at, "lab_sweep_rotate", field="y", trace=trace)
        np.testing.assert_allclose(values, rows["true_probability"], atol=1e-6)
    # The mean over test digits adds a dashed line per model.
    at.toggle(key="lab_average").set_value(True).run()
    assert_no_exception(at)
    figure = json.loads(at.get_by_key("lab_sweep_shift_x").proto.spec)
    dashed = [trace for trace in figure["data"] if trace.get("line", {}).get("dash") == "dash"]
    assert len(dashed) == 2


def test_the_digit_comes_from_the_predict_page():
    at = open_page("pages/predict.py")
    at.button(key="predict_random").click().run()
    index = at.session_state["predict_sample"]
    sample = cnn.load_sample()
    at.switch_page(LAB).run()
    assert_no_exception(at)
    assert_shows(at, sample.x_test[index] / 255.0)
    assert at.session_state["current_digit"]["label"] == int(sample.y_test[index])
    # Without a digit from Predict, the lab picks a random test digit of its own.
    fresh = open_page(LAB)
    assert_no_exception(fresh)
    assert 0 <= fresh.session_state["current_digit"]["label"] <= 9


@pytest.mark.parametrize(
    ("language", "formats"),
    [
        ("en", ["%d px", "%d px", "%d°", "%.2f×", "%.2f steps", "%.2f σ"]),
        ("zh", ["%d 像素", "%d 像素", "%d°", "%.2f 倍", "%.2f 级", "%.2f σ"]),
    ],
)
def test_each_slider_shows_its_unit(language, formats, digit):
    at = open_page(LAB, language, current_digit=digit)
    assert [at.slider(key=f"lab_{name}").proto.format for name in SLIDERS] == formats


def test_the_help_speaks_of_dashed_lines_only_when_they_are_shown(digit):
    at = open_sweeps(open_page(LAB, current_digit=digit))
    plain = translate("lab.sweeps_help", "en")
    dashed = translate("lab.sweeps_help_average", "en", count=100)
    assert "dash" not in plain and "dashed" in dashed

    def captions() -> list[str]:
        return [caption.value for caption in at.caption]

    assert plain in captions() and dashed not in captions()
    at.toggle(key="lab_average").set_value(True).run()
    assert_no_exception(at)
    assert dashed in captions() and plain not in captions()
    # The toggle off again: the dashed lines go, and so do the words about them.
    at.toggle(key="lab_average").set_value(False).run()
    assert plain in captions() and dashed not in captions()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_sweep_axes_are_titled_in_the_readers_language(language, digit):
    at = open_sweeps(open_page(LAB, language, current_digit=digit), language)
    units = {"shift_x": "px", "rotate": "degrees", "scale": "times", "noise": "sigma"}
    for name, unit in units.items():
        layout = json.loads(at.get_by_key(f"lab_sweep_{name}").proto.spec)["layout"]
        name_text = translate(f"lab.{name}", language)
        unit_text = translate(f"lab.unit_{unit}", language)
        x_title = translate("lab.sweep_axis", language, name=name_text, unit=unit_text)
        assert layout["xaxis"]["title"]["text"] == x_title
        y_title = translate("lab.true_probability", language)
        if language == "zh":  # upright above the axis (`ui.charts.upright_y_title`)
            assert [note["text"] for note in layout["annotations"]] == [y_title]
        else:
            assert layout["yaxis"]["title"]["text"] == y_title
    if language == "zh":
        layout = json.loads(at.get_by_key("lab_sweep_shift_x").proto.spec)["layout"]
        assert layout["xaxis"]["title"]["text"] == "向右平移（负值向左）（像素）"
