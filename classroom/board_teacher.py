"""The teacher's tools: a password checked in constant time, then removing, clearing and
exporting the class's digits and entries, and the class's switches (may students train on
the class's digits).

Wrong passwords are counted per class in the database, so across servers
(`counters.count_wrong_password`); each wrong one waits `wrong_password_delay` seconds
before it is refused, and is logged without the password.
"""

from __future__ import annotations

import hmac
import io
import logging
import time
from collections.abc import Iterable

import numpy as np
from sqlalchemy import Table, delete, update

from classroom import counters, validation
from classroom.board_digits import mnist_arrays
from classroom.board_handle import BoardHandle
from classroom.database import write
from classroom.errors import InvalidInputError, WrongPasswordError
from classroom.schema import boards, digits, entries, students

# The board's logger, as before the board was split: a deployment's log settings name it.
logger = logging.getLogger("classroom.board")


class TeacherTools(BoardHandle):
    """The teacher's side of a `Board`: every call checks the teacher password first."""

    def check_teacher(self, password: str) -> None:
        """Check the teacher password (in constant time; a wrong one waits first).

        Args:
            password: what the teacher typed: any value (not text, too long, a lone surrogate:
                simply wrong). It is never logged nor quoted.

        Wrong tries are counted per class in the database, so across servers: after
        `limits.teacher_attempts` within `limits.teacher_window_s`, the class's teacher login
        waits `limits.teacher_lockout_s` (right or wrong, every try is refused meanwhile).

        Raises:
            WrongPasswordError: wrong (reason "wrong_password", after `wrong_password_delay`
                seconds), or the deployment set no password (reason "teacher_disabled").
            TeacherLockedError: too many wrong tries lately (`details["retry_after"]`).
        """
        if self._teacher_password is None:
            raise WrongPasswordError(
                "Teacher tools are off: this deployment has no teacher password set.",
                "teacher_disabled",
            )
        expected = self._teacher_password
        longest = max(validation.TEACHER_PASSWORD_MAX, len(expected))
        given = validation.teacher_password(password, longest)
        now = self._clock()
        with write(self._engine) as conn:  # the tries are the class's, on every server
            row = counters.teacher_lock(conn, self.class_code, now)
            counters.check_not_locked(row, now)
            if hmac.compare_digest(given, expected.encode("utf-8", "surrogatepass")):
                return
            locked = counters.count_wrong_password(conn, self.class_code, row, self.limits, now)
        logger.warning(
            "Wrong teacher password for class board %s%s.",
            self._board_name(),
            "; its teacher login now waits" if locked else "",
        )
        time.sleep(self._wrong_password_delay)
        raise WrongPasswordError("That teacher password is not right.")

    def remove_digit(self, password: str, digit_id: int) -> bool:
        """Remove one of the class's digits.

        Returns:
            True if it was removed, False if the class has no digit with that id.

        Raises:
            WrongPasswordError: see `check_teacher`.
            BoardUnavailableError: the database cannot be reached or written.
        """
        return self._remove(password, digits, [digit_id]) == 1

    def remove_digits(self, password: str, digit_ids: Iterable[int]) -> int:
        """Remove several of the class's digits: one password check, one transaction.

        Returns:
            How many were removed (ids the class has no digit with are skipped).

        Raises:
            WrongPasswordError: see `check_teacher`.
            InvalidInputError: an id that is not a whole number (reason "bad_id").
            BoardUnavailableError: the database cannot be reached or written.
        """
        return self._remove(password, digits, list(digit_ids))

    def remove_entry(self, password: str, entry_id: int) -> bool:
        """Remove one of the class's leaderboard entries.

        Returns:
            True if it was removed, False if the class has no entry with that id.

        Raises:
            WrongPasswordError: see `check_teacher`.
            BoardUnavailableError: the database cannot be reached or written.
        """
        return self._remove(password, entries, [entry_id]) == 1

    def clear_board(self, password: str) -> dict[str, int]:
        """Remove all of the class's digits and leaderboard entries (other classes keep theirs).

        Returns:
            {"digits": removed, "entries": removed}.

        Raises:
            WrongPasswordError: see `check_teacher`.
            BoardUnavailableError: the database cannot be reached or written.
        """
        self.check_teacher(password)
        with write(self._engine) as conn:
            removed = {
                name: conn.execute(delete(table).where(table.c.board == self.class_code)).rowcount
                for name, table in (("digits", digits), ("entries", entries))
            }
            conn.execute(
                update(boards)
                .where(boards.c.board == self.class_code)
                .values(digit_count=0, entry_count=0)
            )
            conn.execute(  # a new start: every student may send their digits again
                update(students).where(students.c.board == self.class_code).values(digit_count=0)
            )
        logger.info("Class board %s cleared by its teacher: %s.", self._board_name(), removed)
        return removed

    def export_npz(self, password: str) -> bytes:
        """The class's digits as an .npz file in MNIST's layout (like `mnist.npz`'s test half).

        Returns:
            The file's bytes: `x_test` uint8 (N, 28, 28) 0–255 and `y_test` uint8 (N,).

        Raises:
            WrongPasswordError: see `check_teacher`.
            BoardUnavailableError: the database does not answer.
        """
        self.check_teacher(password)
        x, y = mnist_arrays(self._engine, self.class_code)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, x_test=x, y_test=y)
        return buffer.getvalue()

    def set_class_training(self, password: str, allowed: bool) -> None:
        """Allow or forbid students to train on the class's digits (read with
        `class_training_allowed`; a new board allows it).

        Args:
            password: the teacher password.
            allowed: True to allow, False to forbid; nothing else (not 0, 1 or "no").

        Raises:
            InvalidInputError: `allowed` is not a bool (reason "bad_switch").
            WrongPasswordError, TeacherLockedError: see `check_teacher`.
            BoardUnavailableError: the database cannot be reached or written.
        """
        if not isinstance(allowed, bool):  # a truthy "no" must not allow anything
            raise InvalidInputError(
                "The class-training switch is on or off (True or False), not a "
                f"{type(allowed).__name__}.",
                "bad_switch",
                got=type(allowed).__name__,
            )
        self.check_teacher(password)
        with write(self._engine) as conn:
            counters.ensure_board(conn, self.class_code)
            conn.execute(
                update(boards)
                .where(boards.c.board == self.class_code)
                .values(class_training=int(allowed))
            )
        logger.info(
            "Class board %s: its teacher %s training on the class's digits.",
            self._board_name(),
            "allowed" if allowed else "forbade",
        )

    def _remove(self, password: str, table: Table, row_ids: list) -> int:
        """Delete the class's rows of `table` with these ids; how many were deleted."""
        self.check_teacher(password)  # first: only a teacher learns whether an id is valid
        # An id below 1 or beyond the database's integers (None) names no row.
        found = {row_id for row_id in map(validation.row_id, row_ids) if row_id is not None}
        if not found:
            return 0
        column = "digit_count" if table is digits else "entry_count"
        with write(self._engine) as conn:
            removed = conn.execute(
                delete(table).where(table.c.board == self.class_code, table.c.id.in_(found))
            ).rowcount
            counters.release_capacity(conn, self.class_code, column, removed)
        return removed
