"""The Architecture page: the form drives the config and the parameter count; the convolution
explainer's window adds up to the feature map; the trained model's insides on demand."""

from __future__ import annotations

import base64
import re
import sys

import numpy as np
import pytest
from conftest import assert_no_exception, chart_values, image_urls, open_page, open_tab, tab_labels

import cnn
from cnn.inference.model_io import DEFAULT_MODEL_PATH
from cnn.inference.operations import EXAMPLE_KERNELS, convolve2d, pool2d
from ui.i18n import translate

PAGE = "pages/architecture.py"
FORM_KEYS = (
    "arch_blocks",
    "arch_filters_1",
    "arch_filters_2",
    "arch_filters_3",
    "arch_kernel",
    "arch_padding",
    "arch_pooling",
    "arch_activation",
    "arch_dense",
    "arch_conv_dropout",
    "arch_dense_dropout",
)


def open_architecture(language: str = "en", **state):
    """The Architecture page in `language` (the frame's first run in English: see
    test_dataset_page.open_dataset for why)."""
    at = open_page(None, **state)
    at.session_state["lang"] = language
    at.switch_page(PAGE).run()
    return at


def open_arch_tab(at, name: str, language: str = "en"):
    return open_tab(at, "arch_tab", name, "arch.tab_", language)


def total_params(at, language: str = "en") -> str:
    label = translate("arch.total_params", language)
    return next(m.value for m in at.metric if m.label == label)


def open_editor(at):
    """Turn on "Change the network" (the form is hidden on a first visit)."""
    at.toggle(key="arch_edit").set_value(True).run()
    assert_no_exception(at)
    return at


def fill_form(at, **values):
    """Open the form if it is closed, stage values by widget key, then submit."""
    if not at.toggle(key="arch_edit").value:
        open_editor(at)
    for key, value in values.items():
        at.get_by_key(key).set_value(value)
    at.button(key="arch_submit").click().run()
    assert_no_exception(at)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_renders_in_both_languages_with_the_seed_network(language):
    tensorflow_before = "tensorflow" in sys.modules
    at = open_architecture(language)
    assert_no_exception(at)
    if not tensorflow_before:
        assert "tensorflow" not in sys.modules, "the first render must not import TensorFlow"
    assert at.title[0].value == translate("nav.architecture", language)
    assert total_params(at, language) == "242,062"
    table = at.table[0].value
    assert list(table.columns) == [
        translate(f"arch.col_{name}", language)
        for name in ("layer", "type", "shape", "params", "formula")
    ]
    params = table[translate("arch.col_params", language)]
    assert params.tolist() == ["0", "416", "0", "14,436", "0", "0", "0", "225,920", "0", "1,290"]
    # A first visit shows the network, not the form (its widgets slow the first paint).
    assert at.toggle(key="arch_edit").label == translate("arch.edit", language)
    assert not at.toggle(key="arch_edit").value
    for key in ("arch_form", *FORM_KEYS, "arch_submit", "arch_reset"):
        with pytest.raises(KeyError):
            at.get_by_key(key)
    open_editor(at)
    for key in ("arch_form", *FORM_KEYS, "arch_submit", "arch_reset"):
        assert at.get_by_key(key), key
    # The shapes diagram is an SVG image; the first tab has no Plotly chart.
    (svg,) = image_urls(at, "arch_flow")
    svg = base64.b64decode(svg.split(",", 1)[1]).decode()
    assert svg.startswith("<svg") and "28×28×16" in svg and "14×14×36" in svg
    assert not at.get("plotly_chart")
    assert not at.error
    tabs = ("network", "convolution", "pooling", "model")
    assert tab_labels(at) == [translate(f"arch.tab_{name}", language) for name in tabs]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_each_tab_runs_only_when_open(language):
    at = open_architecture(language)
    open_arch_tab(at, "convolution", language)
    assert_no_exception(at)
    for key in ("arch_digit", "arch_kernel_choice", "arch_model", "arch_row", "arch_column"):
        assert at.get_by_key(key), key
    assert {chart.key for chart in at.get("plotly_chart")} == {
        f"arch_{name}_chart" for name in ("digit", "kernel", "map", "window", "products")
    }
    with pytest.raises(KeyError):
        at.get_by_key("arch_form")
    if language == "zh":
        return  # AppTest formats the filter list in English outside the run: see open_dataset
    open_arch_tab(at, "pooling", language)
    assert_no_exception(at)
    assert {chart.key for chart in at.get("plotly_chart")} == {
        "arch_pool_input_chart",
        "arch_pool_max_chart",
        "arch_pool_average_chart",
        "arch_activation_chart",
        "arch_activation_maps_chart",
    }
    # The pooled maps are the Convolution tab's map (digit 0, the first filter) pooled 2 x 2.
    digit = cnn.to_4d_float(cnn.load_sample().x_train[0])[0, ..., 0]
    feature_map = convolve2d(digit, EXAMPLE_KERNELS["vertical_edge"], padding="same")
    for mode in ("max", "average"):
        shown = chart_values(at, f"arch_pool_{mode}_chart")
        np.testing.assert_allclose(shown, pool2d(feature_map, 2, mode), atol=1e-6)


def test_chinese_title_and_headers():
    at = open_architecture("zh")
    assert at.title[0].value == "网络结构"
    assert "参数" in at.table[0].value.columns


