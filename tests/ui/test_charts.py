"""Chart builders: each returns a Plotly figure (or an SVG document) whose data are the input."""

from __future__ import annotations

import base64
import io
from xml.etree import ElementTree

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from cnn.config import ModelConfig
from cnn.layer_table import layer_specs
from ui import charts, model_charts

HISTORY = {
    "loss": [0.5, 0.3, 0.2],
    "accuracy": [0.85, 0.91, 0.94],
    "val_loss": [0.4, 0.35, 0.33],
    "val_accuracy": [0.88, 0.9, 0.92],
    "epoch_seconds": [1.0, 1.1, 1.2],
}


def traces_by(figure: go.Figure, name: str, axis: str) -> list:
    return [t for t in figure.data if t.name == name and t.xaxis == axis]


def test_training_history_figure():
    figure = charts.training_history_figure(HISTORY)
    assert isinstance(figure, go.Figure)
    assert [trace.name for trace in figure.data] == ["train", "validation"] * 2
    # Accuracy on the left (x), loss on the right (x2).
    (train_accuracy,) = traces_by(figure, "train", "x")
    (validation_accuracy,) = traces_by(figure, "validation", "x")
    (train_loss,) = traces_by(figure, "train", "x2")
    (validation_loss,) = traces_by(figure, "validation", "x2")
    assert list(train_accuracy.y) == HISTORY["accuracy"]
    assert list(validation_accuracy.y) == HISTORY["val_accuracy"]
    assert list(train_loss.y) == HISTORY["loss"]
    assert list(validation_loss.y) == HISTORY["val_loss"]
    assert list(train_loss.x) == [1, 2, 3]
    titles = [annotation.text for annotation in figure.layout.annotations]
    assert titles == ["Accuracy", "Loss"]


def test_training_history_figure_translated_and_compared():
    other = {key: [v * 0.9 for v in values] for key, values in HISTORY.items()}
    figure = charts.training_history_figure(
        {"CNN": HISTORY, "MLP": other},
        accuracy_title="Genauigkeit",
        loss_title="Verlust",
        train_label="Training",
        validation_label="Validierung",
    )
    assert len(figure.data) == 8
    names = {trace.name for trace in figure.data}
    assert names == {"CNN: Training", "CNN: Validierung", "MLP: Training", "MLP: Validierung"}
    (mlp_loss,) = traces_by(figure, "MLP: Training", "x2")
    assert list(mlp_loss.y) == other["loss"]
    dashes = {trace.name.split(":")[0]: trace.line.dash for trace in figure.data}
    assert dashes["CNN"] != dashes["MLP"]
    assert [a.text for a in figure.layout.annotations] == ["Genauigkeit", "Verlust"]


def test_training_history_figure_without_validation():
    history = {"loss": [0.5], "accuracy": [0.8], "val_loss": [], "val_accuracy": []}
    figure = charts.training_history_figure(history)
    assert [trace.name for trace in figure.data] == ["train", "train"]


def test_probability_figure():
    probabilities = np.array([0.01, 0.02, 0.05, 0.6, 0.1, 0.02, 0.05, 0.05, 0.05, 0.05])
    figure = charts.probability_figure(probabilities.reshape(1, 10))
    (bars,) = figure.data
    np.testing.assert_allclose(bars.y, probabilities)
    assert list(bars.x) == [str(d) for d in range(10)]
    colours = list(bars.marker.color)
    assert len(set(colours)) == 2
    assert colours.count(colours[3]) == 1  # the predicted digit stands out
    assert bars.text[3] == "60%"


def test_confusion_matrix_figure():
    rng = np.random.default_rng(0)
    matrix = rng.integers(0, 50, size=(10, 10))
    figure = charts.confusion_matrix_figure(matrix, x_title="predicted", y_title="true")
    (heatmap,) = figure.data
    np.testing.assert_array_equal(np.asarray(heatmap.text), matrix)
    np.testing.assert_allclose(np.asarray(heatmap.z), np.log10(matrix + 1))
    assert figure.layout.xaxis.title.text == "predicted"
    assert figure.layout.yaxis.title.text == "true"


