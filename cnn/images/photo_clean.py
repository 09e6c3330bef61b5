"""The cleaning stages of `cnn.images.photo`: from a grey picture of a page to the digit's
ink, with the page's light, printed lines and specks taken away.

Each stage is a function of arrays at the working size (longest side `WORK_SIZE`):

- light: `ink_is_dark`, then `paper_light`, the paper's brightness everywhere (light and
  shadows), and `evened`, the picture divided by it;
- ink: `ink_strength`, how much darker than the paper each pixel is, and the noise floor;
- lines: `printed_lines`, thin straight marks of ruled or squared paper;
- components and digit: `find_digit`, the strongest piece of ink that is no line, no speck
  and no shadow, with the pieces near it; `digit_box` and `soft_digit`, the digit cropped.

A stage that finds no digit raises `NoInkError` or `MostlyInkError`; `photo_steps` adds what
was seen so far.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from cnn.images.geometry import box_extreme, line_opening, window_extreme
from cnn.images.photo_errors import MostlyInkError, NoInkError

LIGHT_WINDOW = 0.12  # the closing's width, as a share of the longest side: wider than a stroke
LIGHT_BLUR = 0.03  # the paper's brightness is averaged over this (share of the longest side)
LINE_LENGTH = 0.2  # a straight mark this long (share of the longest side) and thin is a line
LINE_ANGLES = (-4.0, -2.0, 0.0, 2.0, 4.0)  # degrees: a page photographed a little askew
MIN_INK = 0.12  # darker than the paper by this share of its brightness: surely ink, not paper
# The digit's own ink may be fainter: a thin pencil line, blurred by the lens, is often only
# 8-12 % darker than the paper (`bench_photo_accuracy.py --pen-width 3`: at 0.12, 72 of 333
# thin pencil photos were refused). Its edges still tell it from a shadow (MIN_EDGE).
MIN_DIGIT_INK = 0.08
MIN_EDGE = 0.03  # ink's edge: its darkness changes at least this much per working pixel
MAX_DARK = 0.5  # more of the picture than this far darker than the paper: not a digit on paper
MAX_COVERAGE = 0.4  # more of the picture than this is ink: not one digit
MIN_DIGIT = 0.04  # a digit shorter than this share of the shorter side is a speck


# ------------------------------------------------------------------------- filters


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


# ------------------------------------------------------------------------- light


def ink_is_dark(grey: np.ndarray) -> bool:
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


def paper_light(grey: np.ndarray) -> np.ndarray:
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
    closed = box_extreme(box_extreme(small, window, np.maximum), window, np.minimum)
    closed = _blur(closed, window / 4)
    paper = (small >= (1 - MIN_INK) * closed).astype(np.float32)
    paper = box_extreme(paper, 3, np.minimum)  # away from the ink's edge too
    sigma = LIGHT_BLUR * max(small.shape)
    weight = _blur(paper, sigma)
    average = _blur(small * paper, sigma) / np.maximum(weight, 1e-6)
    share = np.clip(weight / 0.3, 0.0, 1.0)  # little paper nearby: trust the closing
    light = share * average + (1 - share) * closed
    light = Image.fromarray(light.astype(np.float32), mode="F")
    return np.asarray(light.resize((w, h), Image.Resampling.BILINEAR), np.float32)


def refuse_black(grey: np.ndarray) -> None:
    """A picture with nothing lit in it: the camera saw no page."""
    if float(grey.max()) < 0.04:
        raise MostlyInkError("The picture is black: point the camera at a lit page.", "too_dark")


def refuse_mostly_dark(paper: np.ndarray, light: np.ndarray) -> None:
    """Much of the picture far darker than the brightest paper: not a digit on a page."""
    bright = float(np.percentile(light, 99))
    dark_share = float(np.mean(paper < 0.35 * bright))
    if dark_share > MAX_DARK:
        raise MostlyInkError(
            f"{dark_share:.0%} of the picture is dark: photograph one digit on a sheet of "
            "paper, filling part of the picture.",
            "mostly_ink",
            share=round(dark_share, 3),
            limit=MAX_DARK,
        )


def evened(paper: np.ndarray, light: np.ndarray) -> np.ndarray:
    """The picture divided by the light: paper 1 everywhere, in the light and in the shadow."""
    return np.clip(paper / np.maximum(light, 1e-3), 0.0, 1.0)


# ------------------------------------------------------------------------- ink and lines


def ink_strength(evened: np.ndarray) -> tuple[np.ndarray, float]:
    """How much darker than the paper each pixel is (a little blurred, so a grainy pencil
    stroke holds together), and the floor above which that counts as ink: `MIN_INK / 2`, or
    four times the picture's noise where it is grainier."""
    ink = _blur(1.0 - evened, 0.7)
    noise = 1.4826 * float(np.median(np.abs(ink - np.median(ink))))
    return ink, max(MIN_INK / 2, 4 * noise)


def printed_lines(ink: np.ndarray, floor: float) -> np.ndarray:
    """Printed lines (ruled or squared paper): thin straight marks at least `LINE_LENGTH`
    long, near horizontal or near vertical, at least half as dark as ink."""
    return _straight_marks(ink) & (ink >= floor / 2)


