"""The Architecture page's explainers: a filter slid over a real digit (the window, the
products, their sum), then max vs mean pooling and ReLU vs sigmoid vs tanh on the feature map
it gives, and inside the trained model (its learned filters and feature maps). The
arithmetic is `cnn.inference.operations`' and `cnn.inference.inspection`'s; this lays it out.

The two tabs share one digit and one filter, kept across page switches (`ui.keys.ARCH_*`).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import cnn
from cnn.config import ACTIVATIONS
from cnn.inference.operations import EXAMPLE_KERNELS, activate, convolution_step, convolve2d, pool2d
from ui import charts, keys, model_charts
from ui.models import model_source_label, selected_model
from ui.text import language, t
from ui.widgets import kept

ACTIVATION_NAMES = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}
MAX_LEARNED = 16  # learned first-layer filters offered in the filter list, and maps shown
BIG_FIGURE, SMALL_FIGURE = 340, 300  # heights in px


def learned_kernels(model=None):
    """The first-layer kernels (k, k, 1, n) of `model` (by default the selected one) and its
    layer name, or None."""
    if model is None:
        model = selected_model().model
    if model is None:
        return None
    kernels = [(name, kernel) for name, kernel in cnn.conv_filters(model) if kernel.shape[2] == 1]
    return kernels[0] if kernels else None


def explainer_filters() -> tuple[list[str], tuple | None]:
    """The filters offered: the hand-written ones, plus the selected model's learned
    first-layer filters while "Look inside the trained model" is on. Returns (names,
    (layer name, kernels) or None); keeps the chosen one valid."""
    learned = learned_kernels() if st.session_state.get(keys.ARCH_USE_MODEL, False) else None
    names = list(EXAMPLE_KERNELS)
    if learned is not None:
        names += [f"learned_{i}" for i in range(min(learned[1].shape[3], MAX_LEARNED))]
    if st.session_state.get(keys.ARCH_KERNEL) not in names:
        st.session_state[keys.ARCH_KERNEL] = names[0]
    return names, learned


def explained_digit(data: cnn.Dataset) -> int:
    """The index of the digit explained (at first the one chosen on the Dataset page)."""
    last = len(data.x_train) - 1
    start = min(int(st.session_state.get(keys.DATASET_DIGIT, 0)), last)
    st.session_state.setdefault(keys.ARCH_DIGIT, start)
    return min(int(st.session_state[keys.ARCH_DIGIT]), last)


def feature_map_of(data: cnn.Dataset, learned, padding: str):
    """The chosen digit (0-1 floats), the chosen filter, and the feature map it gives."""
    digit = cnn.to_4d_float(data.x_train[explained_digit(data)])[0, ..., 0]
    name = st.session_state[keys.ARCH_KERNEL]
    if name.startswith("learned_"):
        kernel = learned[1][:, :, 0, int(name.split("_")[1])]
    else:
        kernel = EXAMPLE_KERNELS[name]
    return digit, kernel, convolve2d(digit, kernel, padding=padding)


def outline(figure, left: float, top: float, size: int, colour: str):
    """A square frame over the cells from (top, left), `size` cells wide."""
    figure.add_shape(
        type="rect",
        x0=left - 0.5,
        x1=left + size - 0.5,
        y0=top - 0.5,
        y1=top + size - 0.5,
        line={"color": colour, "width": 3},
    )
    return figure


def show_explainer_choices(data: cnn.Dataset, kernel_names: list[str], learned) -> None:
    """Which digit, which filter, and whether to offer the trained model's filters."""
    if st.session_state.get(keys.ARCH_KERNEL_LANGUAGE) != language():
        # The browser keeps a selectbox's choice as its shown text: draw it anew so that
        # the text follows a change of language.
        st.session_state[keys.ARCH_KERNEL_LANGUAGE] = language()
        st.session_state.pop("arch_kernel_choice", None)

    def kernel_label(name: str) -> str:
        if name.startswith("learned_"):
            number = int(name.split("_")[1]) + 1
            return t("arch.kernel_learned", number=number, layer=learned[0])
        return t(f"arch.kernel_{name}")

    last = len(data.x_train) - 1
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.number_input(
            t("arch.digit_index", last=last),
            min_value=0,
            max_value=last,
            step=1,
            width=260,
            **kept("arch_digit", keys.ARCH_DIGIT, explained_digit(data)),
        )
        st.selectbox(
            t("arch.kernel_choice"),
            kernel_names,
            # The labels of this run's language, fixed now (not looked up later).
            format_func={name: kernel_label(name) for name in kernel_names}.__getitem__,
            width=320,
            **kept("arch_kernel_choice", keys.ARCH_KERNEL),
        )
        st.toggle(
            t("arch.use_model"),
            help=t("arch.use_model_help"),
            **kept("arch_model", keys.ARCH_USE_MODEL, False),
        )


