"""The class board's limits: per student (rate and quota), per board (capacity), and the
teacher password's lockout."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """How much one student may store, how fast, how much one board keeps, and how many wrong
    teacher passwords a class tolerates.

    A student is a nickname claimed in a class (see `Board.claim`): their limits hold across
    reloads, sessions and servers. A full board refuses new rows (`BoardFullError`); nothing is
    ever dropped to make room, so no student can push out another's digits.

    Attributes:
        digit_interval_s: seconds a student waits between two digits.
        digits_per_student: digits one student may store in all.
        entry_interval_s: seconds a student waits between two leaderboard entries.
        digits_per_board: digits a board keeps; then it refuses new ones.
        entries_per_board: leaderboard entries a board keeps; then it refuses new ones.
        students_per_board: nicknames a class may claim.
        teacher_attempts: wrong teacher passwords allowed in `teacher_window_s`...
        teacher_window_s: ...before the class's teacher login waits `teacher_lockout_s`.
        teacher_lockout_s: how long it then waits.
    """

    digit_interval_s: float = 1.0
    digits_per_student: int = 200
    entry_interval_s: float = 10.0
    digits_per_board: int = 10_000
    entries_per_board: int = 1_000
    students_per_board: int = 500
    teacher_attempts: int = 5
    teacher_window_s: float = 60.0
    teacher_lockout_s: float = 60.0

    def __post_init__(self) -> None:
        for name in (
            "digit_interval_s",
            "entry_interval_s",
            "teacher_window_s",
            "teacher_lockout_s",
        ):
            if not getattr(self, name) >= 0:
                raise ValueError(f"Limits.{name} must be 0 or more; got {getattr(self, name)!r}.")
        for name in (
            "digits_per_student",
            "digits_per_board",
            "entries_per_board",
            "students_per_board",
            "teacher_attempts",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{name} must be an integer of 1 or more; got {value!r}.")
