"""Dataset: what MNIST holds, and the course's three preprocessing steps on one real digit.

The counts sit above three tabs whose content runs only while open: random digits (images),
one digit pixel by pixel, and classes and pixel values. The page opens on the first, which
draws no Plotly chart, so the browser need not load Plotly before the page is complete.
"""

import numpy as np
import streamlit as st

import cnn
from cnn.config import IMAGE_SIZE, NUM_CLASSES
from ui import charts, keys
from ui.data_state import require_dataset
from ui.digit_view import show_digit
from ui.frame import ensure_frame
from ui.text import t
from ui.widgets import chapter_tabs

ensure_frame()

PER_CLASS = 6  # digits per class in the random grid
HISTOGRAM_IMAGES = 10_000  # enough for the shape of the histogram, cheap to count


@st.cache_data(show_spinner=False, max_entries=4)
def class_means(source: str, _labels: np.ndarray, _images: np.ndarray) -> np.ndarray:
    """The mean image of each digit, (10, 28, 28); cached per data source."""
    return np.stack(
        [_images[_labels == digit].mean(axis=0, dtype=np.float32) for digit in range(NUM_CLASSES)]
    )


@st.cache_data(show_spinner=False, max_entries=64)
def random_grid(source: str, seed: int, _labels: np.ndarray) -> np.ndarray:
    """Indices of `PER_CLASS` random images of each digit, in rows: row r holds the r-th
    sample of digits 0-9, so each column of the grid is one class."""
    rng = np.random.default_rng(seed)
    columns = [
        rng.choice(np.flatnonzero(_labels == digit), PER_CLASS, replace=False)
        for digit in range(NUM_CLASSES)
    ]
    return np.stack(columns, axis=1).reshape(-1)


@st.cache_data(show_spinner=False, max_entries=8)
def histogram_figure(source: str, x_title: str, y_title: str, _images: np.ndarray):
    return charts.pixel_histogram_figure(
        _images[:HISTOGRAM_IMAGES], x_title=x_title, y_title=y_title
    )


def reshuffle() -> None:
    st.session_state[keys.DATASET_SEED] = st.session_state.get(keys.DATASET_SEED, 0) + 1


def show_grid(data: cnn.Dataset) -> None:
    """Random training digits of each class, one column per class."""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(t("dataset.grid_caption", per_class=PER_CLASS))
        st.button(
            t("dataset.reshuffle"),
            key="dataset_reshuffle",
            icon=":material/shuffle:",
            on_click=reshuffle,
        )
    shuffle = st.session_state.setdefault(keys.DATASET_SEED, 0)
    grid = random_grid(data.source, shuffle, data.y_train)
    with st.container(key="dataset_grid"):
        st.image(
            charts.digit_grid_image(data.x_train[grid], columns=NUM_CLASSES, scale=3),
            caption=t("dataset.chart_grid"),
            output_format="PNG",
        )


def show_classes(data: cnn.Dataset) -> None:
    """How many of each digit, the average digit of each class, and the pixel values."""
    train_total = len(data.x_train)
    st.subheader(t("dataset.classes_header"))
    st.caption(t("dataset.classes_caption"))
    classes_figure = charts.class_distribution_figure(
        data.y_train,
        data.y_test,
        train_label=t("dataset.train_set"),
        test_label=t("dataset.test_set"),
        x_title=t("dataset.digit_axis"),
        y_title=t("dataset.images_axis"),
    )
    classes_figure.update_xaxes(type="category")  # every digit gets its tick
    st.plotly_chart(
        classes_figure,
        key="dataset_classes_chart",
        alt=t("dataset.chart_classes"),
    )

    mean_column, histogram_column = st.columns(2)
    with mean_column:
        st.subheader(t("dataset.mean_header"))
        st.caption(t("dataset.mean_caption"))
        means = class_means(data.source, data.y_train, data.x_train)
        with st.container(key="dataset_means"):
            st.image(
                charts.digit_grid_image(means, columns=5, scale=4),
                caption=t("dataset.chart_mean"),
                output_format="PNG",
            )
    with histogram_column:
        st.subheader(t("dataset.histogram_header"))
        st.caption(t("dataset.histogram_caption", count=f"{min(train_total, HISTOGRAM_IMAGES):,}"))
        st.plotly_chart(
            histogram_figure(
                data.source, t("dataset.pixel_axis"), t("dataset.pixels_axis"), data.x_train
            ),
            key="dataset_histogram_chart",
            alt=t("dataset.chart_histogram"),
        )


st.title(t("nav.dataset"))
data = require_dataset()
st.write(t("dataset.intro"))

train_total, test_total = len(data.x_train), len(data.x_test)
with st.container(horizontal=True):
    st.metric(t("dataset.train_count"), f"{train_total:,}", border=True)
    st.metric(t("dataset.test_count"), f"{test_total:,}", border=True)
    st.metric(t("dataset.image_size"), f"{IMAGE_SIZE} × {IMAGE_SIZE}", border=True)
    st.metric(t("dataset.classes"), str(NUM_CLASSES), border=True)
if data.is_sample:
    st.caption(t("dataset.source_sample"))
    st.info(
        t(
            "dataset.sample_note",
            total=f"{train_total + test_total:,}",
            train=f"{train_total:,}",
            test=f"{test_total:,}",
        )
    )
else:
    st.caption(
        t(
            "dataset.source_full",
            train=f"{train_total:,}",
            test=f"{test_total:,}",
        )
    )

chapter_tabs(
    "dataset_tab",
    {
        "grid": lambda: show_grid(data),
        "digit": lambda: show_digit(data),
        "classes": lambda: show_classes(data),
    },
    "dataset.tab_",
)
