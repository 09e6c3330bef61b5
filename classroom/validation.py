"""Checks on what students and the server hand the board, before anything touches the database.

Each check returns the value in the form the board stores, or raises a specific
`InvalidInputError` subclass whose message says what to change.
"""

from __future__ import annotations

import hmac
import json
import math
import numbers
import unicodedata
from collections.abc import Iterable, Mapping

import numpy as np

from classroom.errors import (
    InvalidClassCodeError,
    InvalidEntryError,
    InvalidImageError,
    InvalidInputError,
    InvalidLabelError,
    InvalidNicknameError,
)

NICKNAME_MAX = 24
CLASS_CODE_MAX = 64
SESSION_ID_MAX = 128
RECIPE_MAX_CHARS = 20_000
KINDS = ("cnn", "mlp")
IMAGE_SHAPE = (28, 28)


def nickname(value: object) -> str:
    """A nickname, trimmed and in Unicode NFC form.

    Args:
        value: what the student typed.

    Returns:
        The nickname, 1 to 24 characters.

    Raises:
        InvalidNicknameError: not text (reason "bad_nickname"), empty once trimmed
            ("nickname_empty"), longer than 24 characters ("nickname_too_long"), or holding
            control characters ("bad_nickname").
    """
    if not isinstance(value, str):
        raise InvalidNicknameError(f"A nickname is text; got {type(value).__name__}.")
    name = unicodedata.normalize("NFC", value).strip()
    if not name:
        raise InvalidNicknameError("Choose a nickname: it is empty.", "nickname_empty")
    if len(name) > NICKNAME_MAX:
        raise InvalidNicknameError(
            f"Choose a nickname of at most {NICKNAME_MAX} characters; this one has {len(name)}.",
            "nickname_too_long",
            max=NICKNAME_MAX,
            length=len(name),
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise InvalidNicknameError(
            "A nickname cannot hold line breaks, tabs or other control characters."
        )
    return name


def image_bytes(image: object) -> bytes:
    """A 28×28 image of values in [0, 1], as the 784 uint8 bytes (0–255) the board stores.

    Args:
        image: an array-like of shape (28, 28) or (28, 28, 1); 0 is background, 1 is ink.

    Returns:
        784 bytes, row by row, each `round(value * 255)`.

    Raises:
        InvalidImageError: not numeric ("bad_image"), of another shape ("image_shape") or with
            values outside [0, 1] or not finite ("image_range").
    """
    try:
        array = np.asarray(image)
    except (TypeError, ValueError) as error:
        raise InvalidImageError(f"The image is not an array of numbers: {error}.") from error
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise InvalidImageError(
            f"The image must hold numbers from 0 to 1; got values of type {array.dtype}."
        )
    if array.shape == (*IMAGE_SHAPE, 1):
        array = array[..., 0]
    if array.shape != IMAGE_SHAPE:
        raise InvalidImageError(
            f"The image must be 28×28 pixels; got shape {array.shape}.",
            "image_shape",
            shape=array.shape,
        )
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)) or array.min() < 0 or array.max() > 1:
        raise InvalidImageError(
            "The image's values must lie between 0 (background) and 1 (ink).",
            "image_range",
        )
    return np.rint(array * 255).astype(np.uint8).tobytes()