def test_digit_grid_figure(sample):
    images = sample.x_test[:12]
    titles = [f"#{i}" for i in range(12)]
    figure = charts.digit_grid_figure(images, titles, columns=5)
    assert len(figure.data) == 12
    for trace, image in zip(figure.data, images, strict=True):
        np.testing.assert_array_equal(np.asarray(trace.z), image)
    assert [a.text for a in figure.layout.annotations] == titles
    # 12 images in 5 columns: 3 rows, the 11th image starts row 3.
    assert figure.data[10].yaxis == "y11"
    four_d = charts.digit_grid_figure(images[:2, ..., None])
    np.testing.assert_array_equal(np.asarray(four_d.data[1].z), images[1])


def test_image_heatmap_figure(sample):
    image = sample.x_test[0]
    figure = charts.image_heatmap_figure(image)
    (heatmap,) = figure.data
    np.testing.assert_array_equal(np.asarray(heatmap.z), image)
    assert heatmap.texttemplate == "%{text:.0f}"
    plain = charts.image_heatmap_figure(image[..., None] / 255.0, show_values=False)
    np.testing.assert_allclose(np.asarray(plain.data[0].z), image / 255.0)
    assert plain.data[0].texttemplate is None


def test_class_distribution_figure():
    train = np.array([0, 1, 1, 2, 2, 2, 9])
    test = np.array([3, 3, 9])
    figure = charts.class_distribution_figure(train, test, train_label="Train", test_label="Test")
    assert [trace.name for trace in figure.data] == ["Train", "Test"]
    assert list(figure.data[0].y) == [1, 2, 3, 0, 0, 0, 0, 0, 0, 1]
    assert list(figure.data[1].y) == [0, 0, 0, 2, 0, 0, 0, 0, 0, 1]


def test_pixel_histogram_figure():
    images = np.zeros((2, 28, 28), np.uint8)
    images[0, :3, :3] = 255
    images[1, 0, 0] = 128
    figure = charts.pixel_histogram_figure(images)
    (bars,) = figure.data
    counts = np.asarray(bars.y)
    assert len(counts) == 256
    assert counts.sum() == 2 * 28 * 28
    assert counts[255] == 9 and counts[128] == 1 and counts[0] == 2 * 784 - 10


@pytest.mark.parametrize(
    "config",
    [None, ModelConfig(filters=(8, 16, 32), kernel_size=3), ModelConfig(filters=(4,))],
)
def test_shape_flow_svg_has_one_box_per_layer(config):
    svg = model_charts.shape_flow_svg(config, params_label="参数")
    root = ElementTree.fromstring(svg)  # well-formed XML, or this raises
    namespace = "{http://www.w3.org/2000/svg}"
    specs = layer_specs(config)
    layers = root.findall(f"{namespace}g")
    assert len(layers) == len(specs)
    heights = []
    for spec, layer in zip(specs, layers, strict=True):
        texts = [text.text for text in layer.findall(f"{namespace}text")]
        assert texts == [spec.kind, "×".join(map(str, spec.output_shape)), f"{spec.params:,} 参数"]
        title = layer.find(f"{namespace}title").text
        assert title.startswith(f"{spec.name}: ") and title.endswith(f"{spec.params:,} 参数")
        heights.append(float(layer.find(f"{namespace}rect").get("height")))
    # A box grows with the number of values the layer outputs.
    sizes = [int(np.prod(spec.output_shape)) for spec in specs]
    assert [h for _, h in sorted(zip(sizes, heights, strict=True))] == sorted(heights)
    assert len(root.findall(f"{namespace}path")) == len(specs) - 1  # the arrows between


def test_activation_curves_figure():
    figure = model_charts.activation_curves_figure()
    curves = {trace.name: trace for trace in figure.data}
    assert set(curves) == {"relu", "sigmoid", "tanh"}
    x = np.asarray(curves["relu"].x)
    np.testing.assert_allclose(curves["relu"].y, np.where(x > 0, x, 0))
    np.testing.assert_allclose(curves["sigmoid"].y, 1 / (1 + np.exp(-x)), rtol=1e-6)
    np.testing.assert_allclose(curves["tanh"].y, np.tanh(x), rtol=1e-6)


def test_feature_maps_figure():
    maps = np.random.default_rng(0).random((14, 14, 20))
    figure = model_charts.feature_maps_figure(maps, max_maps=16)
    assert len(figure.data) == 16
    np.testing.assert_allclose(np.asarray(figure.data[5].z), maps[..., 5])
    assert figure.layout.annotations[5].text == "#6"