def position_slider(label_key: str, widget_key: str, state_key: str, size: int) -> int:
    """A slider over the feature map's rows (or columns), in range for its current size."""
    value = min(st.session_state.get(state_key, size // 2), size - 1)
    st.session_state[state_key] = value
    return st.slider(t(label_key), 0, size - 1, **kept(widget_key, state_key))


def show_convolution(data: cnn.Dataset, padding: str) -> None:
    """A filter slid over a real digit: the window, the products, their sum."""
    st.write(t("arch.explain_intro"))
    kernel_names, learned = explainer_filters()
    show_explainer_choices(data, kernel_names, learned)
    label = int(data.y_train[explained_digit(data)])
    digit, kernel, feature_map = feature_map_of(data, learned, padding)
    size, out_size = kernel.shape[0], feature_map.shape[0]
    st.caption(t(f"arch.explain_padding_{padding}", label=label, size=size, out=out_size))
    row_column, column_column = st.columns(2)
    with row_column:
        row = position_slider("arch.row", "arch_row", keys.ARCH_ROW, out_size)
    with column_column:
        column = position_slider("arch.column", "arch_column", keys.ARCH_COLUMN, out_size)
    step = convolution_step(digit, kernel, row, column, padding)
    values = ".2f" if size <= 7 else ""  # the numbers fit in cells up to 7x7

    digit_column, kernel_column, map_column = st.columns(3)
    with digit_column:
        st.markdown(f"**{t('arch.digit_title', label=label)}**")
        figure = heatmap(digit, "", BIG_FIGURE, signed=False, show_scale=False)
        outline(figure, step.left, step.top, size, "#d62728")
        st.plotly_chart(figure, key="arch_digit_chart", alt=t("arch.chart_digit"))
    with kernel_column:
        st.markdown(f"**{t('arch.kernel_title', size=size)}**")
        st.plotly_chart(
            heatmap(kernel, values, BIG_FIGURE),
            key="arch_kernel_chart",
            alt=t("arch.chart_kernel"),
        )
    with map_column:
        st.markdown(f"**{t('arch.map_title', size=out_size)}**")
        figure = outline(heatmap(feature_map, "", BIG_FIGURE), column, row, 1, "#2ca02c")
        st.plotly_chart(figure, key="arch_map_chart", alt=t("arch.chart_map"))

    show_window_and_sum(step, float(feature_map[row, column]), values, row, column)


def show_window_and_sum(step, map_value: float, values: str, row: int, column: int) -> None:
    """The pixels under the kernel, their products with it, and their sum: the map's value."""
    window_column, products_column, sum_column = st.columns(3)
    with window_column:
        st.markdown(f"**{t('arch.window_title')}**")
        window = heatmap(step.window, values, SMALL_FIGURE, signed=False, show_scale=False)
        st.plotly_chart(window, key="arch_window_chart", alt=t("arch.chart_window"))
    with products_column:
        st.markdown(f"**{t('arch.products_title')}**")
        st.plotly_chart(
            heatmap(step.products, values, SMALL_FIGURE),
            key="arch_products_chart",
            alt=t("arch.chart_products"),
        )
    with sum_column:
        shown = f"{map_value:.3f}"
        st.metric(t("arch.output_value", row=row, column=column), shown, border=True)
        total = f"{step.value:.3f}"
        count = step.window.size
        st.markdown(t("arch.sum", count=count, total=total, row=row, column=column))


def heatmap(values, value_format: str, height: int, *, signed: bool = True, **options):
    """An explainer's square of numbers: values around 0 (a kernel, a map) blue to red when
    `signed`, grey ink otherwise; the numbers written in the cells when `value_format`."""
    return charts.image_heatmap_figure(
        values,
        show_values=bool(value_format),
        value_format=value_format or ".2f",
        signed=signed,
        show_axes=False,
        text_size=11,
        height=height,
        **options,
    )


def explained_map(data: cnn.Dataset, padding: str):
    """The Convolution explainer's filter, its feature map, and the map's largest size (one
    colour scale for the map, its pools and ReLU)."""
    _, learned = explainer_filters()
    _, kernel, feature_map = feature_map_of(data, learned, padding)
    return kernel, feature_map, float(np.abs(feature_map).max()) or 1.0


def show_pooling_and_activation(data: cnn.Dataset, padding: str) -> None:
    """Max vs mean pooling, and ReLU vs sigmoid vs tanh, on the Convolution tab's map."""
    kernel, feature_map, limit = explained_map(data, padding)
    show_pooling(data, kernel, feature_map, limit)
    show_activations(feature_map, limit)


def show_pooling(
    data: cnn.Dataset, kernel: np.ndarray, feature_map: np.ndarray, limit: float
) -> None:
    """Max vs mean pooling of the Convolution explainer's feature map (`explained_map`)."""
    out_size = feature_map.shape[0]
    label = int(data.y_train[explained_digit(data)])
    st.caption(t("arch.pool_source", label=label, size=kernel.shape[0], out=out_size))
    st.subheader(t("arch.pool_header"))
    st.write(t("arch.pool_intro"))
    map_column, max_column, average_column = st.columns(3)
    with map_column:  # the map before pooling, on the same colour scale
        st.markdown(f"**{t('arch.map_title', size=out_size)}**")
        st.plotly_chart(
            heatmap(feature_map, "", SMALL_FIGURE, show_scale=False, limit=limit),
            key="arch_pool_input_chart",
            alt=t("arch.chart_map"),
        )
    for mode, place in (("max", max_column), ("average", average_column)):
        pooled = pool2d(feature_map, 2, mode)
        title = t(f"arch.pool_{mode}", before=out_size, size=pooled.shape[0])
        with place:
            st.markdown(f"**{title}**")
            figure = heatmap(pooled, "", SMALL_FIGURE, show_scale=mode == "average", limit=limit)
            st.plotly_chart(figure, key=f"arch_pool_{mode}_chart", alt=title)


def show_activations(feature_map: np.ndarray, limit: float) -> None:
    """The three activation functions' curves, and each applied to the feature map."""
    st.subheader(t("arch.activation_header"))
    st.write(t("arch.activation_intro"))
    curves_column, maps_column = st.columns([2, 3])
    with curves_column:
        curves = model_charts.activation_curves_figure(
            x_title=t("arch.activation_x"), y_title=t("arch.activation_y")
        )
        # Zoomed to where the three differ; the legend above, clear of the axis title.
        curves.update_yaxes(range=[-1.3, 2.5])
        curves.update_layout(
            legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"}, margin={"t": 40}
        )
        st.plotly_chart(curves, key="arch_activation_chart", alt=t("arch.chart_activation"))
    with maps_column:
        st.markdown(f"**{t('arch.activation_maps')}**")
        figure = charts.digit_grid_figure(
            [activate(feature_map, name) for name in ACTIVATIONS],
            [ACTIVATION_NAMES[name] for name in ACTIVATIONS],
            columns=len(ACTIVATIONS),
            cell_px=220,
        )
        ranges = ((0.0, limit), (0.0, 1.0), (-1.0, 1.0))  # relu, sigmoid, tanh
        for trace, (low, high) in zip(figure.data, ranges, strict=True):
            trace.update(colorscale="Viridis", zmin=low, zmax=high)
        st.plotly_chart(figure, key="arch_activation_maps_chart", alt=t("arch.activation_maps"))


def show_inside_the_model(data: cnn.Dataset) -> None:
    """The selected model's learned filters and the feature maps of every layer for the
    explainer's digit, computed in NumPy (`cnn.NumpyModel`: no TensorFlow)."""
    digit_index = explained_digit(data)
    with st.spinner(t("arch.loading")):
        choice = selected_model()
    if choice.model is None:
        st.warning(t("arch.no_model"))
        return
    learned = learned_kernels(choice.model)
    if learned is None:
        st.info(t("arch.no_conv"))
        return
    st.caption(t("arch.model_caption", source=model_source_label(choice.source)))
    layer_name, kernels = learned
    count, size = kernels.shape[3], kernels.shape[0]
    st.markdown(f"**{t('arch.filters_title', count=count, size=size, layer=layer_name)}**")
    st.plotly_chart(
        model_charts.filters_figure(kernels, max_filters=MAX_LEARNED, columns=8),
        key="arch_filters_chart",
        alt=t("arch.chart_filters"),
    )
    st.markdown(f"**{t('arch.maps_title', label=int(data.y_train[digit_index]))}**")
    try:
        layers = cnn.feature_maps(choice.model, data.x_train[digit_index])
    except ValueError as error:
        st.error(t("arch.model_failed", error=error))
        layers = []
    for name, maps in layers:
        if maps.ndim != 3 or "dropout" in name:
            continue
        count = maps.shape[-1]
        shown = min(count, MAX_LEARNED)
        text_key = "arch.maps_layer" if shown < count else "arch.maps_layer_all"
        shape = " × ".join(str(s) for s in maps.shape)
        st.markdown(t(text_key, layer=name, shape=shape, shown=shown, count=count))
        st.plotly_chart(
            model_charts.feature_maps_figure(maps, max_maps=MAX_LEARNED, columns=8),
            key=f"arch_maps_{name}",
            alt=t("arch.chart_maps", layer=name),
        )
