"""From a photo of a digit on paper to the 28x28 image an MNIST model reads.

A photo is not a drawing: the paper is grey, lit unevenly, maybe ruled or squared, with specks
on it, and the digit covers a small part of it. `photo_to_mnist` works on a copy whose longest
side is `WORK_SIZE` px, and:

1. grey: the brightness of each pixel;
2. light: estimates the paper's brightness everywhere (a grey closing wider than a stroke
   removes the ink, a blur smooths the result): the light falling on the page, shadows too;
3. evened: divides by it, so the paper is white everywhere and the ink stands out the same
   in the light and in the shadow (for light ink on a dark page, the picture is inverted
   first);
4. ink mask: the pixels clearly darker than the paper;
5. lines: thin straight marks longer than `LINE_LENGTH` of the picture (ruled or squared
   paper) are removed, then anything that spans the page and specks far from the digit;
6. digit: crops what is left around the digit;
7. mnist: as `cnn.canvas_to_mnist` does for drawings: the longest side scaled into the 20 px
   box keeping the aspect ratio, centre of mass at the centre, white ink on black.

`photo_steps` returns every step as small images, for a student to see what happened.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from cnn.config import IMAGE_SIZE
from cnn.images.drawing import DIGIT_BOX

WORK_SIZE = 320  # the longest side of the copy the steps work on
MAX_PIXELS = 50_000_000  # larger photos are refused before they are decoded (48 Mpx phones)
# JPEG is decoded at 1/2, 1/4 or 1/8 scale (`draft`); PNG, WebP, GIF and BMP only whole, at
# 4 bytes a pixel or more: a 200 KB PNG of 50 Mpx took 1.2 GB to read. Those are capped lower,
# WebP most (its decoder keeps a second copy): each then reads in ~130 MB at most
# (benchmarks/bench_photo_memory.py).
MAX_DECODED_PIXELS = {"PNG": 16_000_000, "GIF": 16_000_000, "BMP": 16_000_000, "WEBP": 8_000_000}
MAX_TEXT_BYTES = 1024 * 1024  # PNG text chunks, decompressed, in all (PIL's default: 64 MB)
# PIL's limit is process-wide; a photo of a digit needs no text, and nothing else here reads any.
PngImagePlugin.MAX_TEXT_MEMORY = min(PngImagePlugin.MAX_TEXT_MEMORY, MAX_TEXT_BYTES)
MIN_SIDE = 16  # px; smaller pictures are refused
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")  # JPEG includes MPO (some phones)
LIGHT_WINDOW = 0.12  # the closing's width, as a share of the longest side: wider than a stroke
LIGHT_BLUR = 0.03  # the paper's brightness is averaged over this (share of the longest side)
LINE_LENGTH = 0.2  # a straight mark this long (share of the longest side) and thin is a line
LINE_ANGLES = (-4.0, -2.0, 0.0, 2.0, 4.0)  # degrees: a page photographed a little askew
MIN_INK = 0.12  # the digit must be this much darker than the paper (share of its brightness)
MIN_EDGE = 0.03  # ink's edge: its darkness changes at least this much per working pixel
MAX_DARK = 0.5  # more of the picture than this far darker than the paper: not a digit on paper
MAX_COVERAGE = 0.4  # more of the picture than this is ink: not one digit
MIN_DIGIT = 0.04  # a digit shorter than this share of the shorter side is a speck
STEP_NAMES = ("picture", "grey", "light", "evened", "ink", "lines", "digit_mask", "digit", "mnist")


class PhotoError(ValueError):
    """A picture that cannot be read as a digit, with a reason a user can act on.

    Attributes:
        reason: a short code ("not_an_image", "too_large", "no_ink", ...), so a UI can show
            the message in its own language.
        details: the values the message names (size, limit, share of ink, ...).
        steps: for errors found while looking at the picture (no ink, mostly ink), the steps
            done so far (`PhotoSteps`, later steps None), to show what was seen; else None.
    """

    default_reason = "invalid"

    def __init__(self, message: str, reason: str | None = None, *, steps=None, **details):
        super().__init__(message)
        self.reason = reason or self.default_reason
        self.details = details
        self.steps = steps


class PhotoUnreadableError(PhotoError):
    """Not a picture, or a broken one. Reasons: "empty", "not_an_image" (not a PNG, JPEG,
    WebP, GIF or BMP file, or an array that is no image), "corrupt" (truncated or damaged)."""

    default_reason = "not_an_image"


class PhotoSizeError(PhotoError):
    """Too many pixels ("too_large": refused before decoding) or too few ("too_small")."""

    default_reason = "too_large"


class NoInkError(PhotoError):
    """Nothing that looks like ink on the page ("no_ink"), or only specks ("only_specks")."""

    default_reason = "no_ink"


class MostlyInkError(PhotoError):
    """Most of the picture is dark or inked ("mostly_ink"): not one digit on paper."""

    default_reason = "mostly_ink"


@dataclass
class PhotoSteps:
    """What `photo_to_mnist` did, step by step (arrays at the working size, longest side
    `WORK_SIZE`, unless said otherwise).

    Attributes:
        picture: (h, w, 3) uint8, the photo scaled down (EXIF orientation applied).
        grey: (h, w) float32 0-1, brightness.
        light: (h, w) float32 0-1, the paper's brightness as estimated (light and shadows).
        evened: (h, w) float32 0-1, brightness divided by the light: paper white, ink dark
            (inverted first when the ink is lighter than the paper).
        ink: (h, w) bool, pixels clearly darker than the paper.
        lines: (h, w) bool, what was taken for printed lines (ruled or squared paper).
        digit_mask: (h, w) bool, the ink kept as the digit (no lines, no specks).
        digit: (dh, dw) float32 0-1, the digit cropped, white ink on black.
        mnist: (28, 28) float32 0-1, what the model reads.
        dark_ink: True when the ink is darker than the paper.
        box: (top, left, bottom, right) of the digit in the working picture.
        scale: working size / original size.
        original_size: (height, width) of the photo as given (after EXIF orientation).
        threshold: the ink strength (0-1) that counted as the digit's ink.
    """

    picture: np.ndarray
    grey: np.ndarray
    light: np.ndarray | None = None
    evened: np.ndarray | None = None
    ink: np.ndarray | None = None
    lines: np.ndarray | None = None
    digit_mask: np.ndarray | None = None
    digit: np.ndarray | None = None
    mnist: np.ndarray | None = None
    dark_ink: bool = True
    box: tuple[int, int, int, int] | None = None
    scale: float = 1.0
    original_size: tuple[int, int] = (0, 0)
    threshold: float = field(default=0.0, repr=False)

    def images(self) -> dict[str, np.ndarray]:
        """The steps done, as uint8 pictures to show, keyed by `STEP_NAMES` (masks and the
        digit white on black)."""
        shown = {}
        for name in STEP_NAMES:
            value = getattr(self, name)
            if value is None:
                continue
            if value.dtype == bool:
                value = value.astype(np.float32)
            if value.dtype != np.uint8:
                value = np.clip(value * 255 + 0.5, 0, 255).astype(np.uint8)
            shown[name] = value
        return shown


# ------------------------------------------------------------------------- reading


def _read_source(image):
    """Bytes, a PIL image or an array, from whatever was given."""
    if isinstance(image, np.ndarray | Image.Image):
        return image
    if isinstance(image, bytes | bytearray | memoryview):
        return bytes(image)
    if isinstance(image, str | os.PathLike):
        try:
            with open(image, "rb") as file:
                return file.read()
        except OSError as error:
            raise PhotoUnreadableError(
                f"Cannot read {os.fspath(image)}: {error.strerror or error}.",
                "not_an_image",
                name=os.fspath(image),
            ) from None
    if hasattr(image, "getvalue"):  # Streamlit's UploadedFile, io.BytesIO: all of it
        return image.getvalue()
    if hasattr(image, "read"):
        return image.read()
    raise PhotoUnreadableError(
        f"Expected a photo (the bytes of a PNG, JPEG or WebP file, an uploaded file or an "
        f"image array); got {type(image).__name__}.",
        "not_an_image",
        type=type(image).__name__,
    )


def _too_large(pixels: int, width=None, height=None, limit=MAX_PIXELS) -> PhotoSizeError:
    size = f"{width}x{height} = " if width else ""
    return PhotoSizeError(
        f"The picture is too large: {size}{pixels:,} pixels; the limit is {limit:,}. "
        "Take a smaller photo or scale it down.",
        "too_large",
        pixels=int(pixels),
        width=width,
        height=height,
        limit=limit,
    )


def _open_bytes(data: bytes) -> tuple[Image.Image, tuple[int, int]]:
    if not data:
        raise PhotoUnreadableError("The file is empty: it holds no picture.", "empty")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            picture = Image.open(io.BytesIO(data), formats=FORMATS)
        except Image.DecompressionBombError as error:  # not a ValueError: PIL's own limit
            found = re.search(r"\((\d+) pixels\)", str(error))
            raise _too_large(int(found.group(1)) if found else MAX_PIXELS + 1) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            raise PhotoUnreadableError(
                "This is not a picture PIL can read: upload a PNG, JPEG or WebP photo.",
                "not_an_image",
                formats=FORMATS,
            ) from None
        width, height = picture.size
        if width * height > MAX_PIXELS:
            raise _too_large(width * height, width, height)
        if min(width, height) < MIN_SIDE:
            raise _too_small(width, height)
        if picture.format in ("JPEG", "MPO"):
            # Decode at a reduced scale (1/2, 1/4, 1/8) still larger than the working size.
            picture.draft("RGB", (WORK_SIZE, WORK_SIZE))
        elif width * height > MAX_DECODED_PIXELS.get(picture.format, 0):  # decoded whole
            limit = MAX_DECODED_PIXELS.get(picture.format, 0)
            raise _too_large(width * height, width, height, limit)
        # Only the first frame is ever decoded (an animated GIF, WebP or PNG, an MPO's
        # second picture): frames are never counted, which would read them all.
        try:
            picture.load()
        except Exception:  # truncated or damaged data: OSError, SyntaxError, zlib.error...
            raise PhotoUnreadableError(
                "The picture is damaged or incomplete (perhaps the upload was cut short): "
                "take or upload it again.",
                "corrupt",
                format=picture.format,
            ) from None
    try:
        orientation = picture.getexif().get(0x0112)
    except Exception:  # a broken EXIF block: keep the picture as stored
        orientation = None
    picture = _shrink(picture)  # before turning: a turn of the whole photo is a full copy
    if isinstance(orientation, int) and orientation in _TURNS:  # EXIF may hold anything
        picture = picture.transpose(_TURNS[orientation])
    turned = orientation in (5, 6, 7, 8)  # a quarter turn
    return picture, ((width, height) if turned else (height, width))


_TURNS = {  # EXIF orientation -> the transpose that displays the picture upright
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _shrink(picture: Image.Image) -> Image.Image:
    """A large decoded picture scaled down to the working size right away, in a mode PIL
    filters (transparency kept, premultiplied), so no full-size copy is ever made."""
    width, height = picture.size
    scale = WORK_SIZE / max(width, height)
    if scale >= 1:
        return picture
    if _has_alpha(picture) and picture.mode not in ("RGBA", "LA"):
        picture = picture.convert("RGBA")  # a palette's or a key colour's transparency
    elif picture.mode == "P":
        picture = picture.convert("RGB")
    elif picture.mode == "1":
        picture = picture.convert("L")
    elif picture.mode.startswith("I;16"):  # 16-bit grey: kept on the scale it is read on
        top = picture.getextrema()[1]
        picture = picture.convert("I")
        if top > 255:
            picture = picture.point(lambda value: value / 257)  # 0-65535 -> 0-255
    elif picture.mode not in ("RGB", "RGBA", "L", "LA", "I", "F"):
        picture = picture.convert("RGB")  # CMYK, YCbCr, ...
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return picture.resize(new_size, Image.Resampling.BOX)


def _has_alpha(picture: Image.Image) -> bool:
    return picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info


def _pil_to_rgb(picture: Image.Image) -> np.ndarray:
    """(h, w, 3) uint8; transparency over white paper; 16-bit and float greys rescaled."""
    if picture.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        return _array_to_rgb(np.asarray(picture))
    if _has_alpha(picture):
        rgba = picture.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(white, rgba)
    return np.asarray(picture.convert("RGB"))


def _array_to_rgb(array: np.ndarray) -> np.ndarray:
    if array.dtype == bool or not (
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    ):
        raise PhotoUnreadableError(
            f"Expected an image array of numbers; got {array.dtype}.",
            "not_an_image",
            dtype=str(array.dtype),
        )
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        raise PhotoUnreadableError(
            f"Expected an image array (height, width) grey, (height, width, 3) RGB or "
            f"(height, width, 4) RGBA; got shape {array.shape}.",
            "not_an_image",
            shape=tuple(int(n) for n in array.shape),
        )
    height, width = array.shape[:2]
    if height * width > MAX_PIXELS:
        raise _too_large(height * width, width, height)
    if min(height, width) < MIN_SIDE:
        raise _too_small(width, height)
    pixels = array.astype(np.float32)
    if not np.isfinite(pixels).all():
        raise PhotoUnreadableError(
            "The image array contains NaN or infinite values.", "not_an_image", finite=False
        )
    if np.issubdtype(array.dtype, np.integer):
        top = 255.0 if array.max(initial=0) <= 255 else float(np.iinfo(array.dtype).max)
        pixels /= top
    elif pixels.max(initial=0) > 1.0:
        pixels /= 255.0  # floats on the 0-255 scale
    pixels = np.clip(pixels, 0.0, 1.0)
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[..., None], 3, axis=2)
    elif pixels.shape[2] == 4:  # transparency over white paper
        alpha = pixels[..., 3:]
        pixels = pixels[..., :3] * alpha + (1.0 - alpha)
    return (pixels * 255 + 0.5).astype(np.uint8)


def _too_small(width, height) -> PhotoSizeError:
    return PhotoSizeError(
        f"The picture is too small ({width}x{height}); use at least {MIN_SIDE} px a side.",
        "too_small",
        width=int(width),
        height=int(height),
        limit=MIN_SIDE,
    )


def load_photo(image) -> tuple[np.ndarray, tuple[int, int]]:
    """The photo as (h, w, 3) uint8 RGB with its longest side `WORK_SIZE` px, and its size
    (height, width) as given, EXIF orientation applied.

    Raises:
        PhotoUnreadableError, PhotoSizeError.
    """
    source = _read_source(image)
    original = None
    if isinstance(source, bytes):
        source, original = _open_bytes(source)
    if isinstance(source, Image.Image):
        width, height = source.size
        if width * height > MAX_PIXELS:
            raise _too_large(width * height, width, height)
        rgb = _pil_to_rgb(source)
    else:
        rgb = _array_to_rgb(np.asarray(source))
    original = original or rgb.shape[:2]
    height, width = rgb.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise _too_small(width, height)
    scale = WORK_SIZE / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if min(new_size) < MIN_SIDE // 2:
        raise _too_small(width, height)
    if new_size != (width, height):
        method = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
        rgb = np.asarray(Image.fromarray(rgb).resize(new_size, method))
    return rgb, original


# ------------------------------------------------------------------------- filters


def _window(array: np.ndarray, size: int, axis: int, op) -> np.ndarray:
    """`op` (np.minimum or np.maximum) over a centred window of `size` along `axis`, edges
    repeated: log2(size) passes (van Herk-like doubling)."""
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


def _box_filter(array: np.ndarray, size: int, op) -> np.ndarray:
    return _window(_window(array, size, 0, op), size, 1, op)


def _shift(array: np.ndarray, dy: int, dx: int) -> np.ndarray:
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


def _line_opening(array: np.ndarray, length: int, slope: float) -> np.ndarray:
    """Grey opening along a straight segment `length` px long (a power of two) going right
    with `slope` (dy/dx): the largest value a segment that fits in the mark keeps."""
    steps = []
    eroded, k = array, 1
    while k < length:
        dy = round(k * slope)
        eroded = np.minimum(eroded, _shift(eroded, dy, k))
        steps.append((dy, k))
        k *= 2
    dilated = eroded
    for dy, k in steps:
        dilated = np.maximum(dilated, _shift(dilated, -dy, -k))
    return dilated


def _box_mean(array: np.ndarray, size: int, axis: int) -> np.ndarray:
    before = size // 2
    pad = [(0, 0)] * array.ndim
    pad[axis] = (before + 1, size - 1 - before)
    total = np.cumsum(np.pad(array, pad, mode="edge"), axis=axis, dtype=np.float32)
    n = array.shape[axis]
    upper = np.take(total, np.arange(size, size + n), axis=axis)
    lower = np.take(total, np.arange(0, n), axis=axis)
    return (upper - lower) / np.float32(size)


def _blur(array: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-like blur: three box blurs each way (edges repeated)."""
    size = max(1, round(np.sqrt(4 * sigma * sigma + 1))) | 1  # 3 boxes this wide ~ sigma
    result = array.astype(np.float32)
    if size <= 1:
        return result
    for axis in (0, 1):
        for _ in range(3):
            result = _box_mean(result, size, axis)
    return result


