"""`classroom.Limits`: the numbers a class board enforces, and nonsense refused."""

from __future__ import annotations

import pytest

import classroom


def test_limits_default_to_the_issues_numbers_and_refuse_nonsense():
    limits = classroom.Limits()
    assert (limits.digit_interval_s, limits.digits_per_student, limits.entry_interval_s) == (
        1.0,
        200,
        10.0,
    )
    assert (limits.digits_per_board, limits.entries_per_board) == (10_000, 1_000)
    assert limits.digits_per_student == 200 and limits.students_per_board == 500
    assert (limits.teacher_attempts, limits.teacher_window_s, limits.teacher_lockout_s) == (
        5,
        60.0,
        60.0,
    )
    with pytest.raises(ValueError, match="digits_per_student"):
        classroom.Limits(digits_per_student=0)
    with pytest.raises(ValueError, match="digit_interval_s"):
        classroom.Limits(digit_interval_s=-1)
