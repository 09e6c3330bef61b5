"""Architecture: edit the CNN, count its parameters, and watch convolution, pooling and
activation functions work on a real digit.

Four tabs whose content runs only while open: the network (form, layer table, shape diagram),
convolution, pooling and activation, and inside the trained network. The page opens on the
first, which draws no Plotly chart (the diagram is an SVG image), so the browser need not load
Plotly before the page is complete. Only the last tab, and the Convolution tab's "Look inside
the trained model" toggle, import TensorFlow and load the model.
"""

import numpy as np
import pandas as pd
import streamlit as st

import cnn
from cnn import charts
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
    ModelConfig,
)
from cnn.operations import EXAMPLE_KERNELS, activate, convolve2d, pool2d
from ui.state import (
    MODEL_CONFIG,
    chapter_tabs,
    ensure_frame,
    language,
    model_source_label,
    require_dataset,
    selected_model,
    t,
)

ensure_frame()

SEED = ModelConfig()
SEED_PARAMS = cnn.count_params(SEED)
# Filters of a block the current config lacks, offered when the user adds blocks.
SPARE_FILTERS = (16, 36, 64)
ACTIVATION_NAMES = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}
MAX_LEARNED = 16  # learned first-layer filters offered in the filter list

# Plain session-state keys of this page (widget keys alone do not survive a page switch).
ERROR = "arch_error"
DIGIT = "arch_digit_index"
KERNEL = "arch_kernel_name"
ROW, COLUMN = "arch_row_value", "arch_column_value"
MODEL_ON = "arch_model_on"


def current_config() -> ModelConfig:
    config = st.session_state.get(MODEL_CONFIG)
    return config if isinstance(config, ModelConfig) else SEED


def form_values(config: ModelConfig) -> dict:
    """The form's widget keys and their values for `config`."""
    filters = list(config.filters) + list(SPARE_FILTERS[config.num_blocks :])
    return {
        "arch_blocks": config.num_blocks,
        **{f"arch_filters_{block}": filters[block - 1] for block in range(1, MAX_BLOCKS + 1)},
        "arch_kernel": config.kernel_size,
        "arch_padding": config.padding,
        "arch_pooling": config.pooling,
        "arch_activation": config.activation,
        "arch_dense": config.dense_units,
        "arch_conv_dropout": float(config.conv_dropout),
        "arch_dense_dropout": float(config.dense_dropout),
    }


def apply_form() -> None:
    """Submit: build the config from the form; a combination that cannot be built keeps the
    previous config and leaves the reason for the page to show."""
    state = st.session_state
    blocks = int(state["arch_blocks"])
    try:
        config = current_config().with_changes(
            filters=tuple(int(state[f"arch_filters_{block}"]) for block in range(1, blocks + 1)),
            kernel_size=int(state["arch_kernel"]),
            padding=state["arch_padding"],
            pooling=state["arch_pooling"],
            activation=state["arch_activation"],
            dense_units=int(state["arch_dense"]),
            conv_dropout=round(float(state["arch_conv_dropout"]), 2),
            dense_dropout=round(float(state["arch_dense_dropout"]), 2),
        )
    except ValueError as error:
        state[ERROR] = str(error)
        return
    state[MODEL_CONFIG] = config
    state.pop(ERROR, None)


def reset_form() -> None:
    """Back to the course's network; the training settings (optimizer, learning rate) stay."""
    architecture = {
        name: getattr(SEED, name)
        for name in (
            "filters",
            "kernel_size",
            "padding",
            "pooling",
            "activation",
            "conv_dropout",
            "dense_units",
            "dense_dropout",
        )
    }
    config = current_config().with_changes(**architecture)
    st.session_state[MODEL_CONFIG] = config
    st.session_state.pop(ERROR, None)
    for key, value in form_values(config).items():
        st.session_state[key] = value


