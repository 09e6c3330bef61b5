"""Training-time changes to MNIST digits that make a model read other hands, pens and habits.

MNIST's 500 writers held pens and wrote into a form's boxes; the app's users draw
with a finger or a mouse, write with a ballpoint or a marker, slant, squeeze and wobble. Each
function here imitates one of those differences on a batch of digits, as pure NumPy (seeded,
no TensorFlow), so that the training loop can apply them to every batch, new each epoch:

- `affine`: shift, rotation, scale and shear, each digit its own (one bilinear resampling);
- `elastic`: a smooth random displacement field (Simard et al. 2003): the wobble of a hand;
- `stroke_width`: thinner (a ballpoint) or thicker (a marker) strokes, by grey-level erosion
  or dilation with a 3x3 cross, by a fractional amount;
- `low_resolution`: the digit rebuilt from a coarse grid (7x7 to 14x14 squares) and redrawn
  with a hard-edged pen: a small or blurred scan, a digit drawn in a few big pixels;
- `augment_batch`: all of them with the ranges of a `RobustAugment`, as uint8 in and out.

Every function takes (N, 28, 28) digits with values 0-1 (floats) and returns the same shape
and range; the randomness comes only from the `numpy.random.Generator` passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnn.config import IMAGE_SIZE, check_number

CENTRE = (IMAGE_SIZE - 1) / 2  # 13.5: the frame's middle in pixel-centre coordinates
ELASTIC_GRID = 5  # the random displacements are drawn on a 5x5 grid, then smoothly spread


@dataclass(frozen=True)
class RobustAugment:
    """The ranges each digit's changes are drawn from, uniformly.

    Args:
        rotation: the largest rotation, degrees either way.
        shift: the largest shift, pixels in each direction.
        scale: the largest relative change of size (0.15: 85 % to 115 %).
        shear: the largest shear, degrees either way (a slanted hand).
        elastic: the largest displacement of the elastic wobble, pixels (0: none).
        thinner: the most a stroke is thinned (1: one erosion step).
        thicker: the most a stroke is thickened (2: two dilation steps).
        share: the share of digits changed at all; the rest stay as MNIST has them.
        coarse: the share of the changed digits also rebuilt from a coarse grid
            (`low_resolution`; 0: none).
    """

    rotation: float = 12.0
    shift: float = 2.5
    scale: float = 0.15
    shear: float = 15.0
    elastic: float = 1.5
    thinner: float = 0.8
    thicker: float = 1.5
    share: float = 0.9
    coarse: float = 0.0

    def __post_init__(self) -> None:
        for name, high, example in (
            ("rotation", 45.0, "12"),
            ("shift", 6.0, "2.5"),
            ("scale", 0.5, "0.15"),
            ("shear", 45.0, "15"),
            ("elastic", 4.0, "1.5"),
            ("thinner", 1.0, "0.8"),
            ("thicker", 3.0, "1.5"),
            ("share", 1.0, "0.9"),
            ("coarse", 1.0, "0.2"),
        ):
            check_number("RobustAugment", name, getattr(self, name), 0.0, high, example)


def _as_batch(images) -> np.ndarray:
    batch = np.asarray(images, dtype=np.float32)
    if batch.ndim != 3 or batch.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"expected digits of shape (N, 28, 28), got {batch.shape}")
    return batch


def _sample(images: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Bilinear sampling of each image at its own (rows, cols) (both (N, 28, 28)); outside the
    frame is background (0)."""
    count = len(images)
    side = IMAGE_SIZE + 2
    padded = np.zeros((count, side, side), dtype=np.float32)
    padded[:, 1:-1, 1:-1] = images
    rows = np.clip(rows + np.float32(1.0), 0.0, IMAGE_SIZE + 0.999).astype(np.float32)
    cols = np.clip(cols + np.float32(1.0), 0.0, IMAGE_SIZE + 0.999).astype(np.float32)
    top, left = np.floor(rows), np.floor(cols)
    down, right = rows - top, cols - left
    base = np.arange(count, dtype=np.int64)[:, None, None] * (side * side)
    index = base + top.astype(np.int64) * side + left.astype(np.int64)
    flat = padded.ravel()
    upper = flat[index] * (1 - right) + flat[index + 1] * right
    lower = flat[index + side] * (1 - right) + flat[index + side + 1] * right
    return upper * (1 - down) + lower * down


def _grid(count: int) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.meshgrid(np.arange(IMAGE_SIZE), np.arange(IMAGE_SIZE), indexing="ij")
    shape = (count, IMAGE_SIZE, IMAGE_SIZE)
    return np.broadcast_to(rows, shape).astype(np.float32), np.broadcast_to(cols, shape).astype(
        np.float32
    )


