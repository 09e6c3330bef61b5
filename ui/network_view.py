"""The network as numbers and shapes, for the Architecture page and the lesson: its
parameter counts (in all, convolutions, dense layers), the layer table with the formula behind
each count, and the tensor shapes as a diagram. The counting is `cnn.layer_specs`'."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import cnn
from cnn.config import ModelConfig
from ui import keys, model_charts
from ui.text import t

COURSE = ModelConfig()
COURSE_PARAMS = cnn.count_params(COURSE)


def current_network() -> ModelConfig:
    """The network applied on the Architecture page, else the course's."""
    config = st.session_state.get(keys.MODEL_CONFIG)
    return config if isinstance(config, ModelConfig) else COURSE


def formula_text(spec) -> str:
    """The layer table's formula in the chosen language (weights are plain arithmetic)."""
    if not spec.explanation:
        return spec.formula
    values = dict(spec.explanation_values)
    if "pooling" in values:
        values["pooling"] = t(f"arch.pooling_{values['pooling']}")
    return t(f"arch.formula_{spec.explanation}", **values)


def show_parameter_counts(config: ModelConfig, specs: list) -> None:
    """Which network is applied, and its parameters: in all, convolutions, dense layers."""
    if keys.ARCH_ERROR in st.session_state:
        st.error(t("arch.invalid", error=st.session_state[keys.ARCH_ERROR]))
    elif config == COURSE:
        st.caption(t("arch.applied_course"))
    else:
        st.caption(t("arch.applied_custom", course=f"{COURSE_PARAMS:,}"))
    total = sum(spec.params for spec in specs)
    conv_params = sum(spec.params for spec in specs if spec.kind == "Conv2D")
    flat = next(spec.output_shape[0] for spec in specs if spec.kind == "Flatten")
    with st.container(horizontal=True):
        st.metric(t("arch.total_params"), f"{total:,}", border=True)
        st.metric(t("arch.conv_params"), f"{conv_params:,}", border=True)
        st.metric(t("arch.dense_params"), f"{total - conv_params:,}", border=True)
        st.metric(t("arch.flat"), f"{flat:,}", border=True)


def show_layer_table(specs: list) -> None:
    """Layer by layer: type, output shape, parameters and how they are counted."""
    st.subheader(t("arch.table_header"))
    st.caption(t("arch.table_caption"))
    # A static table (st.table), not st.dataframe: ten rows need no grid, the formulas show
    # whole, and the page's first paint skips loading the data grid in the browser.
    table = pd.DataFrame(
        {
            t("arch.col_layer"): [spec.name for spec in specs],
            t("arch.col_type"): [spec.kind for spec in specs],
            t("arch.col_shape"): [" × ".join(map(str, spec.output_shape)) for spec in specs],
            t("arch.col_params"): [f"{spec.params:,}" for spec in specs],
            t("arch.col_formula"): [formula_text(spec) for spec in specs],
        }
    )
    st.table(table, hide_index=True, alt=t("arch.table_alt"))


def show_shapes(config: ModelConfig) -> None:
    """The tensor shapes through the network, as a diagram."""
    st.subheader(t("arch.flow_header"))
    st.caption(t("arch.flow_caption"))
    with st.container(key="arch_flow"):
        st.image(
            model_charts.shape_flow_svg(config, params_label=t("arch.params_unit")),
            caption=t("arch.chart_flow"),
        )
