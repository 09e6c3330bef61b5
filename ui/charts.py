"""Figures the pages place: the data, the training, the predictions, the class board and the
invariance lab (the network's insides are `ui.model_charts`). Every text shown is a parameter,
so pages can translate."""

from __future__ import annotations

import base64
import io
import math
import re
from html import escape

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from cnn.config import NUM_CLASSES

GREYS = "gray_r"  # MNIST's ink as dark on light, as people draw
TRAIN_COLOUR = "#1f77b4"
VALIDATION_COLOUR = "#ff7f0e"
FRAME_GREY = 150  # a picture's frame: lighter than ink, darker than the page
_DASHES = ("solid", "dash", "dot", "dashdot")
# Chinese, Japanese and Korean characters, and their full-width punctuation.
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_TITLE_ROOM = 30  # px above the plot for a title written upright there


def upright_y_title(figure: go.Figure, title: str) -> go.Figure:
    """The y axis's title as a reader can read it. Plotly turns an axis title on its side; a
    Latin one reads bottom to top, but Chinese characters end up lying down. So a title with
    such characters is written upright above the plot instead (an annotation starting at its
    top-left corner, so a narrow margin never cuts it), and the axis gets none. Other titles
    stay where Plotly puts them."""
    if not _CJK.search(title or ""):
        return figure
    figure.update_yaxes(title_text=None)
    figure.add_annotation(
        text=escape(title), xref="paper", yref="paper", x=0, y=1, xanchor="left",
        yanchor="bottom", yshift=8, showarrow=False, font={"size": 13},
    )  # fmt: skip
    top = figure.layout.margin.t
    if top is None or top < _TITLE_ROOM:
        figure.update_layout(margin={"t": _TITLE_ROOM})
    return figure


def training_history_figure(
    histories: dict,
    *,
    accuracy_title: str = "Accuracy",
    loss_title: str = "Loss",
    epoch_title: str = "Epoch",
    train_label: str = "train",
    validation_label: str = "validation",
) -> go.Figure:
    """The course's `show_train_history` for accuracy and loss, side by side.

    Args:
        histories: one history dict (`loss`, `accuracy`, `val_loss`, `val_accuracy`), or
            `{name: history}` to compare models (each gets its own line style).

    Example:
        >>> fig = training_history_figure({"loss": [0.3], "accuracy": [0.9],
        ...     "val_loss": [0.2], "val_accuracy": [0.95]})
        >>> [trace.name for trace in fig.data]
        ['train', 'validation', 'train', 'validation']
    """
    if "loss" in histories and isinstance(histories["loss"], list):
        histories = {"": histories}
    figure = make_subplots(rows=1, cols=2, subplot_titles=(accuracy_title, loss_title))
    for index, (name, history) in enumerate(histories.items()):
        dash = _DASHES[index % len(_DASHES)]
        prefix = f"{name}: " if name else ""
        epochs = list(range(1, len(history.get("loss", [])) + 1))
        for column, metric in ((1, "accuracy"), (2, "loss")):
            for key, label, colour in (
                (metric, train_label, TRAIN_COLOUR),
                (f"val_{metric}", validation_label, VALIDATION_COLOUR),
            ):
                values = history.get(key, [])
                if not values:
                    continue
                figure.add_trace(
                    go.Scatter(
                        x=epochs[: len(values)],
                        y=values,
                        mode="lines+markers",
                        name=prefix + label,
                        legendgroup=prefix + label,
                        showlegend=column == 1,
                        line={"color": colour, "dash": dash},
                    ),
                    row=1,
                    col=column,
                )
    figure.update_xaxes(title_text=epoch_title, dtick=1)
    # Accuracy on its own scale: never below 0 or above 1, even with a single point.
    accuracies = [
        value
        for history in histories.values()
        for key in ("accuracy", "val_accuracy")
        for value in history.get(key, [])
        if value == value  # not NaN
    ]
    low = min(accuracies, default=0.0)
    figure.update_yaxes(range=[max(0.0, low - 0.05), 1.005], tickformat=".0%", row=1, col=1)
    # The legend below the axis titles, not on top of them.
    figure.update_layout(
        height=360, margin={"t": 40, "b": 70}, legend={"orientation": "h", "y": -0.28}
    )
    return figure


