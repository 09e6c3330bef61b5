"""Architecture: edit the CNN, count its parameters, and watch convolution, pooling and
activation functions work on a real digit.

Four tabs whose content runs only while open: the network (parameter counts, layer table,
shape diagram, and the form behind "Change the network"), convolution, pooling and
activation, and inside the trained network (the last three are `ui.explainers`). The page
opens on the first, which draws no Plotly chart (the diagram is an SVG image) and, on a first
visit, not the form either (its eleven widgets made the first visit ~0.35 s slower: README,
"Light pages"), so the page is complete sooner. The last tab, and the Convolution
tab's "Look inside the trained model" toggle, use the model in use as a `cnn.NumpyModel`
(NumPy inference, `cnn.inference`): this page never imports TensorFlow.
"""

import streamlit as st

import cnn
from cnn.config import (
    ACTIVATIONS,
    MAX_BLOCKS,
    MAX_DENSE,
    MAX_FILTERS,
    MAX_KERNEL,
    MIN_BLOCKS,
    MIN_DENSE,
    MIN_FILTERS,
    MIN_KERNEL,
    PADDINGS,
    POOLINGS,
)
from ui import explainers, keys
from ui.data_state import require_dataset
from ui.forms import FILTER_KEYS, network_form_values, network_from_form
from ui.frame import ensure_frame
from ui.network_view import (
    COURSE,
    current_network,
    show_layer_table,
    show_parameter_counts,
    show_shapes,
)
from ui.text import t
from ui.widgets import chapter_tabs, kept

ensure_frame()


def apply_form() -> None:
    """Submit: the network the form describes; one that cannot be built keeps the previous
    network and leaves the reason for the page to show."""
    try:
        st.session_state[keys.MODEL_CONFIG] = network_from_form(st.session_state)
    except ValueError as error:
        st.session_state[keys.ARCH_ERROR] = str(error)
        return
    st.session_state.pop(keys.ARCH_ERROR, None)


def reset_form() -> None:
    """Back to the course's network."""
    st.session_state[keys.MODEL_CONFIG] = COURSE
    st.session_state.pop(keys.ARCH_ERROR, None)
    st.session_state.update(network_form_values(COURSE))


def show_block_fields() -> None:
    """How many convolution blocks, and the filters of each."""
    st.segmented_control(
        t("arch.blocks"),
        list(range(MIN_BLOCKS, MAX_BLOCKS + 1)),
        required=True,
        key="arch_blocks",
        help=t("arch.blocks_help"),
    )
    for block, key in enumerate(FILTER_KEYS, start=1):
        st.number_input(
            t("arch.filters", block=block),
            min_value=MIN_FILTERS,
            max_value=MAX_FILTERS,
            step=1,
            key=key,
            help=t("arch.filters_help", block=block),
        )


def show_convolution_fields() -> None:
    """The kernel's size, the padding, the pooling and the activation function."""
    st.slider(
        t("arch.kernel"), MIN_KERNEL, MAX_KERNEL, key="arch_kernel", help=t("arch.kernel_help")
    )
    padding_labels = {name: t(f"arch.padding_{name}") for name in PADDINGS}
    pooling_labels = {name: t(f"arch.pooling_{name}") for name in POOLINGS}
    for label, labels, key, help_text in (
        (t("arch.padding"), padding_labels, "arch_padding", t("arch.padding_help")),
        (t("arch.pooling"), pooling_labels, "arch_pooling", None),
    ):
        st.segmented_control(
            label,
            list(labels),
            required=True,
            format_func=labels.__getitem__,
            key=key,
            help=help_text,
        )
    st.segmented_control(
        t("arch.activation"),
        list(ACTIVATIONS),
        required=True,
        format_func=explainers.ACTIVATION_NAMES.get,
        key="arch_activation",
    )


def show_classifier_fields() -> None:
    """The hidden dense layer's units, and the two dropout rates."""
    st.number_input(
        t("arch.dense"), MIN_DENSE, MAX_DENSE, step=1, key="arch_dense", help=t("arch.dense_help")
    )
    for label, key in (
        (t("arch.conv_dropout"), "arch_conv_dropout"),
        (t("arch.dense_dropout"), "arch_dense_dropout"),
    ):
        st.slider(label, 0.0, 0.9, step=0.05, key=key, help=t("arch.dropout_help"))


def show_network_form() -> None:
    """The form that edits the network; Apply builds it, Reset goes back to the course's."""
    if "arch_blocks" not in st.session_state:
        # A fresh visit: the form shows the applied network; an old error no longer applies.
        st.session_state.pop(keys.ARCH_ERROR, None)
    for widget_key, value in network_form_values(current_network()).items():
        st.session_state.setdefault(widget_key, value)
    with st.form("arch_form"):
        columns = st.columns(3, gap="large")
        for column, fields in zip(
            columns,
            (show_block_fields, show_convolution_fields, show_classifier_fields),
            strict=True,
        ):
            with column:
                fields()
        st.form_submit_button(
            t("arch.apply"),
            key="arch_submit",
            type="primary",
            icon=":material/check:",
            on_click=apply_form,
        )
    st.button(t("arch.reset"), key="arch_reset", icon=":material/restart_alt:", on_click=reset_form)


def show_editor() -> None:
    """The form behind a toggle, closed on a first visit with the course's network; open
    while the user has it open (kept across page switches) or a network of their own."""
    opened = st.toggle(
        t("arch.edit"),
        help=t("arch.edit_help"),
        **kept("arch_edit", keys.ARCH_EDIT, current_network() != COURSE),
    )
    if opened:
        show_network_form()


def show_network() -> None:
    show_editor()
    config = current_network()
    specs = cnn.layer_specs(config)  # one list of layers for the counts and the table
    show_parameter_counts(config, specs)
    show_layer_table(specs)
    show_shapes(config)


st.title(t("nav.architecture"))
data = require_dataset()
st.write(t("arch.intro"))
chapter_tabs(
    "arch_tab",
    {
        "network": show_network,
        "convolution": lambda: explainers.show_convolution(data, current_network().padding),
        "pooling": lambda: explainers.show_pooling_and_activation(data, current_network().padding),
        "model": lambda: explainers.show_inside_the_model(data),
    },
    "arch.tab_",
)