def copy_widget(widget_key: str, state_key: str) -> None:
    st.session_state[state_key] = st.session_state[widget_key]


def remembered(widget_key: str, state_key: str, default) -> dict:
    """Widget arguments that keep its value in a plain state key across page switches."""
    st.session_state.setdefault(state_key, default)
    if widget_key not in st.session_state:
        st.session_state[widget_key] = st.session_state[state_key]
    return {"key": widget_key, "on_change": copy_widget, "args": (widget_key, state_key)}


def formula_text(spec, previous_shape, config: ModelConfig) -> str:
    """The layer table's formula in the chosen language (weights are pure arithmetic)."""
    if spec.kind == "Input":
        return t("arch.formula_input")
    if spec.kind in ("MaxPooling2D", "AveragePooling2D"):
        return t("arch.formula_pool", pooling=t(f"arch.pooling_{config.pooling}"))
    if spec.kind == "Dropout":
        rate = config.conv_dropout if spec.name == "dropout_1" else config.dense_dropout
        return t("arch.formula_dropout", rate=f"{rate:g}")
    if spec.kind == "Flatten":
        return t(
            "arch.formula_flatten",
            shape="×".join(str(s) for s in previous_shape),
            count=f"{spec.output_shape[0]:,}",
        )
    return spec.formula


def layer_frame(config: ModelConfig) -> pd.DataFrame:
    specs = cnn.layer_specs(config)
    return pd.DataFrame(
        {
            t("arch.col_layer"): [spec.name for spec in specs],
            t("arch.col_type"): [spec.kind for spec in specs],
            t("arch.col_shape"): [" × ".join(str(s) for s in spec.output_shape) for spec in specs],
            t("arch.col_params"): [spec.params for spec in specs],
            t("arch.col_formula"): [
                formula_text(spec, specs[index - 1].output_shape if index else None, config)
                for index, spec in enumerate(specs)
            ],
        }
    )


def heatmap(
    values,
    value_format: str,
    *,
    signed: bool,
    height: int,
    show_scale: bool = True,
    limit: float | None = None,
):
    """A square heatmap: signed values blue (negative) to red (positive) on a scale from
    -limit to limit (by default the values' own largest magnitude), others grey."""
    figure = charts.image_heatmap_figure(
        values,
        show_values=value_format != "",
        value_format=value_format or ".2f",
        colorscale="RdBu_r" if signed else charts.GREYS,
        height=height,
    )
    if signed:
        limit = limit or float(np.abs(values).max()) or 1.0
        figure.update_traces(zmin=-limit, zmax=limit)
    figure.update_traces(showscale=show_scale, textfont={"size": 11})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def learned_kernels(model=None):
    """The first-layer kernels (k, k, 1, n) of `model` (by default the selected one) and its
    layer name, or None. Imports TensorFlow (through `cnn.conv_filters`): only for the toggle
    and the last tab."""
    if model is None:
        model, _ = selected_model()
    if model is None:
        return None
    kernels = [(name, kernel) for name, kernel in cnn.conv_filters(model) if kernel.shape[2] == 1]
    return kernels[0] if kernels else None


