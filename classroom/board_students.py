"""A student on the board: a nickname checked, claimed once with a token, taken up again.

The token proves the nickname is one browser's; the board stores only its hash
(`counters.student`), and counts every limit per student from then on.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from classroom import counters, validation
from classroom.board_handle import BoardHandle
from classroom.database import read, write
from classroom.errors import InvalidInputError
from classroom.records import Student


class StudentClaims(BoardHandle):
    """The students' side of a `Board`: join, claim a nickname, resume it."""

    def join(self, nickname: str) -> str:
        """Check a nickname (and that the database answers) before a student starts.

        Args:
            nickname: what the student typed.

        Returns:
            The nickname as the board stores it: trimmed, 1 to 24 characters.

        Raises:
            InvalidNicknameError: empty, too long or with control characters.
            BoardUnavailableError: the database does not answer.
        """
        name = validation.nickname(nickname)
        with read(self._engine) as conn:
            conn.execute(select(1))
        return name

    def claim(self, nickname: str, token: str | None = None) -> Student:
        """Claim a nickname in this class for a browser, or take it up again with its token.

        Args:
            nickname: what the student typed.
            token: the token this browser got when it claimed the nickname (kept in its
                link); None for a new one.

        Returns:
            `Student(nickname, token)`: the token proves the nickname is this browser's from
            then on (it is stored only as a hash).

        Raises:
            InvalidNicknameError: empty, too long or with control characters.
            NicknameTakenError: another browser claimed this nickname first.
            BoardFullError: a new nickname in a class of `limits.students_per_board`.
            BoardUnavailableError: the database cannot be reached or written.
        """
        name = validation.nickname(nickname)
        token = validation.session_id(token) if token is not None else secrets.token_urlsafe(24)
        with write(self._engine) as conn:
            counters.student(conn, self.class_code, name, token, self.limits, self._clock())
        return Student(name, token)

    def resume(self, token: str) -> str | None:
        """The nickname a browser's token holds in this class, or None (never claimed here,
        or the teacher removed the student). A malformed token is simply unknown."""
        try:
            token = validation.session_id(token)
        except InvalidInputError:
            return None
        with read(self._engine) as conn:
            row = counters.student_by_token(conn, self.class_code, token)
        return None if row is None else row.nickname
