"""Figures of the network's insides: its shape layer by layer (an SVG diagram), the
activation functions, a layer's learned filters and feature maps, and the pixels that drove
an answer. Split from `ui.charts` (the data, training and prediction charts), whose digit
grids they reuse; every text shown is a parameter, so pages can translate."""

from __future__ import annotations

import math
from html import escape

import numpy as np
import plotly.graph_objects as go

from cnn.config import ModelConfig
from cnn.inference.operations import ACTIVATION_FUNCTIONS
from cnn.layer_table import layer_specs
from ui.charts import digit_grid_figure, upright_y_title

_LAYER_COLOURS = {
    "Input": "#7f7f7f",
    "Conv2D": "#1f77b4",
    "MaxPooling2D": "#2ca02c",
    "AveragePooling2D": "#2ca02c",
    "Dropout": "#c7c7c7",
    "Flatten": "#9467bd",
    "Dense": "#ff7f0e",
}


def shape_flow_svg(config: ModelConfig | None = None, *, params_label: str = "params") -> str:
    """A diagram of the tensor shapes layer by layer (28x28x1 -> 28x28x16 -> 14x14x16 -> ...),
    as an SVG document (a static image: no charting library to load in the browser).

    Each layer is a box whose height grows with its number of values (log scale), with its
    type above, its output shape below and its parameter count under that (with
    `params_label`, also in the hover title); arrows join them.
    """
    specs = layer_specs(config)
    step, box, middle = 120, 92, 110  # px between layers, box width, y of the axis
    # Heights on one log scale up to the largest layer (at least 28x28x64, so the course's
    # network always looks the same), so 256 filters still fit the 80 px above the axis.
    sizes = [int(np.prod(spec.output_shape)) for spec in specs]
    largest = math.log10(max(28 * 28 * 64, *sizes))
    parts = []
    for index, spec in enumerate(specs):
        centre = step * index + step / 2
        half = 12 + 68 * math.log10(sizes[index]) / largest
        shape = "×".join(str(s) for s in spec.output_shape)
        colour = _LAYER_COLOURS.get(spec.kind, "#17becf")
        parts.append(
            f'<g class="layer"><title>{escape(spec.name)}: {escape(spec.kind)}, {shape}, '
            f"{spec.params:,} {escape(params_label)}</title>"
            f'<rect x="{centre - box / 2:.1f}" y="{middle - half:.1f}" width="{box}" '
            f'height="{2 * half:.1f}" rx="4" fill="{colour}" fill-opacity="0.85"/>'
            f'<text x="{centre:.1f}" y="{middle - half - 8:.1f}" font-weight="bold">'
            f"{escape(spec.kind)}</text>"
            f'<text x="{centre:.1f}" y="{middle + half + 18:.1f}">{shape}</text>'
            f'<text x="{centre:.1f}" y="{middle + half + 34:.1f}" fill="#666">'
            f"{spec.params:,} {escape(params_label)}</text></g>"
        )
        if index:
            tip = centre - box / 2 - 2
            parts.append(
                f'<path d="M{tip - step + box + 4:.1f} {middle} H{tip:.1f} '
                f'M{tip - 6:.1f} {middle - 5} L{tip:.1f} {middle} L{tip - 6:.1f} {middle + 5}" '
                'stroke="#444" stroke-width="1.5" fill="none"/>'
            )
    width = step * len(specs)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 230" width="{width}" '
        'height="230" font-family="sans-serif" font-size="12" text-anchor="middle">'
        + "".join(parts)
        + "</svg>"
    )


def activation_curves_figure(*, x_title: str = "input", y_title: str = "output") -> go.Figure:
    """ReLU, sigmoid and tanh on one chart."""
    x = np.linspace(-5, 5, 201)
    figure = go.Figure()
    for name, function in ACTIVATION_FUNCTIONS.items():
        figure.add_trace(go.Scatter(x=x, y=function(x), mode="lines", name=name))
    figure.update_layout(
        xaxis_title=x_title,
        yaxis_title=y_title,
        height=300,
        margin={"t": 20, "b": 40},
        legend={"orientation": "h"},
    )
    return upright_y_title(figure, y_title)


def feature_maps_figure(maps, *, max_maps: int = 16, columns: int = 8) -> go.Figure:
    """The channels of one layer's activations (height, width, channels) as small heatmaps."""
    maps = np.asarray(maps, dtype=float)
    channels = np.moveaxis(maps, -1, 0)[:max_maps]
    titles = [f"#{index + 1}" for index in range(len(channels))]
    figure = digit_grid_figure(channels, titles, columns=columns, cell_px=80)
    figure.update_traces(colorscale="Viridis")
    return figure


def filters_figure(kernel, *, max_filters: int = 16, columns: int = 8) -> go.Figure:
    """First-input-channel slices of conv kernels (k, k, in, out): blue negative, red positive."""
    kernel = np.asarray(kernel, dtype=float)
    slices = np.moveaxis(kernel[:, :, 0, :], -1, 0)[:max_filters]
    titles = [f"#{index + 1}" for index in range(len(slices))]
    figure = digit_grid_figure(slices, titles, columns=columns, cell_px=70)
    limit = float(np.abs(slices).max()) or 1.0
    figure.update_traces(colorscale="RdBu_r", zmin=-limit, zmax=limit)
    return figure


def saliency_figure(image, saliency, *, height: int = 260) -> go.Figure:
    """A saliency map laid over the digit it explains: the digit in light grey, the pixels
    that drove the answer in red (transparent where they did not matter).

    Args:
        image: the (28, 28) digit the model received (0-1 floats or 0-255).
        saliency: a (28, 28) map in [0, 1], e.g. from `cnn.saliency_map`.
    """
    image = np.asarray(image, dtype=float)
    image = image / 255.0 if image.max() > 1.0 else image
    saliency = np.asarray(saliency, dtype=float)
    figure = go.Figure(
        [
            go.Heatmap(
                z=image,
                colorscale=[[0, "white"], [1, "#bdbdbd"]],
                zmin=0,
                zmax=1,
                showscale=False,
                hoverinfo="skip",
            ),
            go.Heatmap(
                z=saliency,
                colorscale=[[0, "rgba(214, 39, 40, 0)"], [1, "rgba(214, 39, 40, 1)"]],
                zmin=0,
                zmax=1,
                showscale=False,
                hovertemplate="%{y}, %{x}: %{z:.2f}<extra></extra>",
            ),
        ]
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    figure.update_layout(height=height, margin={"t": 10, "b": 10, "l": 10, "r": 10})
    return figure
