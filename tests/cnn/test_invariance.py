"""The invariance lab: the transformations on 28x28 digits, the sweep, and the shipped pair
(CNN and MLP) it compares. Offline: the sample's digits only."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import cnn
from cnn.images import invariance as inv
from cnn.inference.model_io import SHIPPED_MLP_PATH


@pytest.fixture(scope="module")
def digits():
    """200 sample test digits and their labels."""
    data = cnn.load_sample()
    return data.x_test[:200], data.y_test[:200]


@pytest.fixture(scope="module")
def framed(digits):
    """A digit with at least 4 blank pixels on every side (as float in [0, 1])."""
    for image in digits[0]:
        rows, cols = np.nonzero(image)
        if rows.min() >= 4 and cols.min() >= 4 and rows.max() <= 23 and cols.max() <= 23:
            return inv.as_image(image)
    pytest.fail("no sample digit with a 4-pixel margin")


@pytest.fixture(scope="module")
def shipped():
    return {"CNN": cnn.load_default_model(), "MLP": cnn.load_shipped_mlp()}


def dot(row: int, col: int) -> np.ndarray:
    image = np.zeros((28, 28), np.float32)
    image[row : row + 2, col : col + 2] = 1.0
    return image


def ink_box(image, threshold=0.5):
    rows, cols = np.nonzero(np.asarray(image) > threshold)
    return rows.min(), rows.max(), cols.min(), cols.max()


# --- inputs -----------------------------------------------------------------------------


def test_uint8_and_float_inputs_give_the_same_float32_output(digits):
    image = digits[0][0]
    as_uint8 = inv.transform(image, dx=2, degrees=10)
    as_float = inv.transform(image.astype(np.float64) / 255, dx=2, degrees=10)
    with_channel = inv.transform(image[..., None], dx=2, degrees=10)
    assert as_uint8.dtype == np.float32 and as_uint8.shape == (28, 28)
    np.testing.assert_allclose(as_uint8, as_float, atol=1e-6)
    np.testing.assert_array_equal(as_uint8, with_channel)
    assert as_uint8.min() >= 0 and as_uint8.max() <= 1


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((28, 27)), "shape (28, 28)"),
        (np.zeros((2, 28, 28)), "shape (28, 28)"),
        (np.full((28, 28), 2.0), "[0, 1]"),
        (np.full((28, 28), np.nan), "NaN"),
        (np.zeros((28, 28), np.int64), "uint8"),
        (np.full((28, 28), "a"), "numeric"),
    ],
)
def test_a_bad_image_is_refused_with_a_message(image, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        inv.shift(image, 1, 0)


def test_the_input_is_not_changed(digits):
    image = digits[0][0].copy()
    float_image = inv.as_image(image)
    inv.transform(image, dx=3, dy=-2, degrees=20, factor=1.2, thickness=1, noise=0.3)
    inv.thickness(float_image, 1)
    np.testing.assert_array_equal(image, digits[0][0])
    np.testing.assert_array_equal(float_image, inv.as_image(digits[0][0]))


# --- shift ------------------------------------------------------------------------------


@pytest.mark.parametrize(("dx", "dy"), [(4, 0), (0, -4), (-3, 4), (4, 4), (-4, -1)])
def test_shift_then_back_is_the_identity_inside_the_frame(framed, dx, dy):
    moved = inv.shift(framed, dx, dy)
    assert not np.array_equal(moved, framed)
    np.testing.assert_array_equal(inv.shift(moved, -dx, -dy), framed)


def test_shift_moves_right_and_down_and_keeps_mass(framed):
    moved = inv.shift(framed, 3, -2)
    top, bottom, left, right = ink_box(framed, 0)
    assert ink_box(moved, 0) == (top - 2, bottom - 2, left + 3, right + 3)
    assert moved.sum() == pytest.approx(framed.sum(), rel=1e-6)


def test_shift_loses_what_leaves_the_frame():
    image = dot(10, 25)
    assert inv.shift(image, 2, 0).sum() == pytest.approx(2.0)  # one column of two left
    assert inv.shift(image, 0, 28).sum() == 0
    assert inv.shift(image, -40, 0).sum() == 0


@pytest.mark.parametrize("bad", [1.5, "2", None, True, float("nan")])
def test_shift_needs_whole_pixels(bad):
    with pytest.raises(ValueError, match="whole number of pixels"):
        inv.shift(dot(10, 10), bad, 0)


def test_a_whole_float_shift_is_accepted(framed):
    np.testing.assert_array_equal(inv.shift(framed, 2.0, -1.0), inv.shift(framed, 2, -1))


# --- rotate -----------------------------------------------------------------------------


def test_rotation_by_zero_is_the_identity(digits):
    image = digits[0][3]
    np.testing.assert_array_equal(inv.rotate(image, 0), inv.as_image(image))


def test_rotation_is_counter_clockwise_on_screen_about_the_centre():
    right = dot(13, 21)  # right of the centre (13.5, 13.5)
    top, bottom, left, _ = ink_box(inv.rotate(right, 90))
    assert bottom <= 7 and 12 <= left <= 15  # now above the centre
    top, bottom, left, _ = ink_box(inv.rotate(right, -90))
    assert top >= 20 and 12 <= left <= 15  # now below
    np.testing.assert_allclose(inv.rotate(right, 360), right, atol=1e-6)


@pytest.mark.parametrize("degrees", [-15, -5, 3, 10, 20])
def test_rotation_by_small_angles_keeps_the_mass(framed, degrees):
    turned = inv.rotate(framed, degrees)
    assert not np.allclose(turned, framed)
    assert turned.sum() == pytest.approx(framed.sum(), rel=0.03)


def test_rotation_there_and_back_is_close_to_the_identity(framed):
    back = inv.rotate(inv.rotate(framed, 20), -20)
    assert np.abs(back - framed).mean() < 0.05  # bilinear blur only


@pytest.mark.parametrize("bad", [400, -361, "10", None, float("inf")])
def test_a_bad_angle_is_refused(bad):
    with pytest.raises(ValueError, match="degrees"):
        inv.rotate(dot(10, 10), bad)


# --- scale ------------------------------------------------------------------------------


def test_scale_one_is_the_identity(digits):
    image = digits[0][5]
    np.testing.assert_array_equal(inv.scale(image, 1), inv.as_image(image))


@pytest.mark.parametrize("factor", [0.5, 0.75, 1.25])
def test_scale_changes_the_size_about_the_centre_of_mass(framed, factor):
    scaled = inv.scale(framed, factor)
    assert scaled.shape == (28, 28) and scaled.dtype == np.float32
    # The ink scales with the area; the digit stays where it was.
    assert scaled.sum() == pytest.approx(framed.sum() * factor**2, rel=0.05)
    np.testing.assert_allclose(inv.centre_of_mass(scaled), inv.centre_of_mass(framed), atol=0.3)
    top, bottom, _, _ = ink_box(framed, 0.2)
    s_top, s_bottom, _, _ = ink_box(scaled, 0.2)
    assert (s_bottom - s_top) == pytest.approx((bottom - top) * factor, abs=2.5)


@pytest.mark.parametrize("column", [10, 11, 12, 13])
def test_shrinking_fades_a_thin_stroke_instead_of_dropping_it(column):
    line = np.zeros((28, 28), np.float32)
    line[4:24, column] = 1.0  # one pixel wide
    small = inv.scale(line, 0.5)
    assert small.sum() == pytest.approx(line.sum() * 0.25, rel=0.05)
    assert small.max() == pytest.approx(0.5, abs=0.05)  # half a pixel's ink in each


@pytest.mark.parametrize("bad", [0, -1, 5, "1", None])
def test_a_bad_factor_is_refused(bad):
    with pytest.raises(ValueError, match="factor"):
        inv.scale(dot(10, 10), bad)


# --- thickness --------------------------------------------------------------------------


def test_thickness_zero_is_the_identity(digits):
    image = digits[0][7]
    np.testing.assert_array_equal(inv.thickness(image, 0), inv.as_image(image))


def test_thickness_changes_the_mass_in_the_expected_direction(framed):
    masses = [inv.thickness(framed, amount).sum() for amount in (-1, -0.5, 0, 0.5, 1, 2)]
    assert all(a < b for a, b in zip(masses, masses[1:], strict=False)), masses
    assert masses[0] < 0.8 * masses[2] and masses[4] > 1.2 * masses[2]


def test_one_thickness_step_grows_a_dot_by_a_pixel_each_side():
    thick = inv.thickness(dot(10, 10), 1)
    assert ink_box(thick) == (9, 12, 9, 12)
    assert inv.thickness(dot(10, 10), -1).sum() == 0  # a 2-px dot erodes away


@pytest.mark.parametrize("bad", [5, -4.5, "1", None])
def test_a_bad_thickness_is_refused(bad):
    with pytest.raises(ValueError, match="amount"):
        inv.thickness(dot(10, 10), bad)


# --- noise ------------------------------------------------------------------------------


def test_noise_zero_is_the_identity(digits):
    image = digits[0][9]
    np.testing.assert_array_equal(inv.add_noise(image, 0, seed=3), inv.as_image(image))


def test_noise_is_deterministic_per_seed(framed):
    first = inv.add_noise(framed, 0.3, seed=1)
    np.testing.assert_array_equal(first, inv.add_noise(framed, 0.3, seed=1))
    assert not np.array_equal(first, inv.add_noise(framed, 0.3, seed=2))
    assert not np.array_equal(first, framed)
    assert first.min() >= 0 and first.max() <= 1
    # More noise, further from the digit.
    near = np.abs(inv.add_noise(framed, 0.1, seed=1) - framed).mean()
    far = np.abs(inv.add_noise(framed, 0.5, seed=1) - framed).mean()
    assert near < far


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"level": -0.1}, "level"),
        ({"level": 2}, "level"),
        ({"level": 0.1, "seed": -1}, "seed"),
        ({"level": 0.1, "seed": 1.5}, "seed"),
    ],
)
def test_bad_noise_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        inv.add_noise(dot(10, 10), **kwargs)


# --- transform --------------------------------------------------------------------------


def test_transform_with_defaults_is_the_identity(digits):
    image = digits[0][11]
    np.testing.assert_array_equal(inv.transform(image), inv.as_image(image))


def test_transform_matches_each_function_alone(framed):
    np.testing.assert_array_equal(inv.transform(framed, dx=3, dy=-1), inv.shift(framed, 3, -1))
    np.testing.assert_array_equal(inv.transform(framed, degrees=25), inv.rotate(framed, 25))
    np.testing.assert_array_equal(inv.transform(framed, factor=0.7), inv.scale(framed, 0.7))
    np.testing.assert_array_equal(inv.transform(framed, thickness=1), inv.thickness(framed, 1))
    np.testing.assert_array_equal(
        inv.transform(framed, noise=0.2, seed=4), inv.add_noise(framed, 0.2, seed=4)
    )


def test_transform_combines_them(framed):
    combined = inv.transform(framed, dx=2, degrees=10, factor=0.9, thickness=0.5, noise=0.1)
    assert not np.array_equal(combined, framed)
    by_hand = inv.add_noise(
        inv.shift(inv.rotate(inv.scale(inv.thickness(framed, 0.5), 0.9), 10), 2, 0), 0.1
    )
    # One resampling instead of two: close, not equal.
    assert np.abs(combined - by_hand).mean() < 0.03


@pytest.mark.parametrize("name", ["dx", "dy", "degrees", "factor", "thickness", "noise", "seed"])
def test_transform_names_a_bad_argument(name, framed):
    with pytest.raises(ValueError, match=name):
        inv.transform(framed, **{name: "x"})


# --- TRANSFORMS and sweep ---------------------------------------------------------------


def test_transforms_name_each_sweep_with_its_default_range():
    assert list(inv.TRANSFORMS) == ["shift_x", "shift_y", "rotate", "scale", "thickness", "noise"]
    shift_x = inv.TRANSFORMS["shift_x"]
    assert shift_x.parameter == "dx"
    assert list(shift_x.values) == list(range(-8, 9))
    assert inv.TRANSFORMS["shift_y"].parameter == "dy"
    rotate = inv.TRANSFORMS["rotate"].values
    assert rotate[0] == -45 and rotate[-1] == 45 and 0 in rotate
    scale = inv.TRANSFORMS["scale"].values
    assert scale[0] == pytest.approx(0.5) and scale[-1] == pytest.approx(1.5) and 1 in scale
    for spec in inv.TRANSFORMS.values():
        assert spec.neutral in spec.values
        assert spec.low < spec.high
        image = inv.transform(dot(10, 10), **{spec.parameter: spec.values[-1]})  # accepted
        assert image.shape == (28, 28)


class CountingModel:
    """Probability 1 on the digit whose pixel (0, digit) is brightest; counts its calls."""

    def __init__(self):
        self.calls = 0

    def predict(self, images):
        self.calls += 1
        images = np.asarray(images)
        scores = images[:, 0, :10]
        out = np.zeros((len(images), 10), np.float32)
        out[np.arange(len(images)), scores.argmax(axis=1)] = 1.0
        return out


def test_sweep_returns_one_row_per_value_and_model(digits):
    images, labels = digits[0][:12], digits[1][:12]
    models = {"a": CountingModel(), "b": CountingModel()}
    table = inv.sweep(models, images, labels, "rotate", [-10, 0, 10])
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == inv.SWEEP_COLUMNS
    assert len(table) == 6
    assert list(table["model"]) == ["a"] * 3 + ["b"] * 3
    assert list(table["value"]) == [-10, 0, 10] * 2
    assert set(table["transform"]) == {"rotate"}
    assert (table["images"] == 12).all()
    assert table["true_probability"].between(0, 1).all() and table["accuracy"].between(0, 1).all()
    assert models["a"].calls == 1 and models["b"].calls == 1  # batched
    default = inv.sweep({"a": CountingModel()}, images[:2], labels[:2], "shift_x")
    assert list(default["value"]) == list(range(-8, 9))


def test_sweep_scores_the_true_digit():
    # Image i has its brightest top-row pixel at column label_i: CountingModel reads it right.
    labels = np.array([3, 7, 1])
    images = np.zeros((3, 28, 28), np.uint8)
    images[np.arange(3), 0, labels] = 255
    table = inv.sweep({"m": CountingModel()}, images, labels, "shift_x", [0, 1])
    unshifted, shifted = table.iloc[0], table.iloc[1]
    assert unshifted["true_probability"] == 1 and unshifted["accuracy"] == 1
    # One pixel right, the model reads label + 1.
    assert shifted["true_probability"] == 0 and shifted["accuracy"] == 0


def test_noise_sweeps_are_reproducible_and_differ_per_image(digits):
    images = np.repeat(digits[0][:1], 3, axis=0)  # the same digit three times
    batch = inv.transformed_batch(images, "noise", 0.3)
    np.testing.assert_array_equal(batch, inv.transformed_batch(images, "noise", 0.3))
    assert not np.array_equal(batch[0], batch[1])  # each image its own seed
    np.testing.assert_array_equal(batch[1], inv.add_noise(images[1], 0.3, seed=1))
    other = inv.transformed_batch(images, "noise", 0.3, seed=5)
    np.testing.assert_array_equal(other[0], inv.add_noise(images[0], 0.3, seed=5))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"transform": "blur"}, "Unknown transformation"),
        ({"models": {}}, "models"),
        ({"models": {"x": object()}}, "predict"),
        ({"values": []}, "values"),
        ({"labels": np.array([1, 2])}, "labels"),
        ({"labels": np.array([1, 2, 10])}, "Labels"),
        ({"images": np.zeros((3, 27, 27), np.uint8)}, "shape"),
        ({"values": [0.5]}, "whole number"),
    ],
)
def test_sweep_refuses_bad_arguments(kwargs, message):
    arguments = {
        "models": {"m": CountingModel()},
        "images": np.zeros((3, 28, 28), np.uint8),
        "labels": np.array([1, 2, 3]),
        "transform": "shift_x",
        "values": [0, 1],
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        inv.sweep(**arguments)


# --- the shipped pair -------------------------------------------------------------------


def test_the_shipped_mlp_loads_once_without_keras_and_is_the_course_mlp(shipped):
    mlp = shipped["MLP"]
    assert cnn.load_shipped_mlp() is mlp
    assert mlp.count_params() == 795_010  # 784*1000 + 1000 + 1000*10 + 10
    kinds = [type(layer).__name__ for layer in mlp.layers]
    assert kinds.count("Dense") == 2 and "Conv2D" not in kinds, kinds
    assert cnn.load_model_file(SHIPPED_MLP_PATH).count_params() == 795_010


def test_the_shipped_pair_keeps_the_course_conclusion():
    """On full MNIST (the metrics the CLI wrote), the CNN beats the MLP, both trained on the
    same digits, changed the same way, for as long (like with like)."""
    models = SHIPPED_MLP_PATH.parent
    cnn_metrics = json.loads((models / "mnist_cnn.metrics.json").read_text())
    mlp_metrics = json.loads((models / "mnist_mlp.metrics.json").read_text())
    assert mlp_metrics["network"] == "mlp" and cnn_metrics["network"] == "cnn"
    for same in ("epochs", "batch_size", "validation_split", "data", "preset", "extra_digits"):
        assert mlp_metrics[same] == cnn_metrics[same], same
    assert mlp_metrics["recipe"]["augment"] == cnn_metrics["recipe"]["augment"]
    # Full MNIST, and the 30 optdigits writers' digits (models/MODEL_CARD.md).
    assert mlp_metrics["data"].startswith("MNIST, 60,000 train / 10,000 test + ")
    assert 0.97 < mlp_metrics["test_accuracy"] < cnn_metrics["test_accuracy"]


def test_the_shipped_mlp_reads_sample_digits(shipped, digits):
    images, labels = digits
    accuracy = (shipped["MLP"].predict(images).argmax(axis=1) == labels).mean()
    assert accuracy > 0.95


def test_the_cnn_copes_with_shifts_better_than_the_mlp(shipped, digits):
    images, labels = digits
    shifts = [-4, -2, 2, 4]
    table = pd.concat(
        [inv.sweep(shipped, images, labels, name, shifts) for name in ("shift_x", "shift_y")]
    )
    mean = table.groupby("model")["true_probability"].mean()
    assert mean["CNN"] > mean["MLP"] + 0.05, mean
    # At 4 px the gap is wide in every direction.
    far = table[table["value"].abs() == 4].pivot_table(
        index=["transform", "value"], columns="model", values="true_probability"
    )
    assert (far["CNN"] > far["MLP"]).all(), far


def test_load_shipped_mlp_explains_a_missing_file(monkeypatch, tmp_path):
    from cnn.inference import model_io

    monkeypatch.setattr(model_io, "SHIPPED_MLP_PATH", tmp_path / "none.keras")
    model_io.load_shipped_mlp.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match="--network mlp"):
            model_io.load_shipped_mlp()
    finally:
        model_io.load_shipped_mlp.cache_clear()