def probability_figure(
    probabilities,
    *,
    x_title: str = "Digit",
    y_title: str = "Probability",
) -> go.Figure:
    """Bars of the 10 probabilities; the predicted digit stands out."""
    probabilities = np.asarray(probabilities, dtype=float).reshape(-1)
    best = int(probabilities.argmax())
    colours = ["#d62728" if digit == best else "#9ecae1" for digit in range(NUM_CLASSES)]
    figure = go.Figure(
        go.Bar(
            x=[str(d) for d in range(NUM_CLASSES)],
            y=probabilities,
            marker_color=colours,
            text=[f"{p:.0%}" if p >= 0.01 else "" for p in probabilities],
            textposition="outside",
        )
    )
    figure.update_layout(
        xaxis_title=x_title,
        yaxis={"title": y_title, "range": [0, 1.1], "tickformat": ".0%"},
        height=300,
        margin={"t": 20, "b": 40},
    )
    return upright_y_title(figure, y_title)


def confusion_matrix_figure(
    matrix,
    *,
    x_title: str = "Predicted digit",
    y_title: str = "True digit",
) -> go.Figure:
    """A heatmap of the 10x10 confusion matrix, counts written in the cells."""
    matrix = np.asarray(matrix)
    labels = [str(d) for d in range(matrix.shape[0])]
    # Log colour scale: the diagonal's thousands would otherwise hide the few mistakes.
    figure = go.Figure(
        go.Heatmap(
            z=np.log10(matrix + 1),
            x=labels,
            y=labels,
            text=matrix,
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
            hovertemplate=f"{y_title}: %{{y}}<br>{x_title}: %{{x}}<br>%{{text}}<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis={"title": x_title, "side": "top"},
        yaxis={"title": y_title, "autorange": "reversed"},
        height=460,
        margin={"t": 60, "b": 20},
    )
    return upright_y_title(figure, y_title)


def digit_grid_figure(
    images,
    titles: list[str] | None = None,
    *,
    columns: int = 10,
    cell_px: int = 70,
) -> go.Figure:
    """A grid of 28x28 digits (dark ink on light, as drawn), each with an optional title."""
    images = np.asarray(images, dtype=float)
    if images.ndim == 4:
        images = images[..., 0]
    count = len(images)
    columns = max(1, min(columns, count))
    rows = max(1, math.ceil(count / columns))
    figure = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=titles,
        horizontal_spacing=0.01,
        vertical_spacing=0.06 if titles else 0.01,
    )
    for index, image in enumerate(images):
        figure.add_trace(
            go.Heatmap(z=image, colorscale=GREYS, showscale=False, hoverinfo="skip"),
            row=index // columns + 1,
            col=index % columns + 1,
        )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    figure.update_layout(
        height=rows * (cell_px + (20 if titles else 0)) + 20,
        margin={"t": 30 if titles else 5, "b": 5, "l": 5, "r": 5},
    )
    figure.update_annotations(font_size=11)
    return figure


