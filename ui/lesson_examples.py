"""Each lesson step's live example: the app's own widget for the step's subject, reused from
the page where it lives (the Dataset page's digit, the Architecture page's explainers, layer
table and shape diagram, the Training page's charts, the Predict page's canvas), followed by
a link to that page. Nothing here imports TensorFlow: the explainers and the canvas read the
model in NumPy (`cnn.NumpyModel`), and a training happens on the Training page."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

import cnn
from cnn.config import IMAGE_SIZE, PADDINGS
from ui import explainers, keys
from ui.data_state import available_dataset
from ui.digit_view import show_digit
from ui.drawing_input import show_canvas, show_drawing_prediction
from ui.live_training import show_history
from ui.models import selected_model, session_run
from ui.network_view import (
    COURSE,
    current_network,
    show_layer_table,
    show_parameter_counts,
    show_shapes,
)
from ui.text import t
from ui.training_results import show_mlp_comparison

# Where each step's subject lives in the app, to go further there.
TRY_IT = {
    "local": "pages/architecture.py",
    "data": "pages/dataset.py",
    "convolution": "pages/architecture.py",
    "padding": "pages/architecture.py",
    "pooling": "pages/architecture.py",
    "activation": "pages/architecture.py",
    "parameters": "pages/architecture.py",
    "network": "pages/architecture.py",
    "training": "pages/training.py",
    "testing": "pages/training.py",
    "predict": "pages/predict.py",
}


def show_local() -> None:
    """A fully connected layer on the raw image against the course's first convolution."""
    pixels, units = IMAGE_SIZE * IMAGE_SIZE, COURSE.dense_units
    conv = next(spec for spec in cnn.layer_specs(COURSE) if spec.kind == "Conv2D")
    with st.container(horizontal=True):
        st.metric(
            t("lesson.local_dense", pixels=pixels, units=units),
            f"{pixels * units + units:,}",
            border=True,
        )
        st.metric(
            t("lesson.local_conv", filters=COURSE.filters[0], k=COURSE.kernel_size),
            f"{conv.params:,}",
            border=True,
        )


def show_padding(data: cnn.Dataset) -> None:
    """The student's network with either padding: the shapes through it change."""
    network = current_network()
    labels = {name: t(f"arch.padding_{name}") for name in PADDINGS}
    chosen = st.segmented_control(
        t("arch.padding"),
        list(labels),
        default=network.padding,
        required=True,
        format_func=labels.__getitem__,
        key="lesson_padding",
    )
    show_shapes(network.with_changes(padding=chosen or network.padding))


def show_parameters(data: cnn.Dataset) -> None:
    network = current_network()
    specs = cnn.layer_specs(network)
    show_parameter_counts(network, specs)
    show_layer_table(specs)


def show_pooling(data: cnn.Dataset) -> None:
    explainers.show_pooling(data, *explainers.explained_map(data, current_network().padding))


def show_activations(data: cnn.Dataset) -> None:
    _, feature_map, limit = explainers.explained_map(data, current_network().padding)
    explainers.show_activations(feature_map, limit)


def show_training(data: cnn.Dataset) -> None:
    """This session's training history, once there is one."""
    run = session_run()
    if run is None:
        st.info(t("lesson.no_training_yet"), icon=":material/model_training:")
        return
    show_history(run)


def show_testing(data: cnn.Dataset) -> None:
    """The CNN against the MLP, once both were trained in this session."""
    run = session_run()
    if run is None or run.evaluation is None or st.session_state.get(keys.MLP) is None:
        st.info(t("lesson.no_comparison_yet"), icon=":material/compare_arrows:")
        return
    show_mlp_comparison(run)


def show_predict(data: cnn.Dataset) -> int | None:
    """The canvas and what the model in use reads in the drawing; returns that digit."""
    model = selected_model().model
    draw_column, result_column = st.columns([1, 1.4], gap="large")
    with draw_column:
        drawing = show_canvas(prefix="lesson")
    with result_column:
        return show_drawing_prediction(model, drawing, prefix="lesson")


EXAMPLES: dict[str, Callable[[cnn.Dataset], object]] = {
    "local": lambda data: show_local(),
    "data": show_digit,
    "convolution": lambda data: explainers.show_convolution(data, current_network().padding),
    "padding": show_padding,
    "pooling": show_pooling,
    "activation": show_activations,
    "parameters": show_parameters,
    "network": lambda data: show_shapes(current_network()),
    "training": show_training,
    "testing": show_testing,
    "predict": show_predict,
}


def show_example(step: str):
    """The step's live example in a frame, and the link to its page; returns what the
    example returns (the digit read in a drawing, for the last step)."""
    data = available_dataset()
    shown = None
    if data is not None:
        with st.container(border=True, key=f"lesson_example_{step}"):
            shown = EXAMPLES[step](data)
    st.page_link(TRY_IT[step], label=t("lesson.try_it"), icon=":material/arrow_forward:")
    return shown
