"""From a canvas drawing to an MNIST image: shape, centring, scale, ink styles, errors, and
the accuracy of the shipped model on digits redrawn the way a drawing canvas returns them."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from PIL import Image

import cnn
from cnn.errors import ReasonError
from cnn.images.drawing import (
    INK_STYLES,
    BlankCanvasError,
    CanvasError,
    CanvasFullError,
    canvas_to_mnist,
)

CANVAS = 280


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    total = image.sum()
    rows = np.arange(image.shape[0])
    cols = np.arange(image.shape[1])
    return float(image.sum(axis=1) @ rows / total), float(image.sum(axis=0) @ cols / total)


def ink_box(image: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(image.max(axis=1) > 0)
    cols = np.flatnonzero(image.max(axis=0) > 0)
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def aligned_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference after the best shift of up to one pixel (centring rounds)."""
    return min(
        float(np.abs(a - np.roll(b, (dy, dx), axis=(0, 1))).mean())
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
    )


def transparent_canvas(ink: np.ndarray) -> np.ndarray:
    """Black strokes on a transparent background, as st_canvas returns by default."""
    rgba = np.zeros((*ink.shape, 4), np.uint8)
    rgba[..., 3] = np.where(ink, 255, 0)
    return rgba


def disk(radius: int, size: int = CANVAS) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size]
    return (yy - size // 2) ** 2 + (xx - size // 2) ** 2 <= radius**2


# ---------------------------------------------------------------- the output


@pytest.mark.parametrize("style", INK_STYLES)
@pytest.mark.parametrize("thickness", [-2, 0, 4])
def test_result_is_an_mnist_image_centred_and_scaled(sample, style, thickness):
    for index in range(8):
        canvas = cnn.redraw_as_canvas(
            sample.x_test[index], height=180, thickness=thickness, style=style
        )
        assert canvas.shape == (CANVAS, CANVAS, 4) and canvas.dtype == np.uint8
        image = canvas_to_mnist(canvas)
        assert image.shape == (28, 28)
        assert image.dtype == np.float32
        assert image.min() >= 0.0
        assert image.max() == pytest.approx(1.0)
        row, col = centre_of_mass(image)
        assert abs(row - 14) <= 1.0 and abs(col - 14) <= 1.0, (index, row, col)
        assert max(ink_box(image)) == 20, index
        # Background is black (0), as in MNIST.
        assert image[0].max() == 0 and image[-1].max() == 0


def test_the_three_ink_styles_give_the_same_image(sample):
    for index in range(5):
        images = [
            canvas_to_mnist(cnn.redraw_as_canvas(sample.x_test[index], height=150, style=style))
            for style in INK_STYLES
        ]
        for other in images[1:]:
            np.testing.assert_allclose(other, images[0], atol=1e-6)


def test_position_does_not_matter(sample):
    for index in range(5):
        digit = sample.x_test[index]
        corner = cnn.redraw_as_canvas(digit, height=120, top=0, left=0)
        elsewhere = cnn.redraw_as_canvas(digit, height=120, top=150, left=170)
        np.testing.assert_allclose(canvas_to_mnist(corner), canvas_to_mnist(elsewhere), atol=1e-6)


def test_small_off_centre_and_large_centred_give_nearly_the_same_image(sample):
    for index in range(20):
        small = cnn.redraw_as_canvas(sample.x_test[index], height=100, canvas_size=140)
        ink = small[..., 3] > 0
        # The same drawing, half the size in a corner, and twice as large filling the canvas.
        in_corner = np.zeros((CANVAS, CANVAS), bool)
        in_corner[140:, :140] = ink
        large = np.kron(ink, np.ones((2, 2), bool))
        a = canvas_to_mnist(transparent_canvas(in_corner))
        b = canvas_to_mnist(transparent_canvas(large))
        assert aligned_difference(a, b) < 0.01, index


@pytest.mark.parametrize(
    "convert",
    [
        lambda rgba: rgba[..., :3],  # RGB
        lambda rgba: rgba[..., 0],  # grey
        lambda rgba: rgba.astype(np.float64) / 255.0,  # floats 0-1
        lambda rgba: rgba.astype(np.float32),  # floats 0-255
        lambda rgba: rgba.astype(np.int64),
    ],
    ids=["rgb", "grey", "float-unit", "float-255", "int64"],
)
def test_other_image_types_give_the_same_result(sample, convert):
    canvas = cnn.redraw_as_canvas(sample.x_test[3], height=160, style="black_on_white")
    np.testing.assert_allclose(canvas_to_mnist(convert(canvas)), canvas_to_mnist(canvas), atol=1e-5)


def test_the_fast_path_for_canvas_images_gives_the_general_result(sample):
    # uint8 RGBA with transparency (what the canvas returns) takes a shortcut; floats and
    # int64 take the general path. Both must agree, with soft (anti-aliased) ink too.
    canvas = cnn.redraw_as_canvas(sample.x_test[5], height=180, top=30, left=50)
    canvas[..., 3] = (canvas[..., 3] * np.linspace(0.3, 1.0, CANVAS)[None, :]).astype(np.uint8)
    for general in (canvas.astype(np.float32) / 255.0, canvas.astype(np.int64)):
        np.testing.assert_allclose(cnn.ink_strength(canvas), cnn.ink_strength(general), atol=1e-6)
        np.testing.assert_allclose(canvas_to_mnist(canvas), canvas_to_mnist(general), atol=1e-5)


def test_a_thin_one_keeps_its_aspect_ratio():
    ink = np.zeros((CANVAS, CANVAS), bool)
    ink[40:240, 135:145] = True  # a 200 x 10 bar
    image = canvas_to_mnist(transparent_canvas(ink))
    height, width = ink_box(image)
    assert height == 20
    assert width == 1  # 10 * 20 / 200


# ---------------------------------------------------------------- ink strength


def test_ink_strength_per_style(sample):
    for style in INK_STYLES:
        canvas = cnn.redraw_as_canvas(sample.x_test[0], height=150, style=style)
        strength = cnn.ink_strength(canvas)
        assert strength.shape == (CANVAS, CANVAS)
        assert set(np.unique(strength).round(6)) == {0.0, 1.0}
        # The strokes are the same in every style.
        expected = cnn.redraw_as_canvas(sample.x_test[0], height=150)[..., 3] == 255
        np.testing.assert_array_equal(strength > 0.5, expected)


def test_ink_strength_of_soft_strokes():
    canvas = np.zeros((40, 40, 4), np.uint8)
    canvas[10, 10, 3] = 128
    assert cnn.ink_strength(canvas)[10, 10] == pytest.approx(128 / 255)


# ---------------------------------------------------------------- blank, dot, full


def opaque(colour: int) -> np.ndarray:
    canvas = np.full((CANVAS, CANVAS, 4), colour, np.uint8)
    canvas[..., 3] = 255
    return canvas


@pytest.mark.parametrize(
    "canvas",
    [
        np.zeros((CANVAS, CANVAS, 4), np.uint8),  # transparent
        opaque(255),  # white paper
        opaque(0),  # black paper
        np.zeros((CANVAS, CANVAS), np.float32),
    ],
    ids=["transparent", "white", "black", "grey-floats"],
)
def test_empty_canvas_is_blank(canvas):
    with pytest.raises(BlankCanvasError, match="empty"):
        canvas_to_mnist(canvas)


@pytest.mark.parametrize("style", INK_STYLES)
def test_a_single_dot_is_blank(style):
    dot = disk(8)
    if style == "black_on_transparent":
        canvas = transparent_canvas(dot)
    elif style == "black_on_white":
        canvas = opaque(255)
        canvas[dot, :3] = 0
    else:
        canvas = opaque(0)
        canvas[dot, :3] = 255
    with pytest.raises(BlankCanvasError, match="dot"):
        canvas_to_mnist(canvas)


def test_a_short_stroke_is_enough():
    ink = disk(8) | np.roll(disk(8), 30, axis=1)
    ink[132:148, 140:170] = True  # a 46 px dash: 16 % of the canvas
    assert canvas_to_mnist(transparent_canvas(ink)).max() == pytest.approx(1.0)


def test_a_mostly_inked_canvas_is_full():
    rng = np.random.default_rng(0)
    ink = rng.random((CANVAS, CANVAS)) < 0.95
    with pytest.raises(CanvasFullError, match="95%"):
        canvas_to_mnist(transparent_canvas(ink))


def test_errors_are_value_errors():
    assert issubclass(BlankCanvasError, ValueError)
    assert issubclass(CanvasFullError, ValueError)


def test_canvas_errors_carry_a_reason_code_for_the_ui():
    """Each refusal says its kind ("blank", "full") and where its text lives."""
    assert issubclass(BlankCanvasError, CanvasError) and issubclass(CanvasFullError, CanvasError)
    assert issubclass(CanvasError, ReasonError) and cnn.CanvasError is CanvasError
    with pytest.raises(BlankCanvasError) as blank:
        canvas_to_mnist(np.zeros((CANVAS, CANVAS, 4), np.uint8))
    assert blank.value.reason == "blank"
    assert blank.value.text_prefix + blank.value.text_reason() == "canvas.error_blank"
    with pytest.raises(BlankCanvasError) as dot:
        canvas_to_mnist(transparent_canvas(disk(8)))
    assert dot.value.reason == "blank"
    ink = np.random.default_rng(0).random((CANVAS, CANVAS)) < 0.95
    with pytest.raises(CanvasFullError) as full:
        canvas_to_mnist(transparent_canvas(ink))
    assert full.value.reason == "full"
    assert full.value.text_prefix + full.value.text_reason() == "canvas.error_full"
    assert full.value.details == {"share": pytest.approx(0.95, abs=0.01), "limit": 0.5}


@pytest.mark.parametrize(
    "bad",
    [
        [[0] * 28] * 28,
        np.zeros((28, 28, 5), np.uint8),
        np.zeros((28, 28, 2), np.uint8),
        np.zeros((2, 28, 28, 4), np.uint8),
        np.full((28, 28, 4), "a"),
        np.zeros((28, 28, 4), bool),
        np.full((28, 28, 4), np.nan, np.float32),
        np.full((28, 28, 4), np.inf, np.float64),
        np.zeros((4, 4, 4), np.uint8),
        None,
    ],
    ids=["list", "5-channels", "2-channels", "4d", "strings", "bool", "nan", "inf", "tiny", "none"],
)
def test_wrong_input_raises_value_error(bad):
    with pytest.raises(ValueError) as error:
        canvas_to_mnist(bad)
    assert not isinstance(error.value, BlankCanvasError | CanvasFullError)


# ---------------------------------------------------------------- redraw_as_canvas


def test_redraw_places_and_sizes_the_digit(sample):
    canvas = cnn.redraw_as_canvas(sample.x_test[1], height=120, top=30, left=50)
    ink = canvas[..., 3] > 0
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    assert rows[0] >= 30 and rows[-1] < 150
    assert rows[-1] - rows[0] + 1 >= 100  # strokes fill most of the requested height
    assert cols[0] >= 50


def test_redraw_thickness(sample):
    counts = {
        thickness: int((cnn.redraw_as_canvas(sample.x_test[2], thickness=thickness)[..., 3]).sum())
        for thickness in (-2, 0, 3)
    }
    assert counts[-2] < counts[0] < counts[3]


def test_redraw_rejects_unknown_styles(sample):
    with pytest.raises(ValueError, match="style"):
        cnn.redraw_as_canvas(sample.x_test[0], style="pencil")


# ---------------------------------------------------------------- accuracy on redrawn digits

REDRAWN = 300
THICKNESSES = tuple(range(-2, 7))


def naive_resize(canvas: np.ndarray) -> np.ndarray:
    """What many demos do: shrink the whole canvas to 28x28, no cropping or centring."""
    ink = cnn.ink_strength(canvas).astype(np.float32)
    small = Image.fromarray(ink, mode="F").resize((28, 28), Image.Resampling.BOX)
    return np.clip(np.asarray(small), 0.0, 1.0)


def ink_width(digit: np.ndarray, height: int) -> int:
    """The width `redraw_as_canvas` gives `digit` drawn `height` px tall."""
    rows = np.flatnonzero(digit.max(axis=1) > 25)
    cols = np.flatnonzero(digit.max(axis=0) > 25)
    return min(CANVAS, round((cols[-1] - cols[0] + 1) * height / (rows[-1] - rows[0] + 1)))


@pytest.fixture(scope="module")
def redrawn(sample):
    """300 test digits redrawn with hard strokes, 90-240 px tall, anywhere on the canvas,
    thinner or thicker, in all three ink styles; each case with both preprocessings."""
    rng = np.random.default_rng(2024)
    cases, ours, naive = [], [], []
    for index in range(REDRAWN):
        digit = sample.x_test[index]
        height = int(rng.integers(90, 241))
        width = ink_width(digit, height)
        top = int(rng.integers(0, CANVAS - height + 1))
        left = int(rng.integers(0, CANVAS - width + 1))
        thickness = int(rng.choice(THICKNESSES))
        style = INK_STYLES[index % len(INK_STYLES)]
        canvas = cnn.redraw_as_canvas(
            digit, height=height, top=top, left=left, thickness=thickness, style=style
        )
        centre = (top + height / 2, left + width / 2)
        off_centre = max(abs(c - CANVAS / 2) for c in centre) > 50
        cases.append(
            {
                "style": style,
                "thickness": thickness,
                "height": height,
                "off_centre": off_centre,
            }
        )
        ours.append(canvas_to_mnist(canvas))
        naive.append(naive_resize(canvas))
    return cases, np.stack(ours), np.stack(naive), sample.y_test[:REDRAWN]


def breakdown(cases, right, key) -> dict:
    groups = defaultdict(list)
    for case, ok in zip(cases, right, strict=True):
        value = case[key]
        if key == "height":
            low = max(90, value // 50 * 50)
            value = f"{low}-{value // 50 * 50 + 49}"
        groups[value].append(bool(ok))
    return {k: f"{np.mean(v):.1%} of {len(v)}" for k, v in sorted(groups.items())}


def test_shipped_model_reads_redrawn_canvases(default_model, redrawn):
    cases, ours, _, labels = redrawn
    predicted = cnn.predict_probabilities(default_model, ours).argmax(axis=1)
    right = predicted == labels
    report = {
        "accuracy": f"{right.mean():.1%}",
        "by_style": breakdown(cases, right, "style"),
        "by_thickness": breakdown(cases, right, "thickness"),
        "by_height": breakdown(cases, right, "height"),
        "wrong": [
            {**cases[i], "true": int(labels[i]), "predicted": int(predicted[i])}
            for i in np.flatnonzero(~right)
        ],
    }
    print(report)
    assert right.mean() >= 0.98, report
    for style in INK_STYLES:
        share = np.mean(
            [ok for case, ok in zip(cases, right, strict=True) if case["style"] == style]
        )
        assert share >= 0.95, report


def test_naive_resize_fails_on_off_centre_digits(default_model, redrawn):
    cases, ours, naive, labels = redrawn
    off_centre = np.array([case["off_centre"] for case in cases])
    assert off_centre.sum() >= 50  # enough such cases to tell
    naive_right = cnn.predict_probabilities(default_model, naive).argmax(axis=1) == labels
    ours_right = cnn.predict_probabilities(default_model, ours).argmax(axis=1) == labels
    print(
        f"off-centre: naive {naive_right[off_centre].mean():.1%}, "
        f"canvas_to_mnist {ours_right[off_centre].mean():.1%}"
    )
    assert naive_right[off_centre].mean() < 0.60
    assert ours_right[off_centre].mean() >= 0.98