def image_heatmap_figure(
    image,
    *,
    show_values: bool = True,
    value_format: str = ".0f",
    signed: bool = False,
    limit: float | None = None,
    colorscale: str | None = None,
    show_scale: bool = True,
    show_axes: bool = True,
    blank_zeros: bool = False,
    text_size: int = 7,
    height: int = 520,
) -> go.Figure:
    """One image (a digit, a kernel, a feature map) as a heatmap.

    Args:
        show_values: write each pixel's value in its cell, formatted with `value_format`
            (also the hover's format).
        signed: values around 0 (kernels, feature maps): blue negative to red positive on a
            scale from -limit to limit (by default the largest magnitude); else grey ink.
        colorscale: instead of the one `signed` picks.
        show_scale, show_axes: the colour bar; the pixel rows and columns.
        blank_zeros: leave the cells of zero pixels empty, so a digit's shape stays readable.
    """
    image = np.asarray(image, dtype=float)
    if image.ndim == 3:
        image = image[..., 0]
    text = image
    if show_values and blank_zeros:
        text = np.where(image != 0, np.vectorize(lambda v: format(v, value_format))(image), "")
    heatmap = go.Heatmap(
        z=image,
        colorscale=colorscale or ("RdBu_r" if signed else GREYS),
        showscale=show_scale,
        text=text,
        texttemplate=(
            ("%{text}" if blank_zeros else f"%{{text:{value_format}}}") if show_values else None
        ),
        textfont={"size": text_size},
        hovertemplate=f"row %{{y}}, column %{{x}}: %{{z:{value_format}}}<extra></extra>",
    )
    if signed:
        limit = limit or float(np.abs(image).max()) or 1.0
        heatmap.update(zmin=-limit, zmax=limit)
    figure = go.Figure(heatmap)
    figure.update_xaxes(visible=show_axes)
    figure.update_yaxes(autorange="reversed", scaleanchor="x", visible=show_axes)
    figure.update_layout(height=height, margin={"t": 10, "b": 10, "l": 10, "r": 10})
    return figure


def pixel_values_figure(image, value_format: str = ".0f") -> go.Figure:
    """One digit large, its pixel values written in the ink cells only (zeros left blank, so
    the digit's shape stays readable)."""
    return image_heatmap_figure(
        image,
        value_format=value_format,
        blank_zeros=True,
        text_size=8,
        show_axes=False,
        height=560,
    )


def class_distribution_figure(
    train_labels,
    test_labels,
    *,
    train_label: str = "train",
    test_label: str = "test",
    x_title: str = "Digit",
    y_title: str = "Images",
) -> go.Figure:
    """Bars of how many images of each digit the training and test sets hold."""
    digits = [str(d) for d in range(NUM_CLASSES)]
    figure = go.Figure()
    for labels, name in ((train_labels, train_label), (test_labels, test_label)):
        counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=NUM_CLASSES)
        figure.add_trace(go.Bar(x=digits, y=counts, name=name, text=counts))
    figure.update_layout(
        barmode="group",
        xaxis_title=x_title,
        yaxis_title=y_title,
        height=340,
        margin={"t": 20, "b": 40},
        legend={"orientation": "h"},
    )
    return upright_y_title(figure, y_title)


def pixel_histogram_figure(
    images,
    *,
    x_title: str = "Pixel value",
    y_title: str = "Pixels",
) -> go.Figure:
    """Histogram of pixel intensities (0-255): mostly background 0, a peak of ink near 255."""
    counts = np.bincount(np.asarray(images, dtype=np.uint8).reshape(-1), minlength=256)
    figure = go.Figure(go.Bar(x=np.arange(256), y=counts, marker_color="#555"))
    figure.update_layout(
        xaxis_title=x_title,
        yaxis={"title": y_title, "type": "log"},
        height=300,
        margin={"t": 20, "b": 40},
        bargap=0,
    )
    return upright_y_title(figure, y_title)


