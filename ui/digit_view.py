"""One MNIST digit pixel by pixel, for the Dataset page and the lesson: its pixels before and
after dividing by 255, the course's reshape in code, and its one-hot label. The digit chosen
is kept across pages (`ui.keys.DATASET_DIGIT`; the Architecture explainers start from it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import cnn
from cnn.config import IMAGE_SIZE, NUM_CLASSES
from ui import charts, keys
from ui.text import t
from ui.widgets import kept


def random_digit(count: int) -> None:
    st.session_state[keys.DATASET_DIGIT] = int(np.random.default_rng().integers(count))


def show_digit(data: cnn.Dataset) -> None:
    """One digit's pixels before and after dividing by 255, and its one-hot label."""
    train_total = len(data.x_train)
    last = train_total - 1
    index = min(max(int(st.session_state.get(keys.DATASET_DIGIT, 0)), 0), last)
    st.session_state[keys.DATASET_DIGIT] = index
    image = data.x_train[index]
    label = int(data.y_train[index])
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.number_input(
            t("dataset.index", last=last),
            min_value=0,
            max_value=last,
            step=1,
            width=280,
            **kept("dataset_index", keys.DATASET_DIGIT),
        )
        st.button(
            t("dataset.random_digit"),
            key="dataset_random",
            icon=":material/casino:",
            on_click=random_digit,
            args=(train_total,),
        )
        st.metric(t("dataset.label"), str(label), width="content")

    raw_column, normalised_column = st.columns(2)
    with raw_column:
        st.markdown(f"**{t('dataset.raw')}**")
        st.plotly_chart(
            charts.pixel_values_figure(image.astype(np.float32), ".0f"),
            key="dataset_raw_chart",
            alt=t("dataset.chart_digit"),
        )
    with normalised_column:
        st.markdown(f"**{t('dataset.normalised')}**")
        normalised = cnn.to_4d_float(image)[0, ..., 0]
        st.plotly_chart(
            charts.pixel_values_figure(normalised, ".1f"),
            key="dataset_normalised_chart",
            alt=t("dataset.chart_digit"),
        )

    show_preprocessing(train_total, label)


def show_preprocessing(train_total: int, label: int) -> None:
    """The course's reshape and ÷255 in code, and the digit's one-hot label."""
    side = f"{IMAGE_SIZE}, {IMAGE_SIZE}"
    shapes = {"before": f"({train_total:,}, {side})", "after": f"({train_total:,}, {side}, 1)"}
    st.markdown(t("dataset.steps", **shapes))
    st.code(t("dataset.code"), language="python")
    st.markdown(f"**{t('dataset.one_hot', label=label)}**")
    one_hot = cnn.one_hot(np.array([label]))[0].astype(int)
    st.dataframe(
        pd.DataFrame([one_hot], columns=[str(d) for d in range(NUM_CLASSES)]),
        hide_index=True,
        width="content",
        key="dataset_one_hot",
    )