def test_filters_figure():
    kernel = np.random.default_rng(0).normal(size=(5, 5, 3, 6))
    figure = model_charts.filters_figure(kernel)
    assert len(figure.data) == 6
    np.testing.assert_allclose(np.asarray(figure.data[2].z), kernel[:, :, 0, 2])
    limit = np.abs(kernel[:, :, 0, :]).max()
    assert figure.data[0].zmin == pytest.approx(-limit)
    assert figure.data[0].zmax == pytest.approx(limit)


def test_png_data_uri_carries_the_exact_pixels():
    pixels = np.arange(6 * 5, dtype=np.uint8).reshape(6, 5) * 8
    uri = charts.png_data_uri(pixels)
    assert uri.startswith("data:image/png;base64,")
    decoded = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert decoded.format == "PNG" and decoded.mode == "L"
    np.testing.assert_array_equal(np.asarray(decoded), pixels)


def test_digit_grid_image_tiles_scaled_inverted_digits():
    images = np.zeros((3, 28, 28), np.uint8)
    images[1, 5, 7] = 255  # one ink pixel in the second digit
    picture = charts.digit_grid_image(images, columns=2, scale=2, gap=2)
    # 2 rows x 2 columns of 28 px with 2 px gaps around, scaled by 2.
    assert picture.shape == ((2 * 30 + 2) * 2, (2 * 30 + 2) * 2)
    assert picture.dtype == np.uint8
    top, left = (2 + 5) * 2, (2 + 30 + 7) * 2
    assert (picture[top : top + 2, left : left + 2] == 0).all()  # ink is dark
    assert (picture == 0).sum() == 4 and picture.max() == 255
    with pytest.raises(ValueError):
        charts.digit_grid_image(np.zeros((28, 28)))


def test_framed_draws_a_grey_border_outside_the_picture():
    images = np.zeros((1, 28, 28), np.uint8)
    images[0, :, 0] = 255  # ink along the left edge: the frame must not hide it
    picture = charts.digit_grid_image(images, columns=1, scale=8, gap=0)
    framed = charts.framed(picture)
    assert framed.shape == (28 * 8 + 2, 28 * 8 + 2) and framed.dtype == np.uint8
    inside = np.zeros(framed.shape, bool)
    inside[1:-1, 1:-1] = True
    assert (framed[~inside] == charts.FRAME_GREY).all()
    np.testing.assert_array_equal(framed[inside].reshape(picture.shape), picture)
    assert 0 < charts.FRAME_GREY < 255  # visible on white, told apart from ink
    # Wider frames and colour pictures too.
    colour = np.full((4, 5, 3), 255, np.uint8)
    wide = charts.framed(colour, width=2, shade=90)
    assert wide.shape == (8, 9, 3)
    assert (wide[:2] == 90).all() and (wide[2:-2, 2:-2] == 255).all()


@pytest.mark.parametrize(
    ("counts", "step"),
    [([0] * 10, 1), ([0, 3, 1, 0, 0, 0, 2, 0, 0, 1], 1), ([7] + [0] * 9, 2), ([150] * 10, 50)],
)
def test_digit_counts_figure_has_whole_ticks_and_every_label(counts, step):
    figure = charts.digit_counts_figure(counts, x_title="数字", y_title="数字个数")
    (bars,) = figure.data
    assert list(bars.x) == [str(d) for d in range(10)] and list(bars.y) == counts
    xaxis, yaxis = figure.layout.xaxis, figure.layout.yaxis
    # Every label 0-9 is a tick, even on a narrow chart.
    assert xaxis.type == "category" and xaxis.tickmode == "array"
    assert list(xaxis.tickvals) == [str(d) for d in range(10)]
    # Counts in whole steps from 0, written as integers, never 0.5.
    assert (yaxis.tickmode, yaxis.tick0, yaxis.dtick) == ("linear", 0, step)
    assert yaxis.tickformat == "d" and isinstance(yaxis.dtick, int)
    assert max(counts) / yaxis.dtick <= 6
    # The Chinese count title upright above the axis (see the test at the end).
    assert xaxis.title.text == "数字" and not yaxis.title.text
    assert [note.text for note in figure.layout.annotations] == ["数字个数"]