def show_network() -> None:
    """The form that edits the network, its parameter counts, layer table and shapes."""
    config = current_config()
    if "arch_blocks" not in st.session_state:
        # A fresh visit: the form shows the applied config; an old error no longer applies.
        st.session_state.pop(ERROR, None)
    for widget_key, value in form_values(config).items():
        st.session_state.setdefault(widget_key, value)

    with st.form("arch_form"):
        blocks_column, layout_column, dense_column = st.columns(3, gap="large")
        with blocks_column:
            st.segmented_control(
                t("arch.blocks"),
                list(range(MIN_BLOCKS, MAX_BLOCKS + 1)),
                required=True,
                key="arch_blocks",
                help=t("arch.blocks_help"),
            )
            for block in range(1, MAX_BLOCKS + 1):
                st.number_input(
                    t("arch.filters", block=block),
                    min_value=MIN_FILTERS,
                    max_value=MAX_FILTERS,
                    step=1,
                    key=f"arch_filters_{block}",
                    help=t("arch.filters_help", block=block),
                )
        with layout_column:
            st.slider(
                t("arch.kernel"),
                min_value=MIN_KERNEL,
                max_value=MAX_KERNEL,
                key="arch_kernel",
                help=t("arch.kernel_help"),
            )
            st.segmented_control(
                t("arch.padding"),
                list(PADDINGS),
                required=True,
                format_func=lambda name: t(f"arch.padding_{name}"),
                key="arch_padding",
                help=t("arch.padding_help"),
            )
            st.segmented_control(
                t("arch.pooling"),
                list(POOLINGS),
                required=True,
                format_func=lambda name: t(f"arch.pooling_{name}"),
                key="arch_pooling",
            )
            st.segmented_control(
                t("arch.activation"),
                list(ACTIVATIONS),
                required=True,
                format_func=ACTIVATION_NAMES.get,
                key="arch_activation",
            )
        with dense_column:
            st.number_input(
                t("arch.dense"),
                min_value=MIN_DENSE,
                max_value=MAX_DENSE,
                step=1,
                key="arch_dense",
                help=t("arch.dense_help"),
            )
            st.slider(
                t("arch.conv_dropout"),
                min_value=0.0,
                max_value=0.9,
                step=0.05,
                key="arch_conv_dropout",
                help=t("arch.dropout_help"),
            )
            st.slider(
                t("arch.dense_dropout"),
                min_value=0.0,
                max_value=0.9,
                step=0.05,
                key="arch_dense_dropout",
                help=t("arch.dropout_help"),
            )
        st.form_submit_button(
            t("arch.apply"),
            key="arch_submit",
            type="primary",
            icon=":material/check:",
            on_click=apply_form,
        )

    st.button(t("arch.reset"), key="arch_reset", icon=":material/restart_alt:", on_click=reset_form)
    config = current_config()
    if ERROR in st.session_state:
        st.error(t("arch.invalid", error=st.session_state[ERROR]))
    elif config == SEED.with_changes(
        optimizer=config.optimizer,
        learning_rate=config.learning_rate,
        mixed_precision=config.mixed_precision,
    ):
        st.caption(t("arch.applied_seed"))
    else:
        st.caption(t("arch.applied_custom", seed=f"{SEED_PARAMS:,}"))

    # --- parameters, table, shapes -----------------------------------------------------------
    specs = cnn.layer_specs(config)
    total = cnn.count_params(config)
    conv_params = sum(spec.params for spec in specs if spec.kind == "Conv2D")
    flat = next(spec.output_shape[0] for spec in specs if spec.kind == "Flatten")
    with st.container(horizontal=True):
        st.metric(t("arch.total_params"), f"{total:,}", border=True)
        st.metric(t("arch.conv_params"), f"{conv_params:,}", border=True)
        st.metric(t("arch.dense_params"), f"{total - conv_params:,}", border=True)
        st.metric(t("arch.flat"), f"{flat:,}", border=True)

    st.subheader(t("arch.table_header"))
    st.caption(t("arch.table_caption"))
    # A static table (st.table), not st.dataframe: ten rows need no grid, the formulas show
    # whole, and the page's first paint skips loading the data grid in the browser.
    table = layer_frame(config)
    table[t("arch.col_params")] = table[t("arch.col_params")].map("{:,}".format)
    st.table(table, hide_index=True, alt=t("arch.table_alt"))
    st.subheader(t("arch.flow_header"))
    st.caption(t("arch.flow_caption"))
    with st.container(key="arch_flow"):
        st.image(
            charts.shape_flow_svg(config, params_label=t("arch.params_unit")),
            caption=t("arch.chart_flow"),
        )