def digit_grid_image(
    images, *, columns: int = 10, scale: int = 2, gap: int = 2, invert: bool = True
) -> np.ndarray:
    """Digits tiled into one picture (uint8, dark ink on white when `invert`) for `st.image`.

    A browser shows one image far faster than a Plotly figure with a heatmap per digit.

    Args:
        images: (N, 28, 28) uint8 0-255 or floats 0-1 (any common height and width).
        columns: digits per row.
        scale: each pixel becomes `scale` x `scale` pixels.
        gap: blank pixels between digits (before scaling).
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4:
        images = images[..., 0]
    if images.ndim != 3 or not len(images):
        raise ValueError(f"Expected images of shape (N, height, width); got {images.shape}.")
    if images.max() > 1.0:
        images = images / 255.0
    count, height, width = images.shape
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns)
    canvas = np.zeros((rows * (height + gap) + gap, columns * (width + gap) + gap), np.float32)
    for index, image in enumerate(images):
        top = gap + (index // columns) * (height + gap)
        left = gap + (index % columns) * (width + gap)
        canvas[top : top + height, left : left + width] = image
    pixels = np.clip(canvas, 0.0, 1.0)
    if invert:
        pixels = 1.0 - pixels
    return np.kron((pixels * 255).astype(np.uint8), np.ones((scale, scale), np.uint8))


def framed(pixels, *, width: int = 1, shade: int = FRAME_GREY) -> np.ndarray:
    """A grey frame of `width` pixels around a uint8 picture (grey or colour), outside it: a
    digit's own white margin is invisible on a white page, so a digit shifted to the edge
    would seem to run on; the frame shows where its 28 x 28 pixels end."""
    pixels = np.asarray(pixels, dtype=np.uint8)
    pad = ((width, width), (width, width)) + ((0, 0),) * (pixels.ndim - 2)
    return np.pad(pixels, pad, constant_values=shade)


def png_data_uri(pixels) -> str:
    """A uint8 picture, (height, width) grey or (height, width, 3) colour, as a PNG `data:` URI
    for `st.image`: the page carries it inline (no second request for a media file, and no
    Plotly to load for one small image), and a test can read the pixels back."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def whole_tick_step(largest: int, most_ticks: int = 6) -> int:
    """The step between a count axis's ticks: 1, 2 or 5 times a power of ten, at most
    `most_ticks` steps up to `largest`. Whole numbers only: a class with 3 digits of a label
    would otherwise read 0.5, 1, 1.5 on its count axis.

    Example:
        >>> [whole_tick_step(n) for n in (0, 3, 6, 7, 30, 1234)]
        [1, 1, 1, 2, 5, 500]
    """
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if largest <= factor * magnitude * most_ticks:
                return factor * magnitude
        magnitude *= 10


def digit_counts_figure(counts, *, x_title: str = "Digit", y_title: str = "Digits") -> go.Figure:
    """Bars of how many digits there are of each label (`counts`: 10 numbers); every label
    0-9 on its axis (even where a label has none, or the chart is narrow), whole numbers on
    the count axis."""
    counts = np.asarray(counts, dtype=np.int64)
    digits = [str(d) for d in range(max(NUM_CLASSES, len(counts)))]
    figure = go.Figure(go.Bar(x=digits[: len(counts)], y=counts, text=counts,
                              marker_color=TRAIN_COLOUR))  # fmt: skip
    figure.update_layout(
        xaxis={"title": x_title, "type": "category", "categoryorder": "array",
               "categoryarray": digits, "tickmode": "array", "tickvals": digits},
        yaxis={"title": y_title, "tickmode": "linear", "tick0": 0, "tickformat": "d",
               "dtick": whole_tick_step(int(counts.max(initial=0))), "rangemode": "tozero"},
        height=260,
        margin={"t": 10, "b": 40},
    )  # fmt: skip
    return upright_y_title(figure, y_title)