# ------------------------------------------------------------------------- components


def _components(mask: np.ndarray):
    """8-connected components of `mask` by runs: (labels per run, run rows, starts, ends)."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    change = np.diff(padded, axis=1)
    start_rows, starts = np.nonzero(change == 1)
    end_rows, ends = np.nonzero(change == -1)  # exclusive
    count = starts.size
    parent = list(range(count))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    row_first = np.searchsorted(start_rows, np.arange(h + 1))
    for row in range(1, h):
        a0, a1 = row_first[row - 1], row_first[row]
        b0, b1 = row_first[row], row_first[row + 1]
        if a0 == a1 or b0 == b1:
            continue
        i, j = a0, b0
        while i < a1 and j < b1:
            # 8-connected: runs touch if they overlap once widened by one pixel.
            if starts[i] <= ends[j] and starts[j] <= ends[i]:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
            if ends[i] < ends[j]:
                i += 1
            else:
                j += 1
    roots = np.array([find(i) for i in range(count)], dtype=np.int64)
    _, labels = np.unique(roots, return_inverse=True)
    return labels, start_rows, starts, ends


def _component_stats(labels, rows, starts, ends, ink):
    count = int(labels.max()) + 1 if labels.size else 0
    lengths = ends - starts
    area = np.bincount(labels, lengths, count)
    top = np.full(count, 1 << 30)
    np.minimum.at(top, labels, rows)
    bottom = np.zeros(count, np.int64)
    np.maximum.at(bottom, labels, rows + 1)
    left = np.full(count, 1 << 30)
    np.minimum.at(left, labels, starts)
    right = np.zeros(count, np.int64)
    np.maximum.at(right, labels, ends)
    cumulative = np.concatenate([np.zeros((ink.shape[0], 1)), np.cumsum(ink, axis=1)], axis=1)
    run_mass = cumulative[rows, ends] - cumulative[rows, starts]
    mass = np.bincount(labels, run_mass, count)
    return area, top, bottom, left, right, mass


def _paint(shape, keep, labels, rows, starts, ends) -> np.ndarray:
    mask = np.zeros(shape, bool)
    for row, start, end in zip(
        rows[keep[labels]], starts[keep[labels]], ends[keep[labels]], strict=True
    ):
        mask[row, start:end] = True
    return mask


# ------------------------------------------------------------------------- the steps


def _ink_is_dark(grey: np.ndarray) -> bool:
    """Dark ink on light paper, unless both: marks brighter than their surroundings clearly
    outweigh darker ones (chalk on a blackboard, white ink on black paper), and the picture's
    edge, where the paper is, is dark."""
    detail = grey - _blur(grey, 0.2 * max(grey.shape))
    low, median, high = np.percentile(detail, [0.5, 50, 99.5])
    light_marks = (high - median) > 1.5 * (median - low) + 0.01
    edge = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    paper = float(np.median(edge))
    darkest, brightest = np.percentile(grey, [0.5, 99.5])
    dark_paper = paper - darkest < brightest - paper
    return not (light_marks and dark_paper)


def _light(grey: np.ndarray) -> np.ndarray:
    """The paper's brightness everywhere, computed at a quarter of the size (it is smooth).

    First a grey closing wider than a stroke (the largest value nearby, then the smallest:
    the ink is gone, but the bottom of a shadow is filled a little); then, leaving out what
    that shows to be ink, the average brightness around each pixel (follows shadows closely).
    """
    h, w = grey.shape
    small_size = (max(4, w // 4), max(4, h // 4))
    small = np.asarray(
        Image.fromarray(grey, mode="F").resize(small_size, Image.Resampling.BOX), np.float32
    )
    window = max(3, round(LIGHT_WINDOW * max(small.shape)) | 1)
    closed = _box_filter(_box_filter(small, window, np.maximum), window, np.minimum)
    closed = _blur(closed, window / 4)
    paper = (small >= (1 - MIN_INK) * closed).astype(np.float32)
    paper = _box_filter(paper, 3, np.minimum)  # away from the ink's edge too
    sigma = LIGHT_BLUR * max(small.shape)
    weight = _blur(paper, sigma)
    average = _blur(small * paper, sigma) / np.maximum(weight, 1e-6)
    share = np.clip(weight / 0.3, 0.0, 1.0)  # little paper nearby: trust the closing
    light = share * average + (1 - share) * closed
    light = Image.fromarray(light.astype(np.float32), mode="F")
    return np.asarray(light.resize((w, h), Image.Resampling.BILINEAR), np.float32)


def _lines(ink: np.ndarray) -> np.ndarray:
    """Printed lines: pixels of thin straight marks at least `LINE_LENGTH` long, near
    horizontal or near vertical."""
    lines = np.zeros(ink.shape, bool)
    length = 1 << max(3, round(np.log2(LINE_LENGTH * max(ink.shape))))
    for image, transpose in ((ink, False), (ink.T, True)):
        # Thick across the line's direction (a stroke, or a stroke crossing the line): not
        # a line. Widened by a pixel each side, so a slightly askew line still fits.
        thick = _window(_window(image, 5, 0, np.minimum), 5, 0, np.maximum)
        widened = _window(image, 3, 0, np.maximum)
        along = np.zeros_like(image)
        for angle in LINE_ANGLES:
            along = np.maximum(along, _line_opening(widened, length, np.tan(np.radians(angle))))
        found = (along >= 0.5 * image) & (thick < 0.5 * image) & (image > 0.04)
        lines |= found.T if transpose else found
    return lines


def photo_steps(image) -> PhotoSteps:
    """Every step from a photo to the 28x28 image (see the module's description).

    Args:
        image: the photo: bytes of a PNG, JPEG, WebP (GIF, BMP) file, a file object
            (Streamlit's UploadedFile, `st.camera_input`'s result), a path, a PIL image, or
            a numpy array (h, w) grey, (h, w, 3) RGB or (h, w, 4) RGBA, uint8 or floats.

    Raises:
        PhotoUnreadableError: not a picture, or a broken one.
        PhotoSizeError: too many pixels (checked before decoding) or too few.
        NoInkError: nothing that looks like ink, or only specks.
        MostlyInkError: most of the picture is dark or inked.
    """
    picture, original = load_photo(image)
    h, w = picture.shape[:2]
    grey = np.asarray(Image.fromarray(picture).convert("L"), np.float32) * np.float32(1 / 255)
    steps = PhotoSteps(
        picture=picture,
        grey=grey,
        scale=max(h, w) / max(original),
        original_size=(int(original[0]), int(original[1])),
    )
    if float(grey.max()) < 0.04:
        raise MostlyInkError(
            "The picture is black: point the camera at a lit page.", "too_dark", steps=steps
        )
    steps.dark_ink = _ink_is_dark(grey)
    paper = grey if steps.dark_ink else 1.0 - grey
    light = _light(paper)
    steps.light = light
    bright = float(np.percentile(light, 99))
    dark_share = float(np.mean(paper < 0.35 * bright))
    if dark_share > MAX_DARK:
        raise MostlyInkError(
            f"{dark_share:.0%} of the picture is dark: photograph one digit on a sheet of "
            "paper, filling part of the picture.",
            "mostly_ink",
            steps=steps,
            share=round(dark_share, 3),
            limit=MAX_DARK,
        )
    evened = np.clip(paper / np.maximum(light, 1e-3), 0.0, 1.0)
    steps.evened = evened
    ink = _blur(1.0 - evened, 0.7)

    noise = 1.4826 * float(np.median(np.abs(ink - np.median(ink))))
    floor = max(MIN_INK / 2, 4 * noise)
    lines = _lines(ink)
    lines &= ink >= floor / 2
    steps.lines = lines
    mask = ink >= floor
    steps.ink = mask
    coverage = float(mask.mean())
    if coverage > MAX_COVERAGE:
        raise MostlyInkError(
            f"{coverage:.0%} of the picture is ink: photograph one digit, written on "
            "paper, with paper all around it.",
            "mostly_ink",
            steps=steps,
            share=round(coverage, 3),
            limit=MAX_COVERAGE,
        )
    clean = np.where(lines, 0.0, ink).astype(np.float32)
    mask &= ~lines

    def no_ink(reason="no_ink", message=None):
        return NoInkError(
            message
            or "No digit found: nothing on the page is clearly darker than the paper. "
            "Write darker or larger, or light the page better.",
            reason,
            steps=steps,
            contrast=round(float(clean.max(initial=0.0)), 3),
            limit=MIN_INK,
        )

    labels, rows, starts, ends = _components(mask)
    if labels.size == 0:
        raise no_ink()
    # Mass of the squared ink: strong ink counts, a faint wide smudge (the rest of a shadow)
    # little.
    area, top, bottom, left, right, mass = _component_stats(
        labels, rows, starts, ends, clean * clean
    )
    height, width = bottom - top, right - left
    span = np.maximum(height, width)
    short = min(h, w)
    # Lines that survived (a ruled line broken by the digit, a page edge): long and thin.
    thin = area / np.maximum(span, 1) < max(2.5, 0.012 * short)
    line_like = thin & ((width > 0.5 * w) | (height > 0.5 * h))
    speck = span < MIN_DIGIT * short
    touches_edge = (top == 0) | (left == 0) | (bottom == h) | (right == w)
    peak = np.zeros(mass.size)
    np.maximum.at(peak, labels, _run_peaks(clean, rows, starts, ends))
    # Ink has edges; what is left of a shadow is as faint at its edge as in its middle.
    edge = np.zeros(mass.size)
    steepness = np.where(_box_filter(lines, 3, np.maximum), 0.0, _gradient(clean))
    np.maximum.at(edge, labels, _run_peaks(steepness, rows, starts, ends))
    candidate = ~line_like & ~speck & (peak >= MIN_INK) & (edge >= MIN_EDGE)
    if not candidate.any():
        if (~line_like & (peak >= MIN_INK)).any():
            raise no_ink(
                "only_specks",
                "Only specks found, no digit: write the digit larger, filling a good part "
                "of the picture.",
            )
        raise no_ink()
    # The digit: the strongest component away from the edges (else the strongest), and the
    # pieces close to it (a broken stroke, a 5's flag).
    score = np.where(candidate, mass, -1.0) * np.where(touches_edge, 0.25, 1.0)
    main = int(np.argmax(score))
    level = float(np.percentile(_run_values(clean, rows, starts, ends, labels == main), 90))
    if level < MIN_INK:
        raise no_ink()
    threshold = max(floor, 0.4 * level)
    margin = 0.25 * span[main]
    near = (
        (bottom > top[main] - margin)
        & (top < bottom[main] + margin)
        & (right > left[main] - margin)
        & (left < right[main] + margin)
    )
    keep = ~line_like & near & (peak >= 0.6 * level) & ((area >= 0.02 * area[main]) | ~speck)
    keep[main] = True
    digit_mask = _paint(mask.shape, keep, labels, rows, starts, ends) & (clean >= threshold)
    if not digit_mask.any():
        raise no_ink()
    steps.digit_mask = digit_mask
    steps.threshold = threshold
    ys = np.flatnonzero(digit_mask.any(axis=1))
    xs = np.flatnonzero(digit_mask.any(axis=0))
    box = (int(ys[0]), int(xs[0]), int(ys[-1]) + 1, int(xs[-1]) + 1)
    steps.box = box
    if max(box[2] - box[0], box[3] - box[1]) < MIN_DIGIT * short:
        raise no_ink("only_specks", "Only a speck found, no digit: write the digit larger.")
    # Soft ink inside the digit (its anti-aliased edge too), the stroke's core at 1.
    around = _box_filter(digit_mask, 3, np.maximum)
    soft = np.where(around, np.clip(clean / max(level, 1e-3), 0.0, 1.0), 0.0)
    steps.digit = soft[box[0] : box[2], box[1] : box[3]].astype(np.float32)
    steps.mnist = _to_mnist(steps.digit)
    return steps


def _gradient(values: np.ndarray) -> np.ndarray:
    """How steeply `values` change at each pixel (per pixel, over two pixels)."""
    gy = np.zeros_like(values)
    gx = np.zeros_like(values)
    gy[1:-1] = (values[2:] - values[:-2]) / 2
    gx[:, 1:-1] = (values[:, 2:] - values[:, :-2]) / 2
    return np.sqrt(gy * gy + gx * gx)


def _run_peaks(values, rows, starts, ends):
    return np.array(
        [values[r, s:e].max() for r, s, e in zip(rows, starts, ends, strict=True)]
        if rows.size
        else [],
        dtype=np.float64,
    )


def _run_values(values, rows, starts, ends, chosen):
    return np.concatenate(
        [values[r, s:e] for r, s, e in zip(rows[chosen], starts[chosen], ends[chosen], strict=True)]
    )


def _to_mnist(digit: np.ndarray) -> np.ndarray:
    """As `canvas_to_mnist`: longest side into the 20 px box (anti-aliased, aspect kept),
    centre of mass at the centre of 28x28, brightest pixel 1."""
    height, width = digit.shape
    scale = DIGIT_BOX / max(height, width)
    new_height, new_width = max(1, round(height * scale)), max(1, round(width * scale))
    picture = Image.fromarray(digit.astype(np.float32), mode="F")
    method = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    small = np.clip(np.asarray(picture.resize((new_width, new_height), method)), 0.0, None)
    small = small / max(float(small.max()), 1e-6)
    total = float(small.sum())
    com_y = float(small.sum(axis=1) @ np.arange(new_height)) / total
    com_x = float(small.sum(axis=0) @ np.arange(new_width)) / total
    offset_y = min(max(int(round(IMAGE_SIZE / 2 - com_y)), 0), IMAGE_SIZE - new_height)
    offset_x = min(max(int(round(IMAGE_SIZE / 2 - com_x)), 0), IMAGE_SIZE - new_width)
    result = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
    result[offset_y : offset_y + new_height, offset_x : offset_x + new_width] = small
    return result


def photo_to_mnist(image) -> np.ndarray:
    """A photo of a digit on paper as the (28, 28) float32 image in [0, 1] that MNIST models
    read (white ink on black); see `photo_steps` for the accepted inputs and errors."""
    return photo_steps(image).mnist