def test_submitting_the_form_changes_the_parameter_count():
    at = open_architecture()
    fill_form(
        at,
        arch_blocks=3,
        arch_filters_3=24,
        arch_kernel=3,
        arch_pooling="average",
        arch_activation="tanh",
        arch_dense=64,
        arch_conv_dropout=0.1,
    )
    expected = cnn.ModelConfig(
        filters=(16, 36, 24),
        kernel_size=3,
        pooling="average",
        activation="tanh",
        dense_units=64,
        conv_dropout=0.1,
    )
    assert at.session_state["model_config"] == expected
    assert total_params(at) == f"{cnn.count_params(expected):,}"
    assert total_params(at) != "242,062"
    assert not at.error


def test_an_impossible_network_shows_an_error_and_keeps_the_old_one():
    at = open_architecture()
    fill_form(at, arch_filters_1=8)
    kept = at.session_state["model_config"]
    assert kept == cnn.ModelConfig(filters=(8, 36))
    # valid padding with 9x9 kernels shrinks 28 -> 20 -> 10 -> 2 -> 1: no room for block 3.
    fill_form(at, arch_blocks=3, arch_kernel=9, arch_padding="valid")
    assert at.error
    assert "shrinks the 28x28 image to nothing" in at.error[0].value
    assert at.session_state["model_config"] == kept
    assert total_params(at) == f"{cnn.count_params(kept):,}"
    # The error stays while the user looks around, and goes once a network is applied.
    at.run()
    assert at.error
    fill_form(at, arch_blocks=2)
    assert not at.error


def test_reset_restores_the_seed_network():
    at = open_architecture()
    fill_form(at, arch_kernel=3, arch_dense=32)
    assert total_params(at) != "242,062"
    at.button(key="arch_reset").click().run()
    assert_no_exception(at)
    assert at.session_state["model_config"] == cnn.ModelConfig()
    assert total_params(at) == "242,062"
    assert at.slider(key="arch_kernel").value == 5
    assert at.number_input(key="arch_dense").value == 128


def test_the_editor_stays_open_while_wanted():
    at = open_editor(open_architecture())
    at.switch_page("pages/dataset.py").run()
    at.switch_page(PAGE).run()
    assert at.toggle(key="arch_edit").value, "opened by the user: open again after a switch"
    at.toggle(key="arch_edit").set_value(False).run()
    with pytest.raises(KeyError):
        at.get_by_key("arch_form")
    # A network of one's own opens the form on a visit (it shows what was applied).
    fresh = open_architecture(model_config=cnn.ModelConfig(kernel_size=3))
    assert fresh.toggle(key="arch_edit").value
    assert fresh.slider(key="arch_kernel").value == 3


def test_the_applied_network_survives_a_page_switch():
    at = open_architecture()
    fill_form(at, arch_kernel=3, arch_padding="valid")
    at.switch_page("pages/dataset.py").run()
    at.switch_page(PAGE).run()
    assert_no_exception(at)
    assert at.toggle(key="arch_edit").value
    assert at.slider(key="arch_kernel").value == 3
    assert at.get_by_key("arch_padding").value == "valid"
    config = cnn.ModelConfig(kernel_size=3, padding="valid")
    assert total_params(at) == f"{cnn.count_params(config):,}"


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_window_products_add_up_to_the_feature_map(padding):
    data = cnn.load_sample()
    at = open_architecture()
    if padding == "valid":
        fill_form(at, arch_padding="valid")
    open_arch_tab(at, "convolution")
    at.number_input(key="arch_digit").set_value(3).run()
    at.selectbox(key="arch_kernel_choice").set_value("horizontal_edge").run()
    at.slider(key="arch_row").set_value(9).run()
    at.slider(key="arch_column").set_value(11).run()
    assert_no_exception(at)
    digit = cnn.to_4d_float(data.x_train[3])[0, ..., 0]
    expected = convolve2d(digit, EXAMPLE_KERNELS["horizontal_edge"], padding=padding)[9, 11]
    label = translate("arch.output_value", row=9, column=11)
    shown = next(m.value for m in at.metric if m.label == label)
    assert shown == f"{expected:.3f}"
    total = re.search(r"\*\*(-?[\d.]+)\*\*", " ".join(m.value for m in at.markdown)).group(1)
    assert total == shown


def test_the_explainer_starts_on_the_digit_chosen_on_the_dataset_page():
    at = open_arch_tab(open_architecture(dataset_digit=42), "convolution")
    assert at.number_input(key="arch_digit").value == 42


@pytest.mark.skipif(not DEFAULT_MODEL_PATH.is_file(), reason="no shipped model")
def test_looking_inside_the_shipped_model():
    at = open_arch_tab(open_architecture(), "model")
    assert_no_exception(at)
    assert at.get_by_key("arch_filters_chart")
    for layer in ("conv_1", "pool_1", "conv_2", "pool_2"):
        assert at.get_by_key(f"arch_maps_{layer}")
    open_arch_tab(at, "convolution")
    at.toggle(key="arch_model").set_value(True).run()
    assert_no_exception(at)
    options = at.selectbox(key="arch_kernel_choice").options
    assert len(options) == len(EXAMPLE_KERNELS) + 16
    assert options[len(EXAMPLE_KERNELS)] == translate(
        "arch.kernel_learned", number=1, layer="conv_1"
    )
    at.selectbox(key="arch_kernel_choice").set_value("learned_0").run()
    assert_no_exception(at)
    assert at.session_state["arch_kernel_name"] == "learned_0"
    # Turning the model off again falls back to a hand-written filter.
    at.toggle(key="arch_model").set_value(False).run()
    assert_no_exception(at)
    assert at.session_state["arch_kernel_name"] == "vertical_edge"
    assert np.isfinite(float(at.metric[-1].value))