def test_whole_tick_step_is_1_2_or_5_times_a_power_of_ten():
    assert [charts.whole_tick_step(n) for n in (0, 1, 6, 7, 12, 13, 30, 31, 1234)] == [
        1, 1, 1, 2, 2, 5, 5, 10, 500,
    ]  # fmt: skip


def test_history_figure_keeps_accuracy_between_0_and_1():
    figure = charts.training_history_figure({**HISTORY, "accuracy": [0.02], "val_accuracy": []})
    low, high = figure.layout.yaxis.range
    assert low == 0.0 and high == pytest.approx(1.005)
    figure = charts.training_history_figure(
        {"CNN": HISTORY, "MLP": {**HISTORY, "accuracy": [0.5, 0.6, 0.7]}}
    )
    assert figure.layout.yaxis.range[0] == pytest.approx(0.45)
    assert figure.layout.yaxis2.range is None  # the loss keeps its own scale


def test_signed_heatmap_is_centred_on_zero():
    kernel = np.array([[-0.5, 0.25], [0.0, 1.0]])
    (heatmap,) = charts.image_heatmap_figure(kernel, signed=True).data
    assert (heatmap.zmin, heatmap.zmax) == (-1.0, 1.0)
    assert heatmap.colorscale[0][1] != charts.image_heatmap_figure(kernel).data[0].colorscale[0][1]
    (limited,) = charts.image_heatmap_figure(kernel, signed=True, limit=4.0).data
    assert (limited.zmin, limited.zmax) == (-4.0, 4.0)


def test_pixel_values_leave_zero_pixels_blank(sample):
    image = sample.x_train[0].astype(np.float32)
    (heatmap,) = charts.pixel_values_figure(image).data
    text = np.asarray(heatmap.text)
    assert (text[image == 0] == "").all()
    assert (text[image > 0] != "").all()
    assert heatmap.texttemplate == "%{text}"


@pytest.mark.parametrize("filters", [(256,), (256, 256), (64, 256, 256)])
def test_shape_flow_svg_fits_the_largest_networks(filters):
    svg = model_charts.shape_flow_svg(ModelConfig(filters=filters))
    root = ElementTree.fromstring(svg)
    namespace = "{http://www.w3.org/2000/svg}"
    height = float(root.get("height"))
    for rect in root.iter(f"{namespace}rect"):
        top = float(rect.get("y"))
        assert top >= 0 and top + float(rect.get("height")) <= height
    # Every label (type above a box, shape and parameters below) inside the picture.
    for label in root.iter(f"{namespace}text"):
        assert 12 <= float(label.get("y")) <= height, label.text


CHARTS_WITH_A_Y_TITLE = {
    "probability": lambda title: charts.probability_figure(np.full(10, 0.1), y_title=title),
    "confusion": lambda title: charts.confusion_matrix_figure(np.eye(10), y_title=title),
    "classes": lambda title: charts.class_distribution_figure([1, 2], [3], y_title=title),
    "pixels": lambda title: charts.pixel_histogram_figure(np.zeros((2, 28, 28)), y_title=title),
    "counts": lambda title: charts.digit_counts_figure(np.arange(10), y_title=title),
    "missed": lambda title: charts.missed_checks_figure(["a", "b"], [1, 2], y_title=title),
    "activations": lambda title: model_charts.activation_curves_figure(y_title=title),
}


@pytest.mark.parametrize("chart", CHARTS_WITH_A_Y_TITLE)
def test_a_chinese_y_title_is_written_upright_above_the_axis(chart):
    """Plotly turns axis titles on their side: fine for "Probability", but Chinese
    characters would lie down. So a Chinese title is a level annotation at the top-left."""
    english = CHARTS_WITH_A_Y_TITLE[chart]("Probability")
    assert english.layout.yaxis.title.text == "Probability"
    assert not [note for note in english.layout.annotations if note.text == "Probability"]

    chinese = CHARTS_WITH_A_Y_TITLE[chart]("概率")
    assert not chinese.layout.yaxis.title.text
    (note,) = [note for note in chinese.layout.annotations if note.text == "概率"]
    assert (note.xref, note.yref, note.x, note.y) == ("paper", "paper", 0, 1)
    assert (note.xanchor, note.yanchor, note.textangle) == ("left", "bottom", None)
    assert chinese.layout.margin.t >= 30  # room for it above the plot