def _affine_sources(count, rng, rotation, shift, scale, shear):
    """Where each output pixel is read from, for random affine changes about the centre."""
    angle = np.deg2rad(rng.uniform(-rotation, rotation, count)).astype(np.float32)
    slant = np.tan(np.deg2rad(rng.uniform(-shear, shear, count))).astype(np.float32)
    factor = (1.0 + rng.uniform(-scale, scale, count)).astype(np.float32)
    dy, dx = rng.uniform(-shift, shift, (2, count)).astype(np.float32)
    rows, cols = _grid(count)
    y = rows - CENTRE - dy[:, None, None]
    x = cols - CENTRE - dx[:, None, None]
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    # The inverse of (scale, then shear along x, then rotate): output -> source.
    y_rot, x_rot = cos * y - sin * x, sin * y + cos * x  # float32 throughout
    x_rot = x_rot - slant[:, None, None] * y_rot
    f = factor[:, None, None]
    return y_rot / f + CENTRE, x_rot / f + CENTRE


def affine(images, rng: np.random.Generator, *, rotation=12.0, shift=2.5, scale=0.15, shear=15.0):
    """Each digit rotated (degrees), shifted (pixels), scaled (relative) and sheared (degrees)
    by amounts drawn uniformly from +-each range."""
    batch = _as_batch(images)
    rows, cols = _affine_sources(len(batch), rng, rotation, shift, scale, shear)
    return np.clip(_sample(batch, rows, cols), 0.0, 1.0)


def _spread_matrix() -> np.ndarray:
    """(28, ELASTIC_GRID) weights that spread values on a coarse grid smoothly over 28 pixels
    (normalised Gaussian bumps): a displacement field with no kinks."""
    knots = np.linspace(0, IMAGE_SIZE - 1, ELASTIC_GRID)
    width = (IMAGE_SIZE - 1) / (ELASTIC_GRID - 1)
    weights = np.exp(-0.5 * ((np.arange(IMAGE_SIZE)[:, None] - knots[None, :]) / width) ** 2)
    return (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)


_SPREAD = _spread_matrix()


def elastic_field(count: int, rng: np.random.Generator, amount: float) -> np.ndarray:
    """(2, count, 28, 28) smooth random displacements (rows, cols), at most about `amount`
    pixels."""
    coarse = rng.uniform(-1.0, 1.0, (2, count, ELASTIC_GRID, ELASTIC_GRID)).astype(np.float32)
    field = _SPREAD @ coarse @ _SPREAD.T
    peak = np.abs(field).max(axis=(2, 3), keepdims=True) + np.float32(1e-6)
    strength = rng.uniform(0.0, amount, (1, count, 1, 1)).astype(np.float32)
    return field * (strength / peak)


def elastic(images, rng: np.random.Generator, *, amount=1.5):
    """Each digit wobbled by its own smooth displacement field of at most `amount` pixels."""
    batch = _as_batch(images)
    rows, cols = _grid(len(batch))
    field = elastic_field(len(batch), rng, amount)
    return np.clip(_sample(batch, rows + field[0], cols + field[1]), 0.0, 1.0)


def _cross(batch: np.ndarray, grow: bool) -> np.ndarray:
    """One grey-level dilation (grow) or erosion with a 3x3 cross."""
    fill = 0.0 if grow else 1.0
    padded = np.pad(batch, ((0, 0), (1, 1), (1, 1)), constant_values=fill)
    op = np.maximum if grow else np.minimum
    out = op(padded[:, 1:-1, 1:-1], padded[:, :-2, 1:-1])
    out = op(out, padded[:, 2:, 1:-1])
    out = op(out, padded[:, 1:-1, :-2])
    return op(out, padded[:, 1:-1, 2:])


def stroke_width(images, amounts) -> np.ndarray:
    """Each digit's strokes thickened (amount > 0) or thinned (< 0) by |amount| cross steps;
    a fractional step blends the digit with one more step. `amounts`: one per digit."""
    batch = _as_batch(images)
    amounts = np.broadcast_to(np.asarray(amounts, dtype=np.float32), (len(batch),))
    out = batch.copy()
    for grow in (True, False):
        steps = np.where(amounts > 0, amounts, 0.0) if grow else np.where(amounts < 0, -amounts, 0)
        current = batch
        for step in range(int(np.ceil(steps.max(initial=0.0)))):
            following = _cross(current, grow)
            share = np.clip(steps - step, 0.0, 1.0)[:, None, None]
            chosen = share > 0
            out = np.where(chosen, current * (1 - share) + following * share, out)
            current = following
    return out


