"""The class board's exceptions: each with a message a person can act on and a `reason` code.

Every exception here derives from `ClassroomError`. Refused input (a bad image, label,
nickname, class code or teacher password) is also a `ValueError`; a limit that was hit is a
`LimitExceededError`; a database that cannot be reached or written is a
`BoardUnavailableError`. A UI says the text `class.error_` + `text_reason()` in its own
language, filled with `details` (see `cnn.errors.ReasonError`), and can fall back on
`str(error)`, which is English.
"""

from __future__ import annotations

from cnn.errors import ReasonError


class ClassroomError(ReasonError):
    """Base class of the class board's errors.

    Attributes:
        reason: a short, stable code for the kind of refusal ("bad_label", "too_fast", ...).
        details: the values the message names (limit, seconds to wait, shape, ...).
    """

    default_reason = "error"
    text_prefix = "class.error_"


class InvalidInputError(ClassroomError, ValueError):
    """Input the board refuses; nothing was stored."""

    default_reason = "invalid"


class InvalidImageError(InvalidInputError):
    """The image is not a 28×28 array of finite values in [0, 1]."""

    default_reason = "bad_image"


class InvalidLabelError(InvalidInputError):
    """The label is not an integer from 0 to 9."""

    default_reason = "bad_label"


class InvalidNicknameError(InvalidInputError):
    """The nickname is empty, too long or not text."""

    default_reason = "bad_nickname"


class InvalidClassCodeError(InvalidInputError):
    """The class code is missing or is not one the deployment set."""

    default_reason = "wrong_class_code"


class InvalidEntryError(InvalidInputError):
    """A leaderboard entry's scores or recipe are out of range or of the wrong kind."""

    default_reason = "bad_entry"


class NicknameTakenError(InvalidInputError):
    """Another browser claimed this nickname in this class first (it holds the token)."""

    default_reason = "nickname_taken"


class WrongPasswordError(InvalidInputError):
    """The teacher password is wrong, or the deployment set none (reason "teacher_disabled")."""

    default_reason = "wrong_password"


class LimitExceededError(ClassroomError):
    """A session went over one of the board's limits; nothing was stored.

    `details["retry_after"]` (seconds) is set when waiting helps.
    """

    default_reason = "limit"

    def text_reason(self) -> str:
        """A full board has a text per kind ("board_full_digits", "board_full_entries",
        "board_full_students"); every other limit is its reason."""
        if self.reason == "board_full":
            return f"board_full_{self.details.get('kind')}"
        return self.reason


class RateLimitError(LimitExceededError):
    """Too soon after this session's previous digit or leaderboard entry."""

    default_reason = "too_fast"


class StudentQuotaError(LimitExceededError):
    """This student has stored as many digits as one student may (across every session,
    reload and server)."""

    default_reason = "student_quota"


SessionQuotaError = StudentQuotaError  # its name before limits counted per student


class BoardFullError(LimitExceededError):
    """The class's board holds as many digits (or entries, or students) as it keeps: nothing
    is pushed out to make room; the teacher can remove some. `details["kind"]` says which."""

    default_reason = "board_full"


class TeacherLockedError(LimitExceededError):
    """Too many wrong teacher passwords for this class in a short time: the teacher login
    waits (`details["retry_after"]` seconds), counted in the database across servers."""

    default_reason = "teacher_locked"


class BoardUnavailableError(ClassroomError, RuntimeError):
    """The database cannot be reached, opened or written; nothing was stored.

    `fallback_reason` is the reason whose text a UI shows when this error's own reason has
    none: every database problem can at least be said as "unavailable".
    """

    default_reason = "unavailable"
    fallback_reason = "unavailable"
