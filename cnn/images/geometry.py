"""The geometry every picture path shares: MNIST's 20-pixel box, centring by centre of mass,
and the morphology (grow, shrink, open) that cleans ink.

MNIST's digits were made by cropping the ink, scaling its longer side to 20 px keeping the
aspect ratio (anti-aliased), and placing the result in 28x28 so that its centre of mass falls
on the frame's centre. A drawing (`drawing`) and a photo (`photo`) are brought to the same
form with `scale_into_box` and `centre_by_mass`, so a model reads them as it read MNIST; the
invariance lab (`invariance`) scales a digit about the same `centre_of_mass` and turns it
with `warp_affine`.

The morphology comes in the two kinds the paths need: binary, with a disk (a pen's stroke made
thicker or thinner: `disk_dilate`, `disk_erode`), and grey, with a square or a cross (a
photo's paper and printed lines: `window_extreme`, `box_extreme`, `line_opening`; the lab's
stroke thickness: `cross_morphology`).

Everything here is NumPy and PIL: no model, no TensorFlow.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from cnn.config import IMAGE_SIZE

DIGIT_BOX = 20  # MNIST's digits fit a 20x20 box inside the 28x28 image


# ------------------------------------------------------------------------- the 20-pixel box


def box_size(height: int, width: int, box: int = DIGIT_BOX) -> tuple[int, int]:
    """The size (height, width) whose longer side is `box` px, keeping the aspect ratio
    (the shorter side rounded, at least 1 px)."""
    scale = box / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Anti-aliased resize of a float image: area averaging when shrinking (no stroke is
    skipped), bilinear when enlarging. float32."""
    picture = Image.fromarray(image.astype(np.float32), mode="F")
    shrinking = height < image.shape[0] or width < image.shape[1]
    method = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    return np.asarray(picture.resize((width, height), method), dtype=np.float32)


def scale_into_box(crop: np.ndarray, box: int = DIGIT_BOX) -> np.ndarray:
    """A cropped digit scaled so its longer side is `box` px, aspect kept, anti-aliased;
    the resampling's small negative overshoots clipped to 0. float32."""
    height, width = box_size(*crop.shape, box)
    return np.clip(resize(crop, height, width), 0.0, None)


# ------------------------------------------------------------------------- centre of mass


def centre_of_mass(pixels: np.ndarray) -> tuple[float, float]:
    """The ink's centre of mass (x, y): x the column, y the row, in pixel coordinates (a
    pixel's centre is a whole number). A blank image gives its middle, ((w-1)/2, (h-1)/2)."""
    total = float(pixels.sum())
    height, width = pixels.shape
    if total <= 0:
        return (width - 1) / 2, (height - 1) / 2
    return (
        float((pixels.sum(axis=0) * np.arange(width)).sum() / total),
        float((pixels.sum(axis=1) * np.arange(height)).sum() / total),
    )


def centre_by_mass(digit: np.ndarray, size: int = IMAGE_SIZE) -> np.ndarray:
    """`digit` (at most `size` a side) placed in a black `size` x `size` frame with its centre
    of mass on the frame's centre, `size / 2` (14 in 28x28, as MNIST did), to the nearest
    pixel, but never pushed out of the frame. float32."""
    height, width = digit.shape
    mass_x, mass_y = centre_of_mass(digit)
    top = min(max(int(round(size / 2 - mass_y)), 0), size - height)
    left = min(max(int(round(size / 2 - mass_x)), 0), size - width)
    frame = np.zeros((size, size), dtype=np.float32)
    frame[top : top + height, left : left + width] = digit
    return frame


def to_mnist(crop: np.ndarray, *, min_peak: float = 0.0) -> np.ndarray:
    """A cropped digit (ink bright, on 0) as MNIST made its digits: longer side into the
    20 px box, brightest pixel 1, centre of mass at the centre of 28x28.

    Args:
        crop: (h, w) floats, the ink's bounding box.
        min_peak: the brightness divided by is at least this (a very faint crop is then not
            brightened all the way to 1).

    Raises:
        ValueError: the crop holds no ink (nothing above 0, and `min_peak` 0).
    """
    digit = scale_into_box(crop)
    peak = max(float(digit.max()), min_peak)
    if peak <= 0:
        raise ValueError("The crop holds no ink: nothing to place in the 20 px box.")
    return centre_by_mass(digit / peak)


# ------------------------------------------------------------------------- resampling


