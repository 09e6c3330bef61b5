"""The one base of every error a person may read: a stable reason code and its details.

A library error says in English what went wrong (`str(error)`) and carries:

- `reason`: a short, stable code for the kind of refusal ("hdf5", "too_large", "bad_label",
  "blank", ...), so a UI can say it in its own language;
- `details`: the values the message names (a size, a limit, a layer, seconds to wait, ...).

Each family (model files, photos, drawings, the class board) names where its texts live with
`text_prefix`: the UI's one translator (`ui.errors.error_text`) shows the text
`text_prefix + text_reason()` filled with `details`, and the English message when there is
no such text.
"""

from __future__ import annotations


class ReasonError(Exception):
    """An error with a reason code and details, translated by the UI.

    Attributes:
        reason: the kind of refusal, a short stable code.
        details: the values the message names.
    """

    default_reason = "invalid"
    text_prefix = "error."

    def __init__(self, message: str, reason: str | None = None, **details):
        super().__init__(message)
        self.reason = reason or self.default_reason
        self.details = details

    def text_reason(self) -> str:
        """The part of the translation key after `text_prefix` (the reason, by default)."""
        return self.reason
