"""`open_board` and `Board`: one class's digits and leaderboard, and the teacher's tools.

A `Board` is a handle on one class's rows (its class code) in a shared database: cheap to
create, safe to share between threads. Every write is one transaction; session limits are
claimed inside it with a conditional UPDATE on the session's row, so they hold across
threads and server processes and two racing requests cannot both pass.

Its methods live by concern: the students' claims (`board_students`), the digits
(`board_digits`), the leaderboard (`board_entries`), the lesson's progress
(`board_progress`) and the teacher's tools (`board_teacher`), all on the state of
`board_handle`.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select

from classroom import validation
from classroom.board_digits import ClassDigits
from classroom.board_entries import LEADERBOARD_COLUMNS, LeaderboardEntries
from classroom.board_progress import PROGRESS_COLUMNS, LessonProgress
from classroom.board_students import StudentClaims
from classroom.board_teacher import TeacherTools
from classroom.database import describe, get_engine, read, resolve_url, write
from classroom.limits import Limits
from classroom.schema import boards, ensure_schema, is_current

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

__all__ = ["LEADERBOARD_COLUMNS", "PROGRESS_COLUMNS", "Board", "open_board"]

_schema_ready: weakref.WeakSet[Engine] = weakref.WeakSet()


def open_board(
    url: str | URL | None = None,
    *,
    class_code: str | None = None,
    expected_code: str | Iterable[str] | None = None,
    teacher_password: str | None = None,
    limits: Limits = Limits(),  # noqa: B008 (frozen: safe to share)
    wrong_password_delay: float = 1.0,
    clock: Callable[[], float] = time.time,
) -> Board:
    """Open a class's board, creating the database's tables on first use.

    Args:
        url: the SQLAlchemy database URL; None reads `CNN_LAB_DATABASE_URL`, else SQLite in
            `~/.cnn_lab/class_board.db` (see `resolve_url`).
        class_code: the code the student typed (ignored on an open deployment).
        expected_code: the code, or codes, the deployment set; None for one open board.
        teacher_password: the deployment's teacher password; None (or "") turns the
            teacher tools off.
        limits: session and board limits.
        wrong_password_delay: seconds a wrong teacher password waits before it is refused.
        clock: the time source, seconds since the epoch (tests pass a fake one).

    Returns:
        The board of that class code.

    Raises:
        InvalidClassCodeError: the class code is missing or wrong.
        BoardUnavailableError: the database cannot be reached, opened or written, or holds
            a newer schema.
    """
    board_key = validation.class_code(class_code, expected_code)
    engine = get_engine(resolve_url(url))
    with read(engine) as conn:
        conn.execute(select(1))  # every open tells at once when the database does not answer
        current = engine in _schema_ready or is_current(conn)
    if not current:  # only then a write: a read-only database that is set up still opens
        with write(engine) as conn:
            ensure_schema(conn)
    _schema_ready.add(engine)
    return Board(
        engine,
        board_key,
        teacher_password=teacher_password,
        limits=limits,
        wrong_password_delay=wrong_password_delay,
        clock=clock,
    )


class Board(StudentClaims, ClassDigits, LeaderboardEntries, LessonProgress, TeacherTools):
    """One class's digits, leaderboard and lesson progress. Create it with `open_board`.

    Attributes:
        class_code: the board's key: the deployment's class code, "" for the open board.
        limits: the limits this board enforces.
    """

    def __repr__(self) -> str:
        return self._redact(
            f"Board(class_code={self.class_code!r}, database={describe(self._engine.url)!r})"
        )

    def capacity(self) -> dict[str, tuple[int, int]]:
        """How full the board is: {"digits" | "entries" | "students": (held, kept at most)}."""
        with read(self._engine) as conn:
            row = conn.execute(select(boards).where(boards.c.board == self.class_code)).first()
        held = (0, 0, 0) if row is None else (row.digit_count, row.entry_count, row.student_count)
        limits = self.limits
        return {
            "digits": (held[0], limits.digits_per_board),
            "entries": (held[1], limits.entries_per_board),
            "students": (held[2], limits.students_per_board),
        }

    def class_training_allowed(self) -> bool:
        """Whether students may train on the class's digits (the teacher's switch,
        `set_class_training`): allowed until the teacher forbids it, so True for a board
        with no counters row yet. A read: no password.

        Raises:
            BoardUnavailableError: the database does not answer.
        """
        query = select(boards.c.class_training).where(boards.c.board == self.class_code)
        with read(self._engine) as conn:
            switch = conn.execute(query).scalar()
        return switch is None or bool(switch)
