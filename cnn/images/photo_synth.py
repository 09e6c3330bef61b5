"""Synthetic phone photos of MNIST digits written on paper (for tests and benchmarks).

`synthetic_photo` renders a 28x28 MNIST digit large, in black, blue or pencil ink (as wide as
MNIST's strokes, or with a thin pen along its centre line: `pen_width`), on plain,
ruled or squared paper, then photographs it: uneven light (a gradient from one side and a
soft shadow), dust specks, lens blur, sensor noise and JPEG compression, at phone sizes from
480x640 to 1024x768, portrait or landscape. The same `rng` seed gives the same photo.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from cnn.images.geometry import box_extreme

PAPERS = ("plain", "ruled", "squared")
INKS = ("black", "blue", "pencil")
PHOTO_SIZES = ((480, 640), (640, 480), (600, 800), (800, 600), (768, 1024), (1024, 768))


def _rng(rng) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _digit_alpha(digit: np.ndarray, height: int, angle: float, rng) -> np.ndarray | None:
    """The digit's ink coverage (0-1), `height` px tall, with pen-like edges; None for a
    digit image without ink."""
    image = np.asarray(digit, dtype=np.float32)
    if image.max() > 1.0:
        image = image / 255.0
    rows = np.flatnonzero(image.max(axis=1) > 0.1)
    cols = np.flatnonzero(image.max(axis=0) > 0.1)
    if rows.size == 0:
        return None
    crop = np.pad(image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], 2)
    scale = height / (rows[-1] - rows[0] + 1)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    big = Image.fromarray(crop, mode="F").resize(size, Image.Resampling.BICUBIC)
    if angle:
        big = big.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True)
    values = np.asarray(big, dtype=np.float32)
    # MNIST's soft edges, scaled up, are blurry ramps; a pen's stroke has a sharp edge.
    level = rng.uniform(0.3, 0.5)
    return np.clip((values - level) / 0.25 + 0.5, 0.0, 1.0)


def skeleton(mask: np.ndarray) -> np.ndarray:
    """A one-pixel, 8-connected centre line of `mask` (Zhang and Suen's thinning, 1984)."""
    image = np.pad(np.asarray(mask, dtype=np.uint8), 1)
    changed = True
    while changed:
        changed = False
        for sub_step in (0, 1):
            centre = image[1:-1, 1:-1]
            # The 8 neighbours, clockwise from the one above: P2 ... P9.
            ring = [
                image[:-2, 1:-1], image[:-2, 2:], image[1:-1, 2:], image[2:, 2:],
                image[2:, 1:-1], image[2:, :-2], image[1:-1, :-2], image[:-2, :-2],
            ]  # fmt: skip
            count = sum(n.astype(np.int16) for n in ring)
            turns = sum(
                ((ring[i] == 0) & (ring[(i + 1) % 8] == 1)).astype(np.int16) for i in range(8)
            )
            p2, p4, p6, p8 = ring[0], ring[2], ring[4], ring[6]
            if sub_step == 0:
                corner = ((p2 * p4 * p6) == 0) & ((p4 * p6 * p8) == 0)
            else:
                corner = ((p2 * p4 * p8) == 0) & ((p2 * p6 * p8) == 0)
            remove = (centre == 1) & (count >= 2) & (count <= 6) & (turns == 1) & corner
            if remove.any():
                centre[remove] = 0
                changed = True
    return image[1:-1, 1:-1].astype(bool)


def _thin_pen(alpha: np.ndarray, width: int) -> np.ndarray:
    """The digit's centre line drawn again with a pen `width` px wide (a ballpoint)."""
    line = skeleton(alpha > 0.5).astype(np.float32)
    return box_extreme(line, width, np.maximum) if width > 1 else line


def _lines(shape, paper: str, rng, blur: float) -> np.ndarray:
    """Coverage (0-1, float32) of the paper's printed lines, 1-2 px wide, slightly tilted
    (the page is never quite square to the camera), seen through a lens blurring by `blur`."""
    h, w = shape
    mask = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(mask)
    tilt = float(np.tan(np.radians(rng.uniform(-2.0, 2.0))))
    width = int(rng.integers(1, 3))
    if paper != "plain":
        spacing = rng.uniform(0.045, 0.08) if paper == "ruled" else rng.uniform(0.03, 0.055)
        spacing *= max(h, w)
        y = rng.uniform(0, spacing) - w * abs(tilt)
        while y < h + w * abs(tilt):
            draw.line([(0, y), (w, y + w * tilt)], fill=255, width=width)
            y += spacing
        if paper == "squared":
            x = rng.uniform(0, spacing) - h * abs(tilt)
            while x < w + h * abs(tilt):
                draw.line([(x, 0), (x - h * tilt, h)], fill=255, width=width)
                x += spacing
        elif rng.random() < 0.5:  # a margin line
            x = rng.uniform(0.08, 0.15) * w
            draw.line([(x, 0), (x - h * tilt, h)], fill=230, width=width)
    mask = mask.filter(ImageFilter.GaussianBlur(blur))
    return np.asarray(mask, dtype=np.float32) * np.float32(1 / 255)


def _specks(image: np.ndarray, rng) -> None:
    """A few small dark dots (dust, pencil specks), in place."""
    h, w = image.shape[:2]
    for _ in range(int(rng.integers(0, 7))):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(0.8, 2.5)
        top, left = int(max(cy - 4, 0)), int(max(cx - 4, 0))
        yy, xx = np.ogrid[top : min(int(cy) + 5, h), left : min(int(cx) + 5, w)]
        dot = np.clip(r + 0.5 - np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2), 0, 1)
        image[top : top + dot.shape[0], left : left + dot.shape[1]] *= (
            1 - 0.7 * dot[..., None]
        ).astype(np.float32)