COARSEST, FINEST = 7, 14  # the coarse grids' sides, squares


def _area_matrix(side: int) -> np.ndarray:
    """(side, 28) weights that average 28 pixels into `side` equal cells (area overlap)."""
    edges = np.linspace(0, IMAGE_SIZE, side + 1)
    left, right = np.arange(IMAGE_SIZE), np.arange(1, IMAGE_SIZE + 1)
    overlap = np.clip(
        np.minimum(edges[1:, None], right[None, :]) - np.maximum(edges[:-1, None], left[None, :]),
        0.0,
        None,
    )
    return (overlap / overlap.sum(axis=1, keepdims=True)).astype(np.float32)


def _linear_matrix(side: int) -> np.ndarray:
    """(28, side) weights of linear interpolation from `side` cells back to 28 pixels."""
    centres = (np.arange(IMAGE_SIZE) + 0.5) * side / IMAGE_SIZE - 0.5
    centres = np.clip(centres, 0, side - 1)
    low = np.floor(centres).astype(int)
    high = np.minimum(low + 1, side - 1)
    weights = np.zeros((IMAGE_SIZE, side), dtype=np.float32)
    rows = np.arange(IMAGE_SIZE)
    np.add.at(weights, (rows, low), 1.0 - (centres - low))
    np.add.at(weights, (rows, high), centres - low)
    return weights


def _blur3(batch: np.ndarray) -> np.ndarray:
    """A 3x3 box average (the soft edge a resampled drawing gets)."""
    padded = np.pad(batch, ((0, 0), (1, 1), (1, 1)))
    total = sum(
        padded[:, r : r + IMAGE_SIZE, c : c + IMAGE_SIZE] for r in range(3) for c in range(3)
    )
    return total / np.float32(9.0)


def low_resolution(images, rng: np.random.Generator, *, coarsest=COARSEST, finest=FINEST):
    """Each digit averaged onto its own coarse grid (a side from `coarsest` to `finest`
    squares), smoothed back to 28x28 and redrawn by a hard-edged pen at a random ink
    threshold, its edges softened as a resampled drawing's are: a digit scanned small, or
    drawn in a few big pixels and read back through the canvas."""
    batch = _as_batch(images)
    sides = rng.integers(coarsest, finest + 1, len(batch))
    smooth = np.empty_like(batch)
    for side in np.unique(sides):
        chosen = sides == side
        down, up = _area_matrix(int(side)), _linear_matrix(int(side))
        smooth[chosen] = up @ (down @ batch[chosen] @ down.T) @ up.T
    peak = smooth.max(axis=(1, 2), keepdims=True) + np.float32(1e-6)
    threshold = rng.uniform(0.3, 0.55, (len(batch), 1, 1)).astype(np.float32)
    pen = np.clip((smooth / peak - threshold) * np.float32(6.0) + np.float32(0.5), 0.0, 1.0)
    return np.clip(np.float32(0.5) * pen + np.float32(0.5) * _blur3(pen), 0.0, 1.0)


def augment_batch(images, rng: np.random.Generator, augment: RobustAugment) -> np.ndarray:
    """A batch of digits changed as `augment` says: `share` of them get a random affine change
    and elastic wobble (one resampling) and a random stroke width; the rest are unchanged.
    uint8 (0-255) in, uint8 out; floats (0-1) in, float32 out."""
    array = np.asarray(images)
    as_uint8 = array.dtype == np.uint8
    batch = _as_batch(array / np.float32(255.0) if as_uint8 else array)
    count = len(batch)
    rows, cols = _affine_sources(
        count, rng, augment.rotation, augment.shift, augment.scale, augment.shear
    )
    if augment.elastic > 0:
        field = elastic_field(count, rng, augment.elastic)
        rows, cols = rows + field[0], cols + field[1]
    changed = np.clip(_sample(batch, rows, cols), 0.0, 1.0)
    amounts = rng.uniform(-augment.thinner, augment.thicker, count)
    changed = stroke_width(changed, amounts)
    if augment.coarse > 0:
        coarse = rng.uniform(0.0, 1.0, count) < augment.coarse
        if coarse.any():
            changed[coarse] = low_resolution(changed[coarse], rng)
    keep = rng.uniform(0.0, 1.0, count) >= augment.share
    changed[keep] = batch[keep]
    if as_uint8:
        return np.round(changed * 255.0).astype(np.uint8)
    return changed.astype(np.float32)
