"""The Dataset page on the offline 5,000-digit sample: counts, the random grid, one digit."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_no_exception, chart_values, image_urls, open_page, open_tab, tab_labels

import cnn
from ui.i18n import translate

PAGE = "pages/dataset.py"


def open_dataset(language: str = "en", **state):
    """The Dataset page in `language`.

    The frame's first run is in English and the language is switched before the page runs:
    AppTest formats the sidebar's model radio outside the script run, where `t()` falls back
    to English, so a first run in Chinese trips over its own radio on the next run.
    """
    at = open_page(None, **state)
    at.session_state["lang"] = language
    at.switch_page(PAGE).run()
    return at


def open_dataset_tab(at, name: str, language: str = "en"):
    return open_tab(at, "dataset_tab", name, "dataset.tab_", language)


@pytest.fixture(scope="module")
def sample() -> cnn.Dataset:
    return cnn.load_sample()


def metric(at, key: str, language: str = "en") -> str:
    label = translate(key, language)
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_renders_in_both_languages(language, sample):
    at = open_dataset(language)
    assert_no_exception(at)
    assert at.title[0].value == translate("nav.dataset", language)
    assert metric(at, "dataset.train_count", language) == f"{len(sample.x_train):,}"
    assert metric(at, "dataset.test_count", language) == f"{len(sample.x_test):,}"
    assert at.info, "the offline sample is named as such"
    tabs = ("grid", "digit", "classes")
    assert tab_labels(at) == [translate(f"dataset.tab_{name}", language) for name in tabs]
    # The page opens on the random digits: images only, no Plotly chart for the browser to
    # load before the page is complete.
    assert at.button(key="dataset_reshuffle")
    assert len(image_urls(at, "dataset_grid")) == 1
    assert not at.get("plotly_chart")
    open_dataset_tab(at, "digit", language)
    assert_no_exception(at)
    assert at.button(key="dataset_random")
    assert at.number_input(key="dataset_index").value == 0
    # The digit's pixels as they are (0-255), then divided by 255.
    np.testing.assert_array_equal(chart_values(at, "dataset_raw_chart"), sample.x_train[0])
    np.testing.assert_allclose(
        chart_values(at, "dataset_normalised_chart"), sample.x_train[0] / 255, atol=1e-6
    )
    with pytest.raises(KeyError):  # a closed tab's content does not run
        at.get_by_key("dataset_grid")
    open_dataset_tab(at, "classes", language)
    assert_no_exception(at)
    assert at.get_by_key("dataset_classes_chart") and at.get_by_key("dataset_histogram_chart")
    assert len(image_urls(at, "dataset_means")) == 1


def test_chinese_page_text_is_chinese():
    at = open_dataset_tab(open_dataset("zh"), "digit", "zh")
    assert at.title[0].value == "数据集"
    assert metric(at, "dataset.label", "zh").isdigit()
    assert "归一化" in " ".join(m.value for m in at.markdown)


def test_reshuffle_changes_the_grid():
    at = open_dataset()
    before = image_urls(at, "dataset_grid")
    assert at.session_state["dataset_seed"] == 0
    at.button(key="dataset_reshuffle").click().run()
    assert_no_exception(at)
    assert at.session_state["dataset_seed"] == 1
    assert image_urls(at, "dataset_grid") != before


def test_changing_the_index_changes_label_and_one_hot(sample):
    first = 0
    other = int(np.flatnonzero(sample.y_train != sample.y_train[first])[0])
    at = open_dataset_tab(open_dataset(), "digit")
    assert metric(at, "dataset.label") == str(sample.y_train[first])
    at.number_input(key="dataset_index").set_value(other).run()
    assert_no_exception(at)
    label = int(sample.y_train[other])
    assert metric(at, "dataset.label") == str(label)
    assert at.session_state["dataset_digit"] == other
    one_hot = at.dataframe[0].value.iloc[0].to_numpy()
    assert one_hot.tolist() == cnn.one_hot(np.array([label]))[0].astype(int).tolist()


def test_random_digit_moves_the_index(sample):
    at = open_dataset_tab(open_dataset(), "digit")
    at.button(key="dataset_random").click().run()
    assert_no_exception(at)
    index = at.session_state["dataset_digit"]
    assert at.number_input(key="dataset_index").value == index
    assert metric(at, "dataset.label") == str(sample.y_train[index])


def test_chosen_digit_and_tab_survive_a_page_switch(sample):
    at = open_dataset_tab(open_dataset(), "digit")
    at.number_input(key="dataset_index").set_value(7).run()
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGE).run()
    assert_no_exception(at)
    assert at.session_state["dataset_tab"] == translate("dataset.tab_digit")
    assert at.number_input(key="dataset_index").value == 7
    assert metric(at, "dataset.label") == str(sample.y_train[7])
