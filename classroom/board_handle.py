"""`BoardHandle`: what every part of a `Board` shares: the engine, the class code, the limits
and the clock, and the redaction that keeps the deployment's secrets out of log lines.

A `Board` is put together from one class per concern (`board_students`, `board_digits`,
`board_entries`, `board_teacher`), each a `BoardHandle`; this is the state they share, set
once by `open_board`.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from classroom.database_url import redact
from classroom.limits import Limits


class BoardHandle:
    """One class's rows (its class code) in a shared database: cheap to create, safe to share
    between threads.

    Attributes:
        class_code: the board's key: the deployment's class code, "" for the open board.
        limits: the limits this board enforces.
    """

    def __init__(
        self,
        engine: Engine,
        class_code: str,
        *,
        teacher_password: str | None,
        limits: Limits,
        wrong_password_delay: float,
        clock: Callable[[], float],
    ) -> None:
        self._engine = engine
        self.class_code = class_code
        self.limits = limits
        self._teacher_password = teacher_password or None
        self._wrong_password_delay = wrong_password_delay
        self._clock = clock

    def _board_name(self) -> str:
        """The class code as log lines name the board."""
        return self._redact(repr(self.class_code))

    def _redact(self, text: str) -> str:
        """`text` as a log line or message may hold it: nothing of the teacher password or
        the database's secrets (a deployment might reuse one as a class code)."""
        return redact(text, self._engine.url, self._teacher_password)
