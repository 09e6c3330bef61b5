"""Every library error a person may read, in the chosen language: one translator for all.

A library error (`cnn.errors.ReasonError`: a model file refused, a photo that cannot be
read, a drawing, the class board) carries a reason code and the values its message names;
its family says where its texts live (`text_prefix`). The page shows that text, filled in,
and never a secret of the deployment (a teacher password, a database URL or password): a
folder, a user or a server named in the details stays, the secrets become ***.

Anything else (a deployment setting that is wrong, a `ValueError` of the library) is shown
as its own English message, with the same secrets hidden.
"""

from __future__ import annotations

import math

from cnn.errors import ReasonError
from ui.deployment import redact_settings
from ui.text import t


def error_text(error: BaseException) -> str:
    """Why something was refused, for a person to read, in the chosen language.

    A `ReasonError`: the text `text_prefix + text_reason()` with the error's `details` filled
    in (text details with the deployment's secrets hidden; a wait, `retry_after`, in whole
    seconds, at least 1: "wait 0 s" helps nobody). Where that text does not exist (a reason
    that has none, such as a base class's default), the family's `fallback_reason` text if
    it has one (a class board that cannot be used is "unavailable"), else the library's
    English message, secrets hidden. Any other error: its message, secrets hidden.

    tests/ui/test_errors_ui.py, tests/ui/test_class_ui.py and tests/app/test_photo_section.py check
    it against the errors the libraries raise.
    """
    if not isinstance(error, ReasonError):
        return redact_settings(error)
    details = {
        name: redact_settings(value) if isinstance(value, str) else value
        for name, value in error.details.items()
    }
    if details.get("retry_after") is not None:
        details["retry_after"] = max(1, math.ceil(details["retry_after"]))
    try:
        return t(error.text_prefix + error.text_reason(), **details)
    except (KeyError, IndexError, ValueError):
        fallback = getattr(error, "fallback_reason", None)
        if fallback is not None:
            return t(error.text_prefix + fallback)
        return redact_settings(error)