def explainer_filters() -> tuple[list[str], tuple | None]:
    """The filters the explainer offers: the hand-written ones, plus the selected model's
    learned first-layer filters while "Look inside the trained model" is on (which imports
    TensorFlow). Returns (names, (layer name, kernels) or None); keeps the chosen one valid."""
    learned = learned_kernels() if st.session_state.get(MODEL_ON, False) else None
    names = list(EXAMPLE_KERNELS)
    if learned is not None:
        names += [f"learned_{i}" for i in range(min(learned[1].shape[3], MAX_LEARNED))]
    if st.session_state.get(KERNEL) not in names:
        st.session_state[KERNEL] = names[0]
        st.session_state.pop("arch_kernel_choice", None)
    return names, learned


def explained_digit(data: cnn.Dataset) -> int:
    """The index of the digit the explainer works on (at first the one chosen on the Dataset
    page)."""
    last = len(data.x_train) - 1
    st.session_state.setdefault(DIGIT, min(int(st.session_state.get("dataset_digit", 0)), last))
    return min(int(st.session_state[DIGIT]), last)


def feature_map_of(data: cnn.Dataset, learned) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The chosen digit (0-1 floats), the chosen filter, and the feature map it gives."""
    digit = cnn.to_4d_float(data.x_train[explained_digit(data)])[0, ..., 0]
    name = st.session_state[KERNEL]
    if name.startswith("learned_"):
        kernel = learned[1][:, :, 0, int(name.split("_")[1])]
    else:
        kernel = EXAMPLE_KERNELS[name]
    return digit, kernel, convolve2d(digit, kernel, padding=current_config().padding)


def show_convolution(data: cnn.Dataset) -> None:
    """A filter slid over a real digit: the window, the products, their sum."""
    st.write(t("arch.explain_intro"))
    last = len(data.x_train) - 1
    kernel_names, learned = explainer_filters()
    if st.session_state.get("arch_kernel_language") != language():
        # The browser keeps a selectbox's choice as its shown text: set it again so that the
        # text follows a change of language.
        st.session_state["arch_kernel_language"] = language()
        st.session_state.pop("arch_kernel_choice", None)

    def kernel_label(name: str) -> str:
        if name.startswith("learned_"):
            number = int(name.split("_")[1]) + 1
            return t("arch.kernel_learned", number=number, layer=learned[0])
        return t(f"arch.kernel_{name}")

    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.number_input(
            t("arch.digit_index", last=last),
            min_value=0,
            max_value=last,
            step=1,
            width=260,
            **remembered("arch_digit", DIGIT, explained_digit(data)),
        )
        st.selectbox(
            t("arch.kernel_choice"),
            kernel_names,
            format_func=kernel_label,
            width=320,
            **remembered("arch_kernel_choice", KERNEL, kernel_names[0]),
        )
        st.toggle(
            t("arch.use_model"),
            help=t("arch.use_model_help"),
            **remembered("arch_model", MODEL_ON, False),
        )

    digit_index = explained_digit(data)
    digit, kernel, feature_map = feature_map_of(data, learned)
    size = kernel.shape[0]
    padding = current_config().padding
    st.caption(
        t(
            f"arch.explain_padding_{padding}",
            label=int(data.y_train[digit_index]),
            size=size,
            out=feature_map.shape[0],
        )
    )

    # The window under the filter at one output position, padded exactly as convolve2d pads.
    top = (size - 1) // 2 if padding == "same" else 0
    padded = np.pad(digit, ((top, size - 1 - top),) * 2) if padding == "same" else digit
    out_size = feature_map.shape[0]
    row_column, column_column = st.columns(2)
    with row_column:
        row = st.slider(
            t("arch.row"),
            0,
            out_size - 1,
            **remembered("arch_row", ROW, out_size // 2),
        )
    with column_column:
        column = st.slider(
            t("arch.column"),
            0,
            out_size - 1,
            **remembered("arch_column", COLUMN, out_size // 2),
        )
    row, column = min(row, out_size - 1), min(column, out_size - 1)
    window = padded[row : row + size, column : column + size]
    products = window * kernel
    output_value = float(feature_map[row, column])

    digit_column, kernel_column, map_column = st.columns(3)
    with digit_column:
        st.markdown(f"**{t('arch.digit_title', label=int(data.y_train[digit_index]))}**")
        figure = heatmap(digit, "", signed=False, height=340, show_scale=False)
        figure.add_shape(
            type="rect",
            x0=column - top - 0.5,
            x1=column - top + size - 0.5,
            y0=row - top - 0.5,
            y1=row - top + size - 0.5,
            line={"color": "#d62728", "width": 3},
        )
        st.plotly_chart(figure, key="arch_digit_chart", alt=t("arch.chart_digit"))
    with kernel_column:
        st.markdown(f"**{t('arch.kernel_title', size=size)}**")
        st.plotly_chart(
            heatmap(kernel, ".2f" if size <= 7 else "", signed=True, height=340),
            key="arch_kernel_chart",
            alt=t("arch.chart_kernel"),
        )
    with map_column:
        st.markdown(f"**{t('arch.map_title', size=out_size)}**")
        figure = heatmap(feature_map, "", signed=True, height=340)
        figure.add_shape(
            type="rect",
            x0=column - 0.5,
            x1=column + 0.5,
            y0=row - 0.5,
            y1=row + 0.5,
            line={"color": "#2ca02c", "width": 3},
        )
        st.plotly_chart(figure, key="arch_map_chart", alt=t("arch.chart_map"))

    window_column, products_column, sum_column = st.columns(3)
    with window_column:
        st.markdown(f"**{t('arch.window_title')}**")
        st.plotly_chart(
            heatmap(window, ".2f" if size <= 7 else "", signed=False, height=300, show_scale=False),
            key="arch_window_chart",
            alt=t("arch.chart_window"),
        )
    with products_column:
        st.markdown(f"**{t('arch.products_title')}**")
        st.plotly_chart(
            heatmap(products, ".2f" if size <= 7 else "", signed=True, height=300),
            key="arch_products_chart",
            alt=t("arch.chart_products"),
        )
    with sum_column:
        st.metric(
            t("arch.output_value", row=row, column=column), f"{output_value:.3f}", border=True
        )
        st.markdown(
            t(
                "arch.sum",
                count=size * size,
                total=f"{float(products.sum()):.3f}",
                row=row,
                column=column,
            )
        )


def show_pooling_and_activation(data: cnn.Dataset) -> None:
    """Max vs mean pooling, and ReLU vs sigmoid vs tanh, on the Convolution tab's map."""
    _, learned = explainer_filters()
    _, kernel, feature_map = feature_map_of(data, learned)
    out_size = feature_map.shape[0]
    limit = float(np.abs(feature_map).max()) or 1.0  # one colour scale for the map and both pools
    st.caption(
        t(
            "arch.pool_source",
            label=int(data.y_train[explained_digit(data)]),
            size=kernel.shape[0],
            out=out_size,
        )
    )
    st.subheader(t("arch.pool_header"))
    st.write(t("arch.pool_intro"))
    map_column, max_column, average_column = st.columns(3)
    with map_column:  # the map before pooling, on the same colour scale
        st.markdown(f"**{t('arch.map_title', size=out_size)}**")
        st.plotly_chart(
            heatmap(feature_map, "", signed=True, height=300, show_scale=False, limit=limit),
            key="arch_pool_input_chart",
            alt=t("arch.chart_map"),
        )
    for mode, place in (("max", max_column), ("average", average_column)):
        pooled = pool2d(feature_map, 2, mode)
        with place:
            st.markdown(f"**{t(f'arch.pool_{mode}', before=out_size, size=pooled.shape[0])}**")
            st.plotly_chart(
                heatmap(
                    pooled, "", signed=True, height=300, show_scale=mode == "average", limit=limit
                ),
                key=f"arch_pool_{mode}_chart",
                alt=t(f"arch.pool_{mode}", before=out_size, size=pooled.shape[0]),
            )

    # --- activation functions --------------------------------------------------------------
    st.subheader(t("arch.activation_header"))
    st.write(t("arch.activation_intro"))
    curves_column, maps_column = st.columns([2, 3])
    with curves_column:
        curves = charts.activation_curves_figure(
            x_title=t("arch.activation_x"), y_title=t("arch.activation_y")
        )
        # Zoomed to where the three differ; the legend above, clear of the axis title.
        curves.update_yaxes(range=[-1.3, 2.5])
        curves.update_layout(
            legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"}, margin={"t": 40}
        )
        st.plotly_chart(
            curves,
            key="arch_activation_chart",
            alt=t("arch.chart_activation"),
        )
    with maps_column:
        st.markdown(f"**{t('arch.activation_maps')}**")
        figure = charts.digit_grid_figure(
            [activate(feature_map, name) for name in ACTIVATIONS],
            [ACTIVATION_NAMES[name] for name in ACTIVATIONS],
            columns=len(ACTIVATIONS),
            cell_px=220,
        )
        for trace, (low, high) in zip(
            figure.data, ((0.0, limit), (0.0, 1.0), (-1.0, 1.0)), strict=True
        ):
            trace.update(colorscale="Viridis", zmin=low, zmax=high)
        st.plotly_chart(figure, key="arch_activation_maps_chart", alt=t("arch.activation_maps"))


