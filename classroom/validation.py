"""Checks on what students and the server hand the board, before anything touches the database.

Each check returns the value in the form the board stores, or raises a specific
`InvalidInputError` subclass whose message says what to change. Every value is treated as
hostile: wrong types, lone surrogates (text UTF-8 cannot encode), control characters, very
long text, NaN and infinities, and numbers too large for the database's columns are refused
here, never by the database. A refusal's message quotes at most `SHOWN_MAX` characters of
what was given.
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
# Text longer than this is refused before it is normalised: NFC shortens text only by
# composing a letter and its marks (a few code points) into one character.
NICKNAME_RAW_MAX = 8 * NICKNAME_MAX
CLASS_CODE_MAX = 64
SESSION_ID_MAX = 128
STEP_MAX = 32  # a lesson step's name: "convolution", "parameters"
TEACHER_PASSWORD_MAX = 1024
RECIPE_MAX_CHARS = 20_000
KINDS = ("cnn", "mlp")
IMAGE_SHAPE = (28, 28)
# The largest whole number every database's INTEGER column holds (PostgreSQL's is 32-bit).
INTEGER_MAX = 2**31 - 1
SECONDS_MAX = 1e6  # a training of more than 11 days is not a class's
SHOWN_MAX = 40
# Unicode categories a nickname may not hold: controls, format characters (bidi overrides,
# zero-width joiners), lone surrogates, line and paragraph separators.
_REFUSED_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")


def shown(value: object) -> str:
    """`repr(value)`, cut to `SHOWN_MAX` characters: what a refusal quotes of hostile input."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 (a hostile object's __repr__ may raise anything)
        text = f"<{type(value).__name__}>"
    return text if len(text) <= SHOWN_MAX else f"{text[: SHOWN_MAX - 1]}…"


def utf8(text: str) -> bytes | None:
    """`text` as UTF-8, or None when it holds a lone surrogate (no database stores it)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def nickname(value: object) -> str:
    """A nickname, trimmed and in Unicode NFC form.

    Args:
        value: what the student typed.

    Returns:
        The nickname, 1 to 24 characters.

    Raises:
        InvalidNicknameError: not text (reason "bad_nickname"), empty once trimmed
            ("nickname_empty"), longer than 24 characters ("nickname_too_long"), or holding
            control or format characters or a lone surrogate ("bad_nickname").
    """
    if not isinstance(value, str):
        raise InvalidNicknameError(f"A nickname is text; got {type(value).__name__}.")
    if len(value) > NICKNAME_RAW_MAX:
        raise InvalidNicknameError(
            f"Choose a nickname of at most {NICKNAME_MAX} characters; this one has {len(value)}.",
            "nickname_too_long",
            max=NICKNAME_MAX,
            length=len(value),
        )
    if utf8(value) is None:
        raise InvalidNicknameError(
            "A nickname must be plain text: this one holds a lone surrogate, which is not a "
            "character."
        )
    name = unicodedata.normalize("NFC", str(value)).strip()
    if not name:
        raise InvalidNicknameError("Choose a nickname: it is empty.", "nickname_empty")
    if len(name) > NICKNAME_MAX:
        raise InvalidNicknameError(
            f"Choose a nickname of at most {NICKNAME_MAX} characters; this one has {len(name)}.",
            "nickname_too_long",
            max=NICKNAME_MAX,
            length=len(name),
        )
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in name):
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
    real = np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    if array.dtype == bool or not real:  # complex, text, objects, dates: not pixel values
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
        raise InvalidLabelError(f"A label is a whole number from 0 to 9; got {shown(value)}.")
    if not 0 <= int(value) <= 9:
        raise InvalidLabelError(
            f"A label is a digit from 0 to 9; got {shown(int(value))}.", value=int(value)
        )
    return int(value)


def session_id(value: object) -> str:
    """A caller's session id: non-empty text of at most 128 characters.

    Raises:
        InvalidInputError: (a plain one, reason "bad_session") otherwise, or text UTF-8
            cannot encode; a programming error.
    """
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > SESSION_ID_MAX
        or utf8(value) is None
    ):
        raise InvalidInputError(
            f"A session id is non-empty text of at most {SESSION_ID_MAX} characters; "
            f"got {shown(value)}.",
            "bad_session",
        )
    return str(value)


_STEP_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz_")


def step(value: object) -> str:
    """A lesson step's name ("convolution"): 1 to 32 characters, lowercase ASCII letters and
    underscores (what `cnn.lesson.STEPS` holds; the board stores any such name, so a lesson
    that gains a step needs no new schema).

    Raises:
        InvalidInputError: (reason "bad_step") anything else.
    """
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= STEP_MAX
        or not set(value) <= _STEP_CHARACTERS
    ):
        raise InvalidInputError(
            f"A lesson step is named by 1 to {STEP_MAX} lowercase letters or underscores; "
            f"got {shown(value)}.",
            "bad_step",
            max=STEP_MAX,
        )
    return str(value)


def answer(value: object) -> bool:
    """Whether a student's answer was right: True or False (NumPy's too), nothing else (a
    truthy "no" must not solve a step).

    Raises:
        InvalidInputError: (reason "bad_answer") anything else.
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise InvalidInputError(
        f"An answer is right or wrong (True or False), not a {type(value).__name__}.",
        "bad_answer",
        got=type(value).__name__,
    )


def weights_hash(value: object) -> str | None:
    """A model's weights fingerprint: None, or 64 lowercase hex characters (SHA-256)."""
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value
    raise InvalidEntryError(
        f"weights_hash = {shown(value)} is not allowed: expected 64 hexadecimal characters "
        "(a SHA-256 of the weights).",
        field="weights_hash",
    )


