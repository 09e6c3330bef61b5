"""The invariance lab: transform a digit and watch where the CNN and the MLP break.

Plain functions on one 28x28 image (NumPy only): `shift`, `rotate`, `scale`, `thickness`,
`add_noise`, and `transform`, which applies them all in one call. Each takes a (28, 28) image,
uint8 0-255 or floats in [0, 1] (a trailing channel axis of 1 is fine), and returns float32
in [0, 1]; a neutral setting (shift 0, 0 degrees, factor 1, thickness 0, noise 0) returns the
image unchanged. `sweep` runs one transformation over a range of values on many digits for
several models and tabulates how much probability each model still gives the true digit.
`TRANSFORMS` names each sweepable transformation with its default range, for a UI to loop
over.

Coordinates: x runs to the right, y downwards (rows), as on screen; a positive angle turns
the digit counter-clockwise, as on screen.

Example:
    >>> import cnn
    >>> from cnn.images.invariance import sweep, transform
    >>> data = cnn.load_sample()
    >>> image = transform(data.x_test[0], dx=3, degrees=-10)
    >>> image.shape, image.dtype
    ((28, 28), dtype('float32'))
    >>> models = {"CNN": cnn.load_default_model(), "MLP": cnn.load_shipped_mlp()}
    >>> table = sweep(models, data.x_test[:50], data.y_test[:50], "shift_x", [-4, 0, 4])
    >>> list(table.columns)
    ['transform', 'value', 'model', 'true_probability', 'accuracy', 'images']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd

from cnn.config import IMAGE_SIZE, NUM_CLASSES
from cnn.images import geometry

CENTRE = (IMAGE_SIZE - 1) / 2  # 13.5: the middle of the frame, in pixel-centre coordinates
MAX_SHIFT = IMAGE_SIZE  # a shift this far or more leaves an empty frame
MAX_DEGREES = 360.0
MIN_FACTOR, MAX_FACTOR = 0.1, 4.0
MAX_THICKNESS = 4.0
MAX_NOISE = 1.0
# Transformed digits per model.predict call in `sweep` (the engine batches inside it too).
SWEEP_CHUNK = 4096
SWEEP_COLUMNS = ["transform", "value", "model", "true_probability", "accuracy", "images"]


# --- input checks -----------------------------------------------------------------------


def as_image(image) -> np.ndarray:
    """One MNIST-style image as float32 (28, 28) in [0, 1].

    Args:
        image: (28, 28) or (28, 28, 1); uint8 0-255, or floats in [0, 1] (bool is read as 0/1).

    Returns:
        A new float32 array of shape (28, 28).

    Raises:
        ValueError: another shape, a dtype that is not numeric, NaN, or floats outside [0, 1].
    """
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.shape != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(
            f"Expected one image of shape (28, 28); got {array.shape}. "
            "Pass a single MNIST-style 28x28 greyscale image."
        )
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    if array.dtype == bool:
        return array.astype(np.float32)
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise ValueError(f"Expected a numeric image; got dtype {array.dtype}.")
    if np.issubdtype(array.dtype, np.integer):
        raise ValueError(
            f"Integer images must be uint8 (0-255); got {array.dtype}. "
            "Convert it, or pass floats in [0, 1]."
        )
    array = array.astype(np.float32)
    if not np.isfinite(array).all():
        raise ValueError("The image holds NaN or infinite values.")
    low, high = float(array.min()), float(array.max())
    if low < -1e-6 or high > 1 + 1e-6:
        raise ValueError(
            f"Float images must lie in [0, 1]; got values from {low:.3g} to {high:.3g}. "
            "Divide 0-255 images by 255, or pass them as uint8."
        )
    return np.clip(array, 0.0, 1.0)


def _number(name: str, value, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{name} = {value!r}: expected a number from {low:g} to {high:g}.")
    if not low <= value <= high:
        raise ValueError(f"{name} = {value!r} is out of range: expected {low:g} to {high:g}.")
    return float(value)


def _pixels(name: str, value) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} = {value!r}: expected a whole number of pixels.")
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real) and math.isfinite(value) and float(value).is_integer():
        return int(value)
    raise ValueError(f"{name} = {value!r}: expected a whole number of pixels (an integer).")


def _seed(value) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(f"seed = {value!r}: expected a non-negative integer.")
    return int(value)


# --- geometry ---------------------------------------------------------------------------


def _rotation(degrees: float) -> np.ndarray:
    """Counter-clockwise on screen (y points down)."""
    theta = math.radians(degrees)
    cos, sin = math.cos(theta), math.sin(theta)
    return np.array([[cos, sin], [-sin, cos]])


def centre_of_mass(image) -> tuple[float, float]:
    """The ink's centre of mass (x, y) in pixel coordinates; the frame's centre when blank.

    Args:
        image: a (28, 28) image (see `as_image`).

    Returns:
        (x, y): x the column, y the row, both from 0 to 27.
    """
    return geometry.centre_of_mass(as_image(image))  # blank: (13.5, 13.5), the centre


def _affine(pixels: np.ndarray, degrees: float, factor: float) -> np.ndarray:
    """Scale by `factor` about the centre of mass, then rotate about the frame's centre, in
    one resampling."""
    if degrees == 0 and factor == 1:
        return pixels.copy()
    mass = np.array(centre_of_mass(pixels))
    centre = np.array([CENTRE, CENTRE])
    rotation = _rotation(degrees)
    matrix = factor * rotation
    offset = rotation @ (mass - factor * mass - centre) + centre
    oversample = max(1, math.ceil(1 / factor - 1e-9))
    return geometry.warp_affine(pixels, matrix, offset, oversample)


# --- the transformations ----------------------------------------------------------------


def shift(image, dx: int = 0, dy: int = 0) -> np.ndarray:
    """Move the digit by whole pixels; what leaves the frame is lost, what enters is black.

    Args:
        image: a (28, 28) image, uint8 0-255 or floats in [0, 1].
        dx: pixels to the right (negative: to the left).
        dy: pixels down (negative: up).

    Returns:
        float32 (28, 28) in [0, 1].

    Raises:
        ValueError: a bad image, or a shift that is not a whole number of pixels.
    """
    pixels = as_image(image)
    dx, dy = _pixels("dx", dx), _pixels("dy", dy)
    out = np.zeros_like(pixels)
    if abs(dx) >= MAX_SHIFT or abs(dy) >= MAX_SHIFT:
        return out
    src_rows = slice(max(0, -dy), IMAGE_SIZE - max(0, dy))
    dst_rows = slice(max(0, dy), IMAGE_SIZE - max(0, -dy))
    src_cols = slice(max(0, -dx), IMAGE_SIZE - max(0, dx))
    dst_cols = slice(max(0, dx), IMAGE_SIZE - max(0, -dx))
    out[dst_rows, dst_cols] = pixels[src_rows, src_cols]
    return out


def rotate(image, degrees: float) -> np.ndarray:
    """Turn the digit about the frame's centre, with bilinear interpolation.

    Args:
        image: a (28, 28) image, uint8 0-255 or floats in [0, 1].
        degrees: the angle, positive counter-clockwise on screen, from -360 to 360.

    Returns:
        float32 (28, 28) in [0, 1]; corners turned in from outside are black.

    Raises:
        ValueError: a bad image or angle.
    """
    pixels = as_image(image)
    degrees = _number("degrees", degrees, -MAX_DEGREES, MAX_DEGREES)
    return _affine(pixels, degrees, 1.0)


def scale(image, factor: float) -> np.ndarray:
    """Enlarge or shrink the digit about its centre of mass; the frame stays 28x28.

    Shrinking averages several samples per pixel, so thin strokes fade rather than vanish.
    The ink's total roughly scales with factor² (what grows past the frame is lost).

    Args:
        image: a (28, 28) image, uint8 0-255 or floats in [0, 1].
        factor: the size ratio, from 0.1 to 4 (1: unchanged; 0.5: half as tall).

    Returns:
        float32 (28, 28) in [0, 1].

    Raises:
        ValueError: a bad image or factor.
    """
    pixels = as_image(image)
    factor = _number("factor", factor, MIN_FACTOR, MAX_FACTOR)
    return _affine(pixels, 0.0, factor)


def thickness(image, amount: float) -> np.ndarray:
    """Make the strokes thicker (amount > 0) or thinner (amount < 0).

    Each whole step is a grey dilation (thicker) or erosion (thinner) by a 3x3 cross: about
    one pixel more or less on each side of a stroke. A fractional amount blends the two
    nearest whole steps, so a slider moves smoothly.

    Args:
        image: a (28, 28) image, uint8 0-255 or floats in [0, 1].
        amount: steps, from -4 to 4 (0: unchanged). MNIST strokes are 2-4 px wide, so
            below about -1 most of a digit is gone.

    Returns:
        float32 (28, 28) in [0, 1].

    Raises:
        ValueError: a bad image or amount.
    """
    pixels = as_image(image)
    return _thicken(pixels, _number("amount", amount, -MAX_THICKNESS, MAX_THICKNESS))


def _thicken(pixels: np.ndarray, amount: float) -> np.ndarray:
    if amount == 0:
        return pixels.copy()
    grow = amount > 0
    whole = math.floor(abs(amount))
    fraction = abs(amount) - whole
    lower = geometry.cross_morphology(pixels, whole, grow)
    if fraction == 0:
        return lower.astype(np.float32)
    upper = geometry.cross_morphology(lower, 1, grow)
    return ((1 - fraction) * lower + fraction * upper).astype(np.float32)


def add_noise(image, level: float, seed: int = 0) -> np.ndarray:
    """Add Gaussian pixel noise, the same for the same seed.

    Args:
        image: a (28, 28) image, uint8 0-255 or floats in [0, 1].
        level: the noise's standard deviation, from 0 to 1 (in units of full ink).
        seed: a non-negative integer; the same seed gives the same noise.

    Returns:
        float32 (28, 28), clipped to [0, 1] (so noise also adds faint ink to the background).

    Raises:
        ValueError: a bad image, level or seed.
    """
    pixels = as_image(image)
    level = _number("level", level, 0.0, MAX_NOISE)
    seed = _seed(seed)
    if level == 0:
        return pixels
    noise = np.random.default_rng(seed).standard_normal(pixels.shape)
    return np.clip(pixels + level * noise, 0.0, 1.0).astype(np.float32)


def transform(
    image,
    *,
    dx: int = 0,
    dy: int = 0,
    degrees: float = 0.0,
    factor: float = 1.0,
    thickness: float = 0.0,
    noise: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """All the transformations at once, in the order a digit would meet them.

    Stroke thickness first, then scaling about the centre of mass and rotation about the
    frame's centre (one resampling, so no extra blur), then the whole-pixel shift, then noise.
    Each argument alone gives the same image as its own function (`thickness`, `scale`,
    `rotate`, `shift`, `add_noise`).

    Args:
        image: a (28, 28) image, uint8 0-255 or floats in [0, 1].
        dx, dy: the shift in whole pixels (right, down).
        degrees: the rotation, counter-clockwise on screen.
        factor: the size ratio (see `scale`).
        thickness: stroke steps, negative thinner (see `thickness`).
        noise: the noise level (see `add_noise`).
        seed: the noise's seed.

    Returns:
        float32 (28, 28) in [0, 1].

    Raises:
        ValueError: a bad image or argument, with a message naming it.
    """
    pixels = as_image(image)
    dx, dy = _pixels("dx", dx), _pixels("dy", dy)
    degrees = _number("degrees", degrees, -MAX_DEGREES, MAX_DEGREES)
    factor = _number("factor", factor, MIN_FACTOR, MAX_FACTOR)
    amount = _number("thickness", thickness, -MAX_THICKNESS, MAX_THICKNESS)
    level = _number("noise", noise, 0.0, MAX_NOISE)
    seed = _seed(seed)
    out = _thicken(pixels, amount)
    out = _affine(out, degrees, factor)
    out = shift(out, dx, dy)
    return add_noise(out, level, seed)


# --- sweeps -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TransformRange:
    """One sweepable transformation: which `transform` argument it sets, and its default range.

    Attributes:
        parameter: the keyword of `transform` ("dx", "degrees", ...).
        low, high, step: the default values, `low` to `high` inclusive in `step`s (also a
            slider's range).
        neutral: the value that leaves the digit unchanged.
        unit: "px", "°", "×", "steps" or "σ", for an axis label.
    """

    parameter: str
    low: float
    high: float
    step: float
    neutral: float
    unit: str

    @property
    def values(self) -> np.ndarray:
        """The default sweep: `low` to `high` inclusive, every `step` (ints for shifts)."""
        count = int(round((self.high - self.low) / self.step)) + 1
        values = self.low + self.step * np.arange(count)
        if self.parameter in ("dx", "dy"):
            return values.astype(int)
        return np.round(values, 6)


TRANSFORMS: dict[str, TransformRange] = {
    "shift_x": TransformRange("dx", -8, 8, 1, 0, "px"),
    "shift_y": TransformRange("dy", -8, 8, 1, 0, "px"),
    "rotate": TransformRange("degrees", -45, 45, 5, 0, "°"),
    "scale": TransformRange("factor", 0.5, 1.5, 0.1, 1, "×"),
    "thickness": TransformRange("thickness", -1, 2, 0.25, 0, "steps"),
    "noise": TransformRange("noise", 0, 0.6, 0.05, 0, "σ"),
}


def _images(images) -> np.ndarray:
    array = np.asarray(images)
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 3 or array.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"Expected images of shape (N, 28, 28); got {array.shape}.")
    if len(array) == 0:
        raise ValueError("No images to sweep over: pass at least one.")
    return array


def _labels(labels, count: int) -> np.ndarray:
    array = np.asarray(labels)
    if array.ndim != 1 or len(array) != count:
        raise ValueError(f"Expected {count} labels, one per image; got shape {array.shape}.")
    if not np.issubdtype(array.dtype, np.integer) or array.min() < 0 or array.max() >= NUM_CLASSES:
        raise ValueError(f"Labels must be integers from 0 to {NUM_CLASSES - 1}.")
    return array.astype(np.int64)


def transformed_batch(images, name: str, value, *, seed: int = 0) -> np.ndarray:
    """Every image under one setting of one transformation (noise seeded per image).

    Args:
        images: (N, 28, 28[, 1]) uint8 or floats in [0, 1].
        name: a key of `TRANSFORMS`.
        value: the setting (e.g. 3 for shift_x: 3 px to the right).
        seed: image i gets noise seed `seed + i`.

    Returns:
        float32 (N, 28, 28) in [0, 1].

    Raises:
        ValueError: an unknown name, bad images or a bad value.
    """
    if name not in TRANSFORMS:
        raise ValueError(f"Unknown transformation {name!r}; expected one of {list(TRANSFORMS)}.")
    array = _images(images)
    keyword = {TRANSFORMS[name].parameter: value}
    seed = _seed(seed)
    return np.stack([transform(image, seed=seed + i, **keyword) for i, image in enumerate(array)])


def sweep(
    models: dict,
    images,
    labels,
    transform: str,
    values=None,
    *,
    seed: int = 0,
) -> pd.DataFrame:
    """How each model copes as one transformation grows: one row per value and model.

    Every image is transformed at every value, and all those digits go through each model
    in a few `predict` calls (`SWEEP_CHUNK` digits each).

    Args:
        models: name -> model; anything with `predict(images)` returning (N, 10)
            probabilities (a `NumpyModel`, such as `cnn.load_default_model()`, or Keras).
        images: (N, 28, 28[, 1]) digits, uint8 or floats in [0, 1].
        labels: (N,) their true digits.
        transform: a key of `TRANSFORMS` ("shift_x", "shift_y", "rotate", "scale",
            "thickness", "noise").
        values: the settings to try (default: `TRANSFORMS[transform].values`).
        seed: the noise's seed (image i gets `seed + i`), for "noise".

    Returns:
        A DataFrame with columns `SWEEP_COLUMNS`: transform (the name), value, model (the
        name), true_probability (the mean probability the model gives each image's true
        digit), accuracy (the share read right), images (N); rows by model, then value.

    Raises:
        ValueError: no models, a model without `predict`, an unknown transformation, no
            values, bad images, labels or values.
    """
    if transform not in TRANSFORMS:
        raise ValueError(
            f"Unknown transformation {transform!r}; expected one of {list(TRANSFORMS)}."
        )
    if not isinstance(models, dict) or not models:
        raise ValueError("models: expected a non-empty dict of name -> model.")
    for name, model in models.items():
        if not callable(getattr(model, "predict", None)):
            raise ValueError(f"Model {name!r} has no predict(images) method.")
    array = _images(images)
    truth = _labels(labels, len(array))
    values = list(TRANSFORMS[transform].values if values is None else np.ravel(values).tolist())
    if not values:
        raise ValueError("values: expected at least one setting to sweep over.")
    batch = np.concatenate(
        [transformed_batch(array, transform, value, seed=seed) for value in values]
    )  # (len(values) * N, 28, 28), value-major
    count = len(array)
    rows = []
    for name, model in models.items():
        probabilities = np.concatenate(
            [
                np.asarray(model.predict(batch[start : start + SWEEP_CHUNK]))
                for start in range(0, len(batch), SWEEP_CHUNK)
            ]
        )
        if probabilities.shape != (len(batch), NUM_CLASSES):
            raise ValueError(
                f"Model {name!r} returned shape {probabilities.shape}; expected "
                f"({len(batch)}, {NUM_CLASSES}) probabilities."
            )
        probabilities = probabilities.reshape(len(values), count, NUM_CLASSES)
        true = np.take_along_axis(probabilities, truth[None, :, None], axis=2)[..., 0]
        correct = probabilities.argmax(axis=2) == truth[None, :]
        for index, value in enumerate(values):
            rows.append(
                {
                    "transform": transform,
                    "value": value,
                    "model": name,
                    "true_probability": float(true[index].mean()),
                    "accuracy": float(correct[index].mean()),
                    "images": count,
                }
            )
    return pd.DataFrame(rows, columns=SWEEP_COLUMNS)