def show_inside_the_model(data: cnn.Dataset) -> None:
    """The selected model's learned filters and the feature maps of every layer for the
    explainer's digit. Opening this tab is what imports TensorFlow and loads the model."""
    digit_index = explained_digit(data)
    with st.spinner(t("arch.loading")):
        model, source = selected_model()
    if model is None:
        st.warning(t("arch.no_model"))
        return
    learned = learned_kernels(model)
    if learned is None:
        st.info(t("arch.no_conv"))
        return
    st.caption(t("arch.model_caption", source=model_source_label(source)))
    layer_name, kernels = learned
    filters_title = t(
        "arch.filters_title", count=kernels.shape[3], size=kernels.shape[0], layer=layer_name
    )
    st.markdown(f"**{filters_title}**")
    st.plotly_chart(
        charts.filters_figure(kernels, max_filters=MAX_LEARNED, columns=8),
        key="arch_filters_chart",
        alt=t("arch.chart_filters"),
    )
    st.markdown(f"**{t('arch.maps_title', label=int(data.y_train[digit_index]))}**")
    try:
        layers = cnn.feature_maps(model, data.x_train[digit_index])
    except ValueError as error:
        st.error(t("arch.model_failed", error=error))
        layers = []
    for name, maps in layers:
        if maps.ndim != 3 or "dropout" in name:
            continue
        count = maps.shape[-1]
        shown = min(count, MAX_LEARNED)
        st.markdown(
            t(
                "arch.maps_layer" if shown < count else "arch.maps_layer_all",
                layer=name,
                shape=" × ".join(str(s) for s in maps.shape),
                shown=shown,
                count=count,
            )
        )
        st.plotly_chart(
            charts.feature_maps_figure(maps, max_maps=MAX_LEARNED, columns=8),
            key=f"arch_maps_{name}",
            alt=t("arch.chart_maps", layer=name),
        )


st.title(t("nav.architecture"))
data = require_dataset()
st.write(t("arch.intro"))
chapter_tabs(
    "arch_tab",
    {
        "network": show_network,
        "convolution": lambda: show_convolution(data),
        "pooling": lambda: show_pooling_and_activation(data),
        "model": lambda: show_inside_the_model(data),
    },
    "arch.tab_",
)