def refuse_mostly_ink(mask: np.ndarray) -> None:
    """Ink over much of the picture: not one digit with paper around it."""
    coverage = float(mask.mean())
    if coverage > MAX_COVERAGE:
        raise MostlyInkError(
            f"{coverage:.0%} of the picture is ink: photograph one digit, written on "
            "paper, with paper all around it.",
            "mostly_ink",
            share=round(coverage, 3),
            limit=MAX_COVERAGE,
        )


def _straight_marks(ink: np.ndarray) -> np.ndarray:
    """Pixels of thin straight marks at least `LINE_LENGTH` long, near horizontal or near
    vertical."""
    lines = np.zeros(ink.shape, bool)
    length = 1 << max(3, round(np.log2(LINE_LENGTH * max(ink.shape))))
    for image, transpose in ((ink, False), (ink.T, True)):
        # Thick across the line's direction (a stroke, or a stroke crossing the line): not
        # a line. Widened by a pixel each side, so a slightly askew line still fits.
        thick = window_extreme(window_extreme(image, 5, 0, np.minimum), 5, 0, np.maximum)
        widened = window_extreme(image, 3, 0, np.maximum)
        along = np.zeros_like(image)
        for angle in LINE_ANGLES:
            along = np.maximum(along, line_opening(widened, length, np.tan(np.radians(angle))))
        found = (along >= 0.5 * image) & (thick < 0.5 * image) & (image > 0.04)
        lines |= found.T if transpose else found
    return lines


# ------------------------------------------------------------------------- the digit


def _no_ink(clean: np.ndarray, reason: str = "no_ink", message: str | None = None) -> NoInkError:
    return NoInkError(
        message
        or "No digit found: nothing on the page is clearly darker than the paper. "
        "Write darker or larger, or light the page better.",
        reason,
        contrast=round(float(clean.max(initial=0.0)), 3),
        limit=MIN_DIGIT_INK,
    )


def find_digit(
    mask: np.ndarray, clean: np.ndarray, lines: np.ndarray, floor: float
) -> tuple[np.ndarray, float, float]:
    """The ink kept as the digit: the strongest component that is no line, no speck and no
    shadow, away from the edges if it can be, and the pieces close to it (a broken stroke,
    a 5's flag), where their ink is strong enough.

    Args:
        mask: (h, w) bool, the ink without the printed lines.
        clean: (h, w) float32, the ink's strength without the printed lines.
        lines: (h, w) bool, the printed lines (their edges are no ink's edge).
        floor: the ink strength that counted as ink (`ink_strength`).

    Returns:
        (digit_mask, threshold, level): the digit's pixels (h, w) bool; the ink strength
        that counted as the digit's, at least `floor`; the strength of the digit's ink (the
        90th percentile in its main component).

    Raises:
        NoInkError: no ink ("no_ink"), or only specks ("only_specks").
    """
    h, w = mask.shape
    labels, rows, starts, ends = _components(mask)
    if labels.size == 0:
        raise _no_ink(clean)
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
    steepness = np.where(box_extreme(lines, 3, np.maximum), 0.0, _gradient(clean))
    np.maximum.at(edge, labels, _run_peaks(steepness, rows, starts, ends))
    candidate = ~line_like & ~speck & (peak >= MIN_DIGIT_INK) & (edge >= MIN_EDGE)
    if not candidate.any():
        if (~line_like & (peak >= MIN_INK)).any():  # clear specks, not faint marks
            raise _no_ink(
                clean,
                "only_specks",
                "Only specks found, no digit: write the digit larger, filling a good part "
                "of the picture.",
            )
        raise _no_ink(clean)
    score = np.where(candidate, mass, -1.0) * np.where(touches_edge, 0.25, 1.0)
    main = int(np.argmax(score))
    level = float(np.percentile(_run_values(clean, rows, starts, ends, labels == main), 90))
    if level < MIN_DIGIT_INK:
        raise _no_ink(clean)
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
    digit = _paint(mask.shape, keep, labels, rows, starts, ends) & (clean >= threshold)
    if not digit.any():
        raise _no_ink(clean)
    return digit, threshold, level


def digit_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the digit's ink, bottom and right exclusive."""
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    return int(ys[0]), int(xs[0]), int(ys[-1]) + 1, int(xs[-1]) + 1


def refuse_speck(box: tuple[int, int, int, int], shape, clean: np.ndarray) -> None:
    """A digit shorter and narrower than `MIN_DIGIT` of the picture's shorter side."""
    if max(box[2] - box[0], box[3] - box[1]) < MIN_DIGIT * min(shape):
        raise _no_ink(clean, "only_specks", "Only a speck found, no digit: write the digit larger.")


def soft_digit(mask, box, clean: np.ndarray, level: float) -> np.ndarray:
    """The digit cropped to `box`, white on black: soft ink inside the digit (its
    anti-aliased edge too), the stroke's core at 1."""
    around = box_extreme(mask, 3, np.maximum)
    soft = np.where(around, np.clip(clean / max(level, 1e-3), 0.0, 1.0), 0.0)
    return soft[box[0] : box[2], box[1] : box[3]].astype(np.float32)


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