def label(value: object) -> int:
    """A digit label.

    Args:
        value: an integer (Python or NumPy) from 0 to 9; bools and floats are refused.

    Returns:
        The label as an int.

    Raises:
        InvalidLabelError: not an integer from 0 to 9.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidLabelError(f"A label is a whole number from 0 to 9; got {value!r}.")
    if not 0 <= int(value) <= 9:
        raise InvalidLabelError(
            f"A label is a digit from 0 to 9; got {int(value)}.", value=int(value)
        )
    return int(value)


def session_id(value: object) -> str:
    """A caller's session id: non-empty text of at most 128 characters.

    Raises:
        InvalidInputError: (a plain one, reason "bad_session") otherwise; a programming error.
    """
    if not isinstance(value, str) or not value.strip() or len(value) > SESSION_ID_MAX:
        raise InvalidInputError(
            f"A session id is non-empty text of at most {SESSION_ID_MAX} characters; "
            f"got {value!r}.",
            "bad_session",
        )
    return value


def class_code(given: object, expected: str | Iterable[str] | None) -> str:
    """The board a student joins: the class code, checked against the deployment's codes.

    Codes are compared trimmed and case-insensitively, in constant time.

    Args:
        given: the code the student typed (None or "" when none).
        expected: the code, or codes, the deployment set; None (or empty) for an open
            deployment, where everyone shares one board and `given` is ignored.

    Returns:
        The board key: the deployment's code as it set it, trimmed; "" for the open board.

    Raises:
        InvalidClassCodeError: a code is required and none was given ("class_code_required"),
            or it matches none of the deployment's ("wrong_class_code").
    """
    codes = [expected] if isinstance(expected, str) else list(expected or [])
    codes = [str(code).strip() for code in codes if str(code).strip()]
    if not codes:
        return ""
    if any(len(code) > CLASS_CODE_MAX for code in codes):
        raise ValueError(f"A class code may have at most {CLASS_CODE_MAX} characters.")
    typed = given.strip() if isinstance(given, str) else ""
    if not typed:
        raise InvalidClassCodeError(
            "Enter the class code your teacher gave you.", "class_code_required"
        )
    typed_key = typed.casefold().encode()
    match = ""
    for code in codes:  # no early exit: every code is compared, in constant time
        if hmac.compare_digest(typed_key, code.casefold().encode()) and not match:
            match = code
    if not match:
        raise InvalidClassCodeError(
            "That class code is not right: check it with your teacher (letters and digits, "
            "no spaces)."
        )
    return match


def _fraction(name: str, value: object, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidEntryError(f"{name} must be a number from 0 to 1; got {value!r}.", field=name)
    if not 0 <= float(value) <= 1:
        raise InvalidEntryError(f"{name} must lie between 0 and 1; got {value!r}.", field=name)
    return float(value)


def _count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise InvalidEntryError(f"{name} must be a whole number, 0 or more; got {value!r}.")
    return int(value)


def entry(
    *,
    test_accuracy: object,
    class_accuracy: object,
    params: object,
    epochs: object,
    seconds: object,
    recipe: object,
    kind: object,
) -> dict:
    """A leaderboard entry's fields, checked.

    Args:
        test_accuracy: accuracy on the MNIST test set, 0 to 1.
        class_accuracy: accuracy on the class's digits, 0 to 1, or None when it has none.
        params: the model's parameter count.
        epochs: epochs trained.
        seconds: training time in seconds.
        recipe: a JSON-able dict, or text, describing how the model was built and trained.
        kind: "cnn" or "mlp".

    Returns:
        The fields as the board stores them (the recipe as JSON text).

    Raises:
        InvalidEntryError: a field out of range or of the wrong type.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
        raise InvalidEntryError(f"seconds must be a number; got {seconds!r}.")
    if not (math.isfinite(seconds) and seconds >= 0):
        raise InvalidEntryError(f"seconds must be finite and 0 or more; got {seconds!r}.")
    if kind not in KINDS:
        raise InvalidEntryError(f"kind must be one of {KINDS}; got {kind!r}.")
    if not isinstance(recipe, Mapping | str):
        raise InvalidEntryError(f"recipe must be a dict or text; got {type(recipe).__name__}.")
    try:
        recipe_json = json.dumps(dict(recipe) if isinstance(recipe, Mapping) else recipe)
    except (TypeError, ValueError) as error:
        raise InvalidEntryError(f"recipe must be JSON-able: {error}.") from error
    if len(recipe_json) > RECIPE_MAX_CHARS:
        raise InvalidEntryError(
            f"recipe must take at most {RECIPE_MAX_CHARS} characters as JSON; "
            f"it takes {len(recipe_json)}."
        )
    return {
        "test_accuracy": _fraction("test_accuracy", test_accuracy),
        "class_accuracy": _fraction("class_accuracy", class_accuracy, optional=True),
        "params": _count("params", params),
        "epochs": _count("epochs", epochs),
        "seconds": float(seconds),
        "recipe": recipe_json,
        "kind": kind,
    }