def _light(shape, rng) -> np.ndarray:
    """The light falling on the page (0-1, float32): brighter on one side, maybe a soft
    shadow; computed coarse and scaled up (it is smooth)."""
    h, w = shape
    ch, cw = max(2, h // 8), max(2, w // 8)
    yy, xx = np.ogrid[0:ch, 0:cw]
    yy, xx = (yy + 0.5) / ch, (xx + 0.5) / cw
    direction = rng.uniform(0, 2 * np.pi)
    ramp = (yy - 0.5) * np.sin(direction) + (xx - 0.5) * np.cos(direction)
    light = 1.0 - rng.uniform(0.15, 0.45) * (ramp - ramp.min()) / (np.ptp(ramp) + 1e-9)
    if rng.random() < 0.75:
        cy, cx = rng.uniform(0, 1), rng.uniform(0, 1)
        sy, sx = rng.uniform(0.12, 0.35), rng.uniform(0.12, 0.35)
        blob = np.exp(-0.5 * (((yy - cy) / sy) ** 2 + ((xx - cx) / sx) ** 2))
        light = light * (1 - rng.uniform(0.2, 0.45) * blob)
    coarse = Image.fromarray(light.astype(np.float32), mode="F")
    return np.asarray(coarse.resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)


def synthetic_photo(
    digit: np.ndarray,
    *,
    paper: str = "plain",
    ink: str = "black",
    rng: np.random.Generator | int | None = None,
    size: tuple[int, int] | None = None,
    digit_height: int | None = None,
    quality: int | None = None,
    encode: bool = True,
    pen_width: int | None = None,
) -> bytes | np.ndarray:
    """A phone photo of `digit` (a 28x28 MNIST image, uint8 0-255 or floats 0-1) written on
    paper; an image without ink gives a photo of the blank page.

    Args:
        paper: "plain", "ruled" (light blue lines, sometimes a red margin) or "squared".
        ink: "black", "blue" or "pencil" (lighter, grainy).
        rng: a numpy Generator or a seed; the same seed gives the same photo.
        size: (height, width); default one of `PHOTO_SIZES`.
        digit_height: the digit's height in px; default 150-400 (at most 60 % of the height).
        quality: JPEG quality; default 60-90.
        encode: True: JPEG bytes, as a phone sends them; False: the (h, w, 3) uint8 array.
        pen_width: None: strokes as wide as MNIST's, scaled (a marker); a number of px: the
            digit's centre line written with a pen that wide (a ballpoint: 2-4 px).
    """
    if paper not in PAPERS:
        raise ValueError(f"paper = {paper!r}: expected one of {PAPERS}.")
    if ink not in INKS:
        raise ValueError(f"ink = {ink!r}: expected one of {INKS}.")
    rng = _rng(rng)
    h, w = size if size is not None else PHOTO_SIZES[rng.integers(len(PHOTO_SIZES))]
    # The lens' blur, applied to the marks on the page (not to the smooth paper: the same
    # picture, for a quarter of the work).
    blur = rng.uniform(0.4, 1.8)

    # The paper: off-white, slightly warm or cool, with its printed lines.
    paper_rgb = np.array([1.0, 0.985, 0.95]) - rng.uniform(0.0, 0.06) + rng.normal(0, 0.01, 3)
    image = np.empty((h, w, 3), np.float32)
    image[...] = paper_rgb.astype(np.float32)
    if paper != "plain":
        cover = _lines((h, w), paper, rng, blur)[..., None]
        line_rgb = np.array(
            [rng.uniform(0.5, 0.7), rng.uniform(0.68, 0.82), rng.uniform(0.85, 0.97)]
            if rng.random() < 0.7
            else [rng.uniform(0.6, 0.75)] * 3,
            np.float32,
        )
        image *= 1 - cover * (1 - line_rgb)

    # The digit, in ink, over the lines.
    height = digit_height or int(rng.integers(150, 401))
    height = min(height, int(0.6 * h))
    alpha = _digit_alpha(digit, height, rng.uniform(-10, 10), rng)
    if alpha is not None and pen_width is not None:
        alpha = _thin_pen(alpha, int(pen_width))
    if alpha is not None:
        alpha = alpha[: int(0.84 * h), : int(0.84 * w)]
        ah, aw = alpha.shape
        top = int(rng.integers(int(0.08 * h), max(int(0.08 * h), h - ah - int(0.08 * h)) + 1))
        left = int(rng.integers(int(0.08 * w), max(int(0.08 * w), w - aw - int(0.08 * w)) + 1))
        if ink == "black":
            ink_rgb = np.full(3, rng.uniform(0.05, 0.18))
        elif ink == "blue":
            ink_rgb = np.array(
                [rng.uniform(0.08, 0.2), rng.uniform(0.12, 0.3), rng.uniform(0.45, 0.7)]
            )
        else:
            ink_rgb = np.full(3, rng.uniform(0.3, 0.48))
            grain = rng.uniform(0.55, 1.0, alpha.shape).astype(np.float32)
            grain = np.asarray(
                Image.fromarray(grain, mode="F")
                .resize((max(1, aw // 2), max(1, ah // 2)), Image.Resampling.BOX)
                .resize((aw, ah), Image.Resampling.BILINEAR)
            )
            alpha = alpha * grain * rng.uniform(0.75, 1.0)
        alpha = Image.fromarray(np.round(alpha * 255).astype(np.uint8))
        alpha = np.asarray(alpha.filter(ImageFilter.GaussianBlur(blur)), np.float32) / 255
        region = image[top : top + ah, left : left + aw]
        a = alpha[..., None]
        region[...] = region * (1 - a) + ink_rgb.astype(np.float32) * a

    _specks(image, rng)

    # The light: brighter on one side, a soft shadow, a colour cast, the exposure.
    cast = np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.85, 1.0)], np.float32)
    cast *= np.float32(rng.uniform(0.8, 1.05) * 255)
    image *= _light((h, w), rng)[..., None]
    image *= cast

    # The camera: sensor noise (in brightness), JPEG.
    noise = rng.standard_normal((h, w, 1), dtype=np.float32)
    noise *= np.float32(rng.uniform(1.5, 7.0))
    image += noise
    pixels = np.clip(image, 0, 255).astype(np.uint8)
    if not encode:
        return pixels
    buffer = io.BytesIO()
    quality = quality or int(rng.integers(60, 91))
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
