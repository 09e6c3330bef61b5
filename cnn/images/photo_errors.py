"""The refusals of a photo: one family, each with a reason a person can act on.

Every stage of `cnn.images.photo` (reading the file, evening the light, finding the ink and
the digit) raises one of these; `photo_steps` adds what it had seen so far (`steps`), so a UI
can show the student where it stopped. They are importable from `cnn.images.photo` too.
"""

from __future__ import annotations

from cnn.errors import ReasonError


class PhotoError(ReasonError, ValueError):
    """A picture that cannot be read as a digit, with a reason a user can act on.

    Attributes:
        reason: a short code ("not_an_image", "too_large", "no_ink", ...), so a UI can show
            the message in its own language (its text is `photo.error_<reason>`).
        details: the values the message names (size, limit, share of ink, ...).
        steps: for errors found while looking at the picture (no ink, mostly ink), the steps
            done so far (`PhotoSteps`, later steps None), to show what was seen; else None.
    """

    text_prefix = "photo.error_"

    def __init__(self, message: str, reason: str | None = None, *, steps=None, **details):
        super().__init__(message, reason, **details)
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
    """Most of the picture is dark or inked ("too_dark", "mostly_ink"): not one digit on
    paper."""

    default_reason = "mostly_ink"