def leaderboard_figure(
    names: list[str],
    test_accuracy,
    mine,
    *,
    x_title: str = "Test accuracy",
    mine_label: str = "yours",
    others_label: str = "the class",
) -> go.Figure:
    """Horizontal bars of each entry's test accuracy, best on top; the viewer's own entries
    (`mine`: booleans) in their own colour. The axis starts near the lowest score, since
    MNIST accuracies crowd just under 100 %."""
    accuracy = np.asarray(test_accuracy, dtype=float)
    mine = np.asarray(mine, dtype=bool)
    # Plotly renders some HTML in labels: a student's nickname is shown as text, never markup.
    names = [escape(str(name)) for name in names]
    figure = go.Figure()
    for chosen, label, colour in (
        (~mine, others_label, TRAIN_COLOUR),
        (mine, mine_label, VALIDATION_COLOUR),
    ):
        figure.add_trace(
            go.Bar(
                y=[names[i] for i in np.flatnonzero(chosen)],
                x=accuracy[chosen],
                orientation="h",
                name=label,
                marker_color=colour,
                text=[f"{value:.2%}" for value in accuracy[chosen]],
                hovertemplate="%{y}: %{x:.2%}<extra></extra>",
            )
        )
    low = float(accuracy.min()) if len(accuracy) else 0.9
    figure.update_layout(
        xaxis={"title": x_title, "tickformat": ".1%", "range": [max(0.0, low - 0.02), 1.0]},
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(names))},
        height=max(200, 28 * len(names) + 80),
        margin={"t": 10, "b": 40},
        legend={"orientation": "h"},
        barmode="overlay",
    )
    return figure


def sweep_figure(
    current,
    average=None,
    *,
    x_title: str = "value",
    y_title: str = "Probability of the true digit",
    average_label: str = "{model}, mean of {count} test digits",
) -> go.Figure:
    """How each model's probability of the true digit changes along one transformation.

    Args:
        current: `cnn.images.invariance.sweep` table for the digit in hand (solid lines).
        average: the same over many test digits (dashed lines), or None.
        average_label: the legend of a dashed line, with `{model}` and `{count}`.
    """
    figure = go.Figure()
    colours = [TRAIN_COLOUR, VALIDATION_COLOUR, "#2ca02c", "#d62728"]
    for index, model in enumerate(dict.fromkeys(current["model"])):
        colour = colours[index % len(colours)]
        rows = current[current["model"] == model]
        figure.add_trace(
            go.Scatter(
                x=rows["value"], y=rows["true_probability"], name=str(model),
                mode="lines+markers", line={"color": colour},
            )
        )  # fmt: skip
        if average is not None:
            rows = average[average["model"] == model]
            count = int(rows["images"].iloc[0]) if len(rows) else 0
            figure.add_trace(
                go.Scatter(
                    x=rows["value"], y=rows["true_probability"], mode="lines",
                    name=average_label.format(model=model, count=count),
                    line={"color": colour, "dash": "dash"},
                )
            )  # fmt: skip
    figure.update_layout(
        xaxis_title=x_title,
        yaxis={"title": y_title, "range": [0, 1.02], "tickformat": ".0%"},
        height=320,
        margin={"t": 10, "b": 40},
        legend={"orientation": "h", "y": -0.3},
    )
    return upright_y_title(figure, y_title)


def missed_checks_figure(steps: list[str], wrong, *, x_title: str = "Wrong answers",
                         y_title: str = "Step") -> go.Figure:  # fmt: skip
    """Horizontal bars of the wrong answers per lesson step, the most missed on top (ties
    keep the lesson's order); whole numbers on the count axis."""
    wrong = np.asarray(wrong, dtype=np.int64)
    order = sorted(range(len(steps)), key=lambda index: -wrong[index])  # stable: lesson order
    names = [escape(str(steps[index])) for index in order]
    # The counts upright beside each bar (Plotly would turn them sideways inside thin bars).
    figure = go.Figure(go.Bar(y=names, x=wrong[order], orientation="h", text=wrong[order],
                              textposition="outside", textangle=0, cliponaxis=False,
                              marker_color=VALIDATION_COLOUR))  # fmt: skip
    figure.update_layout(
        xaxis={"title": x_title, "tickformat": "d", "rangemode": "tozero",
               "dtick": whole_tick_step(int(wrong.max(initial=0)))},
        yaxis={"title": y_title, "categoryorder": "array", "categoryarray": names[::-1]},
        height=max(200, 26 * len(names) + 80), margin={"t": 10, "b": 40},
    )  # fmt: skip
    return upright_y_title(figure, y_title)