def row_id(value: object) -> int | None:
    """The id of a digit or an entry (what the teacher's tools take).

    Args:
        value: an integer (Python or NumPy); bools, floats and text are refused.

    Returns:
        The id, or None when no row can have it (below 1, or beyond the database's integers).

    Raises:
        InvalidInputError: (reason "bad_id") not a whole number.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidInputError(
            f"A digit's or an entry's id is a whole number; got {shown(value)}.", "bad_id"
        )
    number = int(value)
    return number if 1 <= number <= INTEGER_MAX else None


def row_limit(limit: object) -> int:
    """A query's LIMIT: 0 to `INTEGER_MAX` (a larger one would overflow SQLite)."""
    return min(max(0, int(limit)), INTEGER_MAX)


def teacher_password(value: object, longest: int = TEACHER_PASSWORD_MAX) -> bytes:
    """What the teacher typed, as the bytes the password is compared with.

    Never raises: anything that is not text, or is longer than `longest` characters, gives
    b"" (which matches no password); a lone surrogate is kept as its own bytes
    ("surrogatepass"), so it matches only a password holding the same surrogate.
    """
    if not isinstance(value, str) or len(value) > longest:
        return b""
    return str(value).encode("utf-8", "surrogatepass")


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
    if any(len(code) > CLASS_CODE_MAX or utf8(code) is None for code in codes):
        raise ValueError(
            f"A class code may have at most {CLASS_CODE_MAX} characters, all of them text "
            "(no lone surrogates)."
        )
    typed = given.strip() if isinstance(given, str) else ""
    if not typed:
        raise InvalidClassCodeError(
            "Enter the class code your teacher gave you.", "class_code_required"
        )
    # Longer than any code: wrong, without comparing (nor casefolding megabytes). A lone
    # surrogate is compared as its own bytes, so it matches nothing.
    too_long = len(typed) > CLASS_CODE_MAX
    typed_key = b"" if too_long else typed.casefold().encode("utf-8", "surrogatepass")
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


def _real(name: str, value: object, expected: str) -> float:
    """`value` as a finite float, or InvalidEntryError saying `expected`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidEntryError(f"{name} must be {expected}; got {shown(value)}.", field=name)
    try:
        number = float(value)
    except (OverflowError, TypeError, ValueError):  # e.g. an int beyond any float
        number = math.inf
    if not math.isfinite(number):
        raise InvalidEntryError(f"{name} must be {expected}; got {shown(value)}.", field=name)
    return number


def _fraction(name: str, value: object, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    number = _real(name, value, "a number from 0 to 1")
    if not 0 <= number <= 1:
        raise InvalidEntryError(f"{name} must lie between 0 and 1; got {shown(value)}.", field=name)
    return number


def _count(name: str, value: object) -> int:
    """A whole number from 0 to `INTEGER_MAX` (what the database's INTEGER column holds)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or not 0 <= int(value) <= INTEGER_MAX
    ):
        raise InvalidEntryError(
            f"{name} must be a whole number from 0 to {INTEGER_MAX:,}; got {shown(value)}.",
            field=name,
        )
    return int(value)


def _recipe_json(recipe: object) -> str:
    """The recipe as JSON text the leaderboard can read back."""
    if not isinstance(recipe, Mapping | str):
        raise InvalidEntryError(
            f"recipe must be a dict or text; got {type(recipe).__name__}.", field="recipe"
        )
    too_long = f"recipe must take at most {RECIPE_MAX_CHARS:,} characters as JSON."
    if isinstance(recipe, str) and len(recipe) > RECIPE_MAX_CHARS:
        raise InvalidEntryError(too_long, field="recipe")
    try:
        recipe_json = json.dumps(
            dict(recipe) if isinstance(recipe, Mapping) else str(recipe), allow_nan=False
        )
        if len(recipe_json) <= RECIPE_MAX_CHARS:
            json.loads(recipe_json)  # as the leaderboard reads it back: too deep fails here
    except (TypeError, ValueError, RecursionError) as error:
        raise InvalidEntryError(
            f"recipe must be JSON-able (no NaN, not nested too deep): {shown(str(error))}.",
            field="recipe",
        ) from None
    if len(recipe_json) > RECIPE_MAX_CHARS:
        raise InvalidEntryError(too_long, field="recipe")
    return recipe_json


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
        InvalidEntryError: a field out of range (accuracies outside [0, 1], counts outside
            0 to `INTEGER_MAX`, seconds outside 0 to `SECONDS_MAX`, NaN or infinite numbers)
            or of the wrong type, or a recipe that is not JSON (NaN, nested too deep) or longer
            than `RECIPE_MAX_CHARS` as JSON; `details["field"]` names the field.
    """
    seconds_expected = f"a number of seconds from 0 to {SECONDS_MAX:,.0f}"
    seconds_value = _real("seconds", seconds, seconds_expected)
    if not 0 <= seconds_value <= SECONDS_MAX:
        raise InvalidEntryError(
            f"seconds must be {seconds_expected}; got {shown(seconds)}.", field="seconds"
        )
    if not isinstance(kind, str) or kind not in KINDS:
        raise InvalidEntryError(f"kind must be one of {KINDS}; got {shown(kind)}.", field="kind")
    return {
        "test_accuracy": _fraction("test_accuracy", test_accuracy),
        "class_accuracy": _fraction("class_accuracy", class_accuracy, optional=True),
        "params": _count("params", params),
        "epochs": _count("epochs", epochs),
        "seconds": seconds_value,
        "recipe": _recipe_json(recipe),
        "kind": str(kind),
    }
