"""From a canvas drawing to an MNIST-style 28x28 image, and back (for tests and benchmarks).

MNIST digits were made by cropping the ink, scaling its longest side to 20 px (keeping the
aspect ratio, anti-aliased) and placing it in 28x28 so that its centre of mass is at the
centre. `canvas_to_mnist` does the same to a drawing, whatever its ink style, with the
geometry a photo shares (`cnn.images.geometry`).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from cnn.errors import ReasonError
from cnn.images.geometry import (
    DIGIT_BOX,  # noqa: F401  (importable from here, as before)
    centre_by_mass,
    disk_dilate,
    disk_erode,
    scale_into_box,
)

INK_THRESHOLD = 0.25  # ink strength (0-1) that counts as drawn
MIN_EXTENT = 0.10  # ink narrower and shorter than this share of the canvas is a speck
MAX_COVERAGE = 0.5  # more of the canvas than this inked: not one digit
INK_STYLES = ("black_on_transparent", "black_on_white", "white_on_black")


class CanvasError(ReasonError, ValueError):
    """A drawing that cannot be read as a digit, with a reason a UI can say in its own
    language (its text is `canvas.error_<reason>`)."""

    text_prefix = "canvas.error_"


class BlankCanvasError(CanvasError):
    """Nothing (or only a speck) is drawn: there is no digit to read. Reason "blank"."""

    default_reason = "blank"


class CanvasFullError(CanvasError):
    """Most of the canvas is ink: there is no single digit to read. Reason "full"."""

    default_reason = "full"


def _as_rgba_float(image) -> np.ndarray:
    if not isinstance(image, np.ndarray):
        raise ValueError(
            f"canvas_to_mnist expects a numpy array (height, width, 4) RGBA; got "
            f"{type(image).__name__}."
        )
    if image.dtype == bool or not (
        np.issubdtype(image.dtype, np.integer) or np.issubdtype(image.dtype, np.floating)
    ):
        raise ValueError(f"canvas_to_mnist expects numbers; got an array of {image.dtype}.")
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4):
        raise ValueError(
            f"canvas_to_mnist expects an image (height, width, 4) RGBA, (height, width, 3) RGB "
            f"or (height, width) grey; got shape {image.shape}."
        )
    if image.shape[0] < 8 or image.shape[1] < 8:
        raise ValueError(f"The canvas {image.shape[:2]} is too small; use at least 8x8 pixels.")
    pixels = image.astype(np.float32)
    if np.issubdtype(image.dtype, np.integer):
        pixels /= 255.0
    elif not np.isfinite(pixels).all():
        raise ValueError("The canvas contains NaN or infinite values.")
    elif pixels.max() > 1.0:
        pixels /= 255.0  # floats on the 0-255 scale
    pixels = np.clip(pixels, 0.0, 1.0)
    if pixels.shape[2] == 1:
        pixels = np.repeat(pixels, 3, axis=2)
    if pixels.shape[2] == 3:
        pixels = np.concatenate([pixels, np.ones_like(pixels[..., :1])], axis=2)
    return pixels


def ink_strength(image) -> np.ndarray:
    """Ink per pixel, 0 (paper) to 1 (full ink), whatever the ink style.

    - Any transparency (the canvas' default: black strokes on a transparent background):
      the ink is the opacity.
    - Opaque: the paper is the median colour of the border; the ink is how far each pixel's
      brightness is from it (so black on white and white on black both work).
    """
    if (
        isinstance(image, np.ndarray)
        and image.dtype == np.uint8
        and image.ndim == 3
        and image.shape[2] == 4
        and min(image.shape[:2]) >= 8
    ):
        # The canvas' own format, the common case: look at the alpha channel alone first
        # (a quarter of the work of converting the whole RGBA image).
        alpha = image[..., 3]
        if alpha.min() < 128:
            return alpha.astype(np.float32) * np.float32(1 / 255)
    pixels = _as_rgba_float(image)
    alpha = pixels[..., 3]
    if alpha.min() < 0.5:
        return alpha
    luminance = pixels[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    border = np.concatenate([luminance[0], luminance[-1], luminance[1:-1, 0], luminance[1:-1, -1]])
    paper = float(np.median(border))
    scale = max(paper, 1.0 - paper)
    return np.clip(np.abs(luminance - paper) / scale, 0.0, 1.0)


def canvas_to_mnist(image) -> np.ndarray:
    """Turn a drawing into the (28, 28) float32 image in [0, 1] that MNIST models expect.

    Finds the ink (black on transparent, black on white, or white on black), crops it to its
    bounding box, scales the longest side to 20 px keeping the aspect ratio (anti-aliased),
    and places it in 28x28 with its centre of mass at the centre, white ink on black.

    Args:
        image: the canvas, (height, width, 4) RGBA as `st_canvas(...).image_data` returns;
            (height, width, 3) RGB and (height, width) grey work too. uint8 0-255 or floats.

    Returns:
        A (28, 28) float32 array, brightest pixel 1.0.

    Raises:
        BlankCanvasError: nothing is drawn, or only a dot or speck.
        CanvasFullError: most of the canvas is ink.
        ValueError: not an image array of a supported shape or type.
    """
    ink = ink_strength(image)
    mask = ink >= INK_THRESHOLD
    if not mask.any():
        raise BlankCanvasError("The canvas is empty: draw a digit first.")
    coverage = np.count_nonzero(mask) / mask.size
    if coverage > MAX_COVERAGE:
        raise CanvasFullError(
            f"{coverage:.0%} of the canvas is ink: clear it and draw one digit, "
            "large and in the middle.",
            share=round(coverage, 3),
            limit=MAX_COVERAGE,
        )
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    height, width = bottom - top, right - left
    if max(height / ink.shape[0], width / ink.shape[1]) < MIN_EXTENT:
        raise BlankCanvasError(
            "Only a dot is drawn: draw a whole digit, filling most of the canvas."
        )
    crop = np.where(mask[top:bottom, left:right], ink[top:bottom, left:right], 0.0)
    digit = scale_into_box(crop)
    peak = float(digit.max())
    if peak <= 0:
        raise BlankCanvasError("The drawing is too faint to read: draw with a darker stroke.")
    # Centre of mass to the centre (14, 14), as MNIST did, keeping the digit inside.
    return centre_by_mass(digit / peak)


def redraw_as_canvas(
    digit: np.ndarray,
    *,
    height: int = 200,
    top: int | None = None,
    left: int | None = None,
    thickness: int = 0,
    style: str = "black_on_transparent",
    canvas_size: int = 280,
) -> np.ndarray:
    """Redraw an MNIST digit the way a drawing canvas returns it (for tests and benchmarks).

    The digit is scaled so its ink is `height` px tall, turned into hard-edged strokes (no
    anti-aliasing, as a pen tool draws), made thicker (`thickness` > 0, dilation by that
    many px) or thinner (< 0, erosion), and placed with its ink's top-left at (`top`, `left`)
    (centred when None) on a `canvas_size` square.

    Returns:
        (canvas_size, canvas_size, 4) uint8 RGBA in the chosen `style`:
        "black_on_transparent" (the canvas default), "black_on_white" or "white_on_black".
    """
    if style not in INK_STYLES:
        raise ValueError(f"style = {style!r}: expected one of {INK_STYLES}.")
    image = np.asarray(digit, dtype=np.float32)
    if image.max() > 1.0:
        image = image / 255.0
    rows = np.flatnonzero(image.max(axis=1) > 0.1)
    cols = np.flatnonzero(image.max(axis=0) > 0.1)
    crop = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    scale = height / crop.shape[0]
    new_width = min(canvas_size, max(1, round(crop.shape[1] * scale)))
    big = np.asarray(
        Image.fromarray(crop, mode="F").resize((new_width, height), Image.Resampling.BILINEAR)
    )
    strokes = big >= 0.5
    if thickness > 0:
        strokes = disk_dilate(strokes, thickness)
    elif thickness < 0:
        thinner = disk_erode(strokes, -thickness)
        strokes = thinner if thinner.sum() > 0.3 * strokes.sum() else strokes
    top = (canvas_size - height) // 2 if top is None else top
    left = (canvas_size - new_width) // 2 if left is None else left
    top = min(max(top, 0), canvas_size - height)
    left = min(max(left, 0), canvas_size - new_width)
    ink = np.zeros((canvas_size, canvas_size), dtype=bool)
    ink[top : top + height, left : left + new_width] = strokes
    rgba = np.zeros((canvas_size, canvas_size, 4), dtype=np.uint8)
    if style == "black_on_transparent":
        rgba[ink, 3] = 255
    elif style == "black_on_white":
        rgba[...] = 255
        rgba[ink, :3] = 0
    else:
        rgba[..., 3] = 255
        rgba[ink, :3] = 255
    return rgba
