"""`classroom.errors`: every class board error is a `cnn.errors.ReasonError` whose text lives
under "class.error_": a full board has a text per kind, and a database problem whose reason
has no text falls back on "unavailable". Reasons and details stay as the board raises them."""

from __future__ import annotations

import pytest
from board_helpers import digit_image

import classroom
from classroom import counters
from cnn.errors import ReasonError


def test_every_class_board_error_is_a_reason_error_and_keeps_its_bases():
    assert issubclass(classroom.ClassroomError, ReasonError)
    assert issubclass(classroom.ClassroomError, Exception)
    for refused in (
        classroom.InvalidInputError,
        classroom.InvalidImageError,
        classroom.InvalidLabelError,
        classroom.InvalidNicknameError,
        classroom.InvalidClassCodeError,
        classroom.InvalidEntryError,
        classroom.NicknameTakenError,
        classroom.WrongPasswordError,
    ):
        assert issubclass(refused, classroom.ClassroomError) and issubclass(refused, ValueError)
    for limit in (
        classroom.RateLimitError,
        classroom.StudentQuotaError,
        classroom.BoardFullError,
        classroom.TeacherLockedError,
    ):
        assert issubclass(limit, classroom.LimitExceededError)
        assert not issubclass(limit, ValueError)
    assert issubclass(classroom.BoardUnavailableError, RuntimeError)
    assert classroom.SessionQuotaError is classroom.StudentQuotaError


def test_reason_and_details_are_as_given_and_the_text_is_under_class_error():
    error = classroom.RateLimitError("Wait.", "too_fast", retry_after=0.4, interval=1.0)
    assert (error.reason, error.details, str(error)) == (
        "too_fast",
        {"retry_after": 0.4, "interval": 1.0},
        "Wait.",
    )
    assert error.text_prefix + error.text_reason() == "class.error_too_fast"
    assert classroom.ClassroomError("Something.").reason == "error"
    assert classroom.InvalidLabelError("Bad.").text_reason() == "bad_label"


@pytest.mark.parametrize("kind", ["digits", "entries", "students"])
def test_a_full_board_has_a_text_per_kind(kind):
    error = counters.board_full(kind, 5)
    assert error.reason == "board_full" and error.details == {"kind": kind, "limit": 5}
    assert error.text_prefix + error.text_reason() == f"class.error_board_full_{kind}"


def test_a_full_board_raised_by_the_board_names_its_kind(make_board):
    limits = classroom.Limits(digit_interval_s=0, entry_interval_s=0, digits_per_board=1)
    board = make_board(limits=limits)
    board.add_digit("s1", "Ada", digit_image(0), 0)
    with pytest.raises(classroom.BoardFullError) as caught:
        board.add_digit("s1", "Ada", digit_image(1), 1)
    assert caught.value.text_reason() == "board_full_digits"


def test_a_database_problem_without_a_text_falls_back_on_unavailable():
    newer = classroom.BoardUnavailableError("Newer.", "schema_newer", found=9)
    assert newer.text_reason() == "schema_newer"
    assert newer.fallback_reason == "unavailable"
    assert classroom.BoardUnavailableError.fallback_reason == "unavailable"
    assert getattr(classroom.WrongPasswordError("No."), "fallback_reason", None) is None
