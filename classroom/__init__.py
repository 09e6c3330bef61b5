"""The class board's storage: students' digits, a leaderboard, and the teacher's tools.

No Streamlit and no TensorFlow here: SQLAlchemy Core (parameters only) on SQLite or
PostgreSQL, NumPy for images, pandas (imported when a leaderboard is read) for tables.

Example:
    >>> import classroom, numpy as np
    >>> board = classroom.open_board("sqlite:///class.db", teacher_password="pw")  # doctest: +SKIP
    >>> student = board.claim("  Ada ")  # doctest: +SKIP
    >>> board.add_digit(student.token, student.nickname, np.zeros((28, 28)), 7)  # doctest: +SKIP
    1
    >>> board.digit_counts()[7]  # doctest: +SKIP
    1

The database: `open_board(url)`, else `CNN_LAB_DATABASE_URL`, else SQLite in
`~/.cnn_lab/class_board.db`. Tables are created on first use, with a version row
(`classroom.schema.SCHEMA_VERSION`) for later migrations.
"""

from __future__ import annotations

from classroom.board import LEADERBOARD_COLUMNS, PROGRESS_COLUMNS, Board, open_board
from classroom.database import (
    ENV_VAR,
    default_sqlite_path,
    describe,
    dispose_engines,
    redact,
    resolve_url,
)
from classroom.errors import (
    BoardFullError,
    BoardUnavailableError,
    ClassroomError,
    InvalidClassCodeError,
    InvalidEntryError,
    InvalidImageError,
    InvalidInputError,
    InvalidLabelError,
    InvalidNicknameError,
    LimitExceededError,
    NicknameTakenError,
    RateLimitError,
    SessionQuotaError,
    StudentQuotaError,
    TeacherLockedError,
    WrongPasswordError,
)
from classroom.limits import Limits
from classroom.records import Digit, Student
from classroom.schema import SCHEMA_VERSION

__all__ = [
    "ENV_VAR",
    "LEADERBOARD_COLUMNS",
    "PROGRESS_COLUMNS",
    "SCHEMA_VERSION",
    "Board",
    "BoardFullError",
    "BoardUnavailableError",
    "ClassroomError",
    "Digit",
    "InvalidClassCodeError",
    "InvalidEntryError",
    "InvalidImageError",
    "InvalidInputError",
    "InvalidLabelError",
    "InvalidNicknameError",
    "LimitExceededError",
    "Limits",
    "NicknameTakenError",
    "RateLimitError",
    "SessionQuotaError",
    "Student",
    "StudentQuotaError",
    "TeacherLockedError",
    "WrongPasswordError",
    "default_sqlite_path",
    "describe",
    "dispose_engines",
    "open_board",
    "redact",
    "resolve_url",
]