def _bilinear(image: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """`image` sampled at fractional (rows, cols), zero outside the frame."""
    height, width = image.shape
    padded = np.pad(image, 1)  # a ring of zeros: samples just outside fade to 0
    r = rows + 1.0
    c = cols + 1.0
    inside = (r >= 0) & (r <= height + 1) & (c >= 0) & (c <= width + 1)
    r = np.clip(r, 0, height + 1)
    c = np.clip(c, 0, width + 1)
    r0 = np.minimum(np.floor(r).astype(np.intp), height)
    c0 = np.minimum(np.floor(c).astype(np.intp), width)
    fr, fc = r - r0, c - c0
    top = padded[r0, c0] * (1 - fc) + padded[r0, c0 + 1] * fc
    bottom = padded[r0 + 1, c0] * (1 - fc) + padded[r0 + 1, c0 + 1] * fc
    return np.where(inside, top * (1 - fr) + bottom * fr, 0.0)


def warp_affine(
    image: np.ndarray, matrix: np.ndarray, offset: np.ndarray, oversample: int = 1
) -> np.ndarray:
    """`image` (floats in [0, 1]) resampled under the forward map p = matrix @ q + offset, in
    (x, y) pixel coordinates, into a frame of the same size; black outside. float32 in [0, 1].

    Each output pixel averages `oversample`² bilinear samples spread over its area (a box
    filter, so shrinking does not alias thin strokes away).
    """
    height, width = image.shape
    inverse = np.linalg.inv(matrix)
    steps = (np.arange(oversample) + 0.5) / oversample - 0.5
    ys = (np.arange(height, dtype=np.float64)[:, None] + steps[None, :]).reshape(-1)
    xs = (np.arange(width, dtype=np.float64)[:, None] + steps[None, :]).reshape(-1)
    px, py = np.meshgrid(xs - offset[0], ys - offset[1])  # (h * s, w * s)
    qx = inverse[0, 0] * px + inverse[0, 1] * py
    qy = inverse[1, 0] * px + inverse[1, 1] * py
    samples = _bilinear(image.astype(np.float64), qy, qx)
    out = samples.reshape(height, oversample, width, oversample).mean(axis=(1, 3))
    return np.clip(out, 0.0, 1.0).astype(np.float32)


# ------------------------------------------------------------------------- binary morphology


def disk_dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """A bool mask grown by a disk of `radius` px (a pen stroke made thicker); outside the
    mask is empty."""
    if radius <= 0:
        return mask
    out = mask.copy()
    padded = np.pad(mask, radius)
    h, w = mask.shape
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            if dy * dy + dx * dx <= radius * radius:
                out |= padded[radius + dy : radius + dy + h, radius + dx : radius + dx + w]
    return out


def disk_erode(mask: np.ndarray, radius: int) -> np.ndarray:
    """A bool mask shrunk by a disk of `radius` px (a pen stroke made thinner); outside the
    mask counts as ink, so a stroke touching the edge is not eaten from there."""
    return ~disk_dilate(~mask, radius) if radius > 0 else mask


# ------------------------------------------------------------------------- grey morphology


def window_extreme(array: np.ndarray, size: int, axis: int, op) -> np.ndarray:
    """`op` (np.minimum or np.maximum) over a centred window of `size` along `axis`, edges
    repeated: log2(size) passes (van Herk-like doubling), whatever the window's size."""
    if size <= 1:
        return array
    before = (size - 1) // 2
    pad = [(0, 0)] * array.ndim
    pad[axis] = (before, size - 1 - before)
    padded = np.pad(array, pad, mode="edge")

    def part(a, start, stop):
        index = [slice(None)] * a.ndim
        index[axis] = slice(start, stop)
        return a[tuple(index)]

    current, k = padded, 1
    while 2 * k <= size:
        n = current.shape[axis]
        current = op(part(current, 0, n - k), part(current, k, n))
        k *= 2
    n_out = array.shape[axis]
    return op(part(current, 0, n_out), part(current, size - k, size - k + n_out))


def box_extreme(array: np.ndarray, size: int, op) -> np.ndarray:
    """`op` over a `size` x `size` square around each pixel: np.maximum dilates (grows the
    bright), np.minimum erodes; edges repeated."""
    return window_extreme(window_extreme(array, size, 0, op), size, 1, op)


def shift_edge(array: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """array[y + dy, x + dx], edges repeated."""
    h, w = array.shape
    ys = np.clip(np.arange(h) + dy, 0, h - 1) if dy else slice(None)
    xs = np.clip(np.arange(w) + dx, 0, w - 1) if dx else slice(None)
    if dy and dx:
        return array[ys][:, xs]
    if dy:
        return array[ys]
    if dx:
        return array[:, xs]
    return array


def line_opening(array: np.ndarray, length: int, slope: float) -> np.ndarray:
    """Grey opening along a straight segment `length` px long (a power of two) going right
    with `slope` (dy/dx): the largest value a segment that fits in the mark keeps. A printed
    line survives it; a digit's curves, shorter than `length` in any one direction, do not."""
    steps = []
    eroded, k = array, 1
    while k < length:
        dy = round(k * slope)
        eroded = np.minimum(eroded, shift_edge(eroded, dy, k))
        steps.append((dy, k))
        k *= 2
    dilated = eroded
    for dy, k in steps:
        dilated = np.maximum(dilated, shift_edge(dilated, -dy, -k))
    return dilated


def cross_morphology(pixels: np.ndarray, steps: int, grow: bool) -> np.ndarray:
    """Grey dilation (`grow`) or erosion, `steps` times, by a 3x3 cross (4-neighbours): about
    a pixel more or less on each side of a stroke per step. Outside the frame is black, so
    erosion eats ink at the edge."""
    pick = np.maximum if grow else np.minimum
    out = pixels
    for _ in range(steps):
        padded = np.pad(out, 1)
        out = pick.reduce(
            [
                padded[1:-1, 1:-1],
                padded[:-2, 1:-1],
                padded[2:, 1:-1],
                padded[1:-1, :-2],
                padded[1:-1, 2:],
            ]
        )
    return out
