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

The stages live in their own modules: reading the file safely (`photo_file`), the cleaning
(`photo_clean`), the 20 px box and the centring (`geometry`, shared with drawings) and the
refusals (`photo_errors`); this module runs them in order and keeps the public names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from cnn.images import photo_clean
from cnn.images.geometry import to_mnist
from cnn.images.photo_clean import (  # noqa: F401  (the tunable limits, importable from here)
    LIGHT_BLUR,
    LIGHT_WINDOW,
    LINE_ANGLES,
    LINE_LENGTH,
    MAX_COVERAGE,
    MAX_DARK,
    MIN_DIGIT,
    MIN_DIGIT_INK,
    MIN_EDGE,
    MIN_INK,
)
from cnn.images.photo_errors import (  # noqa: F401  (the public refusals, importable from here)
    MostlyInkError,
    NoInkError,
    PhotoError,
    PhotoSizeError,
    PhotoUnreadableError,
)
from cnn.images.photo_file import (  # noqa: F401  (the reading limits, importable from here)
    FORMATS,
    MAX_DECODED_PIXELS,
    MAX_PIXELS,
    MAX_TEXT_BYTES,
    MIN_SIDE,
    WORK_SIZE,
    load_photo,
)

STEP_NAMES = ("picture", "grey", "light", "evened", "ink", "lines", "digit_mask", "digit", "mnist")


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
    height, width = picture.shape[:2]
    steps = PhotoSteps(
        picture=picture,
        grey=np.asarray(Image.fromarray(picture).convert("L"), np.float32) * np.float32(1 / 255),
        scale=max(height, width) / max(original),
        original_size=(int(original[0]), int(original[1])),
    )
    try:
        _even_the_light(steps)
        clean, floor = _find_the_ink(steps)
        _crop_the_digit(steps, clean, floor)
    except PhotoError as refusal:
        refusal.steps = steps  # what was seen before the refusal, for the student to look at
        raise
    steps.mnist = to_mnist(steps.digit, min_peak=1e-6)
    return steps


def _even_the_light(steps: PhotoSteps) -> None:
    """grey -> light, evened: the paper made white everywhere (ink dark, inverted first for
    light ink on a dark page)."""
    photo_clean.refuse_black(steps.grey)
    steps.dark_ink = photo_clean.ink_is_dark(steps.grey)
    paper = steps.grey if steps.dark_ink else 1.0 - steps.grey
    steps.light = photo_clean.paper_light(paper)
    photo_clean.refuse_mostly_dark(paper, steps.light)
    steps.evened = photo_clean.evened(paper, steps.light)


def _find_the_ink(steps: PhotoSteps) -> tuple[np.ndarray, float]:
    """evened -> ink, lines; returns the ink's strength without the lines, and the strength
    that counts as ink."""
    strength, floor = photo_clean.ink_strength(steps.evened)
    steps.lines = photo_clean.printed_lines(strength, floor)
    steps.ink = strength >= floor
    photo_clean.refuse_mostly_ink(steps.ink)
    steps.ink &= ~steps.lines  # from here on, the ink shown is what the lines left
    return np.where(steps.lines, 0.0, strength).astype(np.float32), floor


def _crop_the_digit(steps: PhotoSteps, clean: np.ndarray, floor: float) -> None:
    """ink -> digit_mask, digit: the digit's ink, without lines and specks, cropped."""
    mask, threshold, level = photo_clean.find_digit(steps.ink, clean, steps.lines, floor)
    steps.digit_mask = mask
    steps.threshold = threshold
    steps.box = photo_clean.digit_box(mask)
    photo_clean.refuse_speck(steps.box, mask.shape, clean)
    steps.digit = photo_clean.soft_digit(mask, steps.box, clean, level)


def photo_to_mnist(image) -> np.ndarray:
    """A photo of a digit on paper as the (28, 28) float32 image in [0, 1] that MNIST models
    read (white ink on black); see `photo_steps` for the accepted inputs and errors."""
    return photo_steps(image).mnist
