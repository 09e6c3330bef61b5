"""The Dataset page on the offline 5,000-digit sample: counts, the random grid, one digit."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import assert_no_exception, open_page

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


@pytest.fixture(scope="module")
def sample() -> cnn.Dataset:
    return cnn.load_sample()


def metric(at, key: str, language: str = "en") -> str:
    label = translate(key, language)
    return next(m.value for m in at.metric if m.label == label)


def chart_spec(at, key: str) -> dict:
    return json.loads(at.get_by_key(key).proto.spec)


def image_urls(at, key: str) -> list[str]:
    """The media URLs (content hashes) of the images in the container `key`."""
    return [
        image.url for child in at.get_by_key(key).children.values() for image in child.proto.imgs
    ]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_renders_in_both_languages(language, sample):
    at = open_dataset(language)
    assert_no_exception(at)
    assert at.title[0].value == translate("nav.dataset", language)
    assert metric(at, "dataset.train_count", language) == f"{len(sample.x_train):,}"
    assert metric(at, "dataset.test_count", language) == f"{len(sample.x_test):,}"
    assert at.info, "the offline sample is named as such"
    for key in ("dataset_reshuffle", "dataset_random"):
        assert at.button(key=key)
    assert at.number_input(key="dataset_index").value == 0
    assert at.get_by_key("dataset_classes_chart")
    assert len(image_urls(at, "dataset_grid")) == 1
    assert len(image_urls(at, "dataset_means")) == 1


def test_chinese_page_text_is_chinese():
    at = open_dataset("zh")
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
    at = open_dataset()
    assert metric(at, "dataset.label") == str(sample.y_train[first])
    at.number_input(key="dataset_index").set_value(other).run()
    assert_no_exception(at)
    label = int(sample.y_train[other])
    assert metric(at, "dataset.label") == str(label)
    assert at.session_state["dataset_digit"] == other
    one_hot = at.dataframe[0].value.iloc[0].to_numpy()
    assert one_hot.tolist() == cnn.one_hot(np.array([label]))[0].astype(int).tolist()


def test_random_digit_moves_the_index(sample):
    at = open_dataset()
    at.button(key="dataset_random").click().run()
    assert_no_exception(at)
    index = at.session_state["dataset_digit"]
    assert at.number_input(key="dataset_index").value == index
    assert metric(at, "dataset.label") == str(sample.y_train[index])


def test_chosen_digit_survives_a_page_switch(sample):
    at = open_dataset()
    at.number_input(key="dataset_index").set_value(7).run()
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGE).run()
    assert_no_exception(at)
    assert at.number_input(key="dataset_index").value == 7
    assert metric(at, "dataset.label") == str(sample.y_train[7])
