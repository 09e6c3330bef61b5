"""`open_board` and `Board`: one class's digits and leaderboard, and the teacher's tools.

A `Board` is a handle on one class's rows (its class code) in a shared database: cheap to
create, safe to share between threads. Every write is one transaction; session limits are
claimed inside it with a conditional UPDATE on the session's row, so they hold across
threads and server processes and two racing requests cannot both pass.
"""

from __future__ import annotations

import hmac
import io
import json
import logging
import secrets
import time
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, update

from classroom import counters, validation
from classroom.database import describe, get_engine, read, redact, resolve_url, write
from classroom.errors import (
    InvalidInputError,
    WrongPasswordError,
)
from classroom.limits import Limits
from classroom.records import Digit, Student, decode_image, timestamp
from classroom.schema import boards, digits, ensure_schema, entries, is_current, students

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import URL

logger = logging.getLogger(__name__)

LEADERBOARD_COLUMNS = [
    "rank",
    "id",
    "nickname",
    "kind",
    "test_accuracy",
    "class_accuracy",
    "params",
    "epochs",
    "seconds",
    "recipe",
    "created_at",
]

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


class Board:
    """One class's digits and leaderboard. Create it with `open_board`.

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

    def __repr__(self) -> str:
        return self._redact(
            f"Board(class_code={self.class_code!r}, database={describe(self._engine.url)!r})"
        )

    def _board_name(self) -> str:
        """The class code as log lines name the board."""
        return self._redact(repr(self.class_code))

    def _redact(self, text: str) -> str:
        """`text` as a log line or message may hold it: nothing of the teacher password or
        the database's secrets (a deployment might reuse one as a class code)."""
        return redact(text, self._engine.url, self._teacher_password)

    # Students -----------------------------------------------------------------------------

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

    def add_digit(self, token: str, nickname: str, image: object, label: int) -> int:
        """Store a student's digit.

        Args:
            token: the student's token (`claim`); a nickname nobody claimed yet is claimed
                with it.
            nickname: the student's nickname.
            image: (28, 28) or (28, 28, 1) values in [0, 1]; stored as uint8 0–255.
            label: the digit drawn, 0–9.

        Returns:
            The new digit's id.

        Raises:
            InvalidImageError, InvalidLabelError, InvalidNicknameError: bad input.
            NicknameTakenError: the nickname is another browser's.
            RateLimitError: less than `limits.digit_interval_s` after this student's last one.
            StudentQuotaError: the student already stored `limits.digits_per_student`.
            BoardFullError: the board holds `limits.digits_per_board` (nothing is dropped).
            BoardUnavailableError: the database cannot be reached or written.
        """
        token = validation.session_id(token)
        name = validation.nickname(nickname)
        pixels = validation.image_bytes(image)
        digit = validation.label(label)
        now = self._clock()
        with write(self._engine) as conn:
            student = counters.student(conn, self.class_code, name, token, self.limits, now)
            counters.claim_digit(conn, student.id, self.limits, now)
            counters.claim_capacity(
                conn, self.class_code, "digit_count", self.limits.digits_per_board, "digits"
            )
            new_id = conn.execute(
                insert(digits).values(
                    board=self.class_code,
                    session_id=f"student:{student.id}",
                    nickname=name,
                    label=digit,
                    image=pixels,
                    created_at=now,
                )
            ).inserted_primary_key[0]
        return int(new_id)

    def list_digits(self, label: int | None = None, *, limit: int | None = 100) -> list[Digit]:
        """The class's digits, newest first.

        Args:
            label: only digits of this label; None for all.
            limit: at most this many; None for all.

        Returns:
            `Digit` records (id, label, nickname, created_at, pixels / image).

        Raises:
            InvalidLabelError: `label` is not 0–9.
            BoardUnavailableError: the database does not answer.
        """
        query = select(digits).where(digits.c.board == self.class_code)
        if label is not None:
            query = query.where(digits.c.label == validation.label(label))
        query = query.order_by(digits.c.id.desc())
        if limit is not None:
            query = query.limit(_row_limit(limit))
        with read(self._engine) as conn:
            rows = conn.execute(query).all()
        return [
            Digit(
                id=row.id,
                label=row.label,
                nickname=row.nickname,
                created_at=timestamp(row.created_at),
                pixels=decode_image(row.image),
            )
            for row in rows
        ]

    def digit_counts(self) -> dict[int, int]:
        """How many digits the class stored per label.

        Returns:
            {label: count} for every label 0–9 (0 where there are none).
        """
        query = (
            select(digits.c.label, func.count())
            .where(digits.c.board == self.class_code)
            .group_by(digits.c.label)
        )
        with read(self._engine) as conn:
            found = dict(conn.execute(query).all())
        return {label: int(found.get(label, 0)) for label in range(10)}

    def class_digits_array(self) -> tuple[np.ndarray, np.ndarray]:
        """The class's digits as MNIST-style arrays, oldest first (to score a model on them).

        Returns:
            (x, y): x uint8 (N, 28, 28) 0–255, y uint8 (N,) labels.
        """
        query = (
            select(digits.c.image, digits.c.label)
            .where(digits.c.board == self.class_code)
            .order_by(digits.c.id)
        )
        with read(self._engine) as conn:
            rows = conn.execute(query).all()
        x = np.zeros((len(rows), 28, 28), dtype=np.uint8)
        for index, row in enumerate(rows):
            x[index] = decode_image(row.image)
        y = np.array([row.label for row in rows], dtype=np.uint8)
        return x, y

    def check_submit(
        self, token: str, nickname: str, weights_hash: str | None = None
    ) -> int | None:
        """Whether a student may submit now, asked before the server scores a model.

        Returns:
            The id of the entry these weights already have on the board (submitting them again
            adds nothing), else None: go ahead.

        Raises:
            NicknameTakenError, RateLimitError, BoardFullError: as `submit_entry` would.
        """
        token = validation.session_id(token)
        name = validation.nickname(nickname)
        digest = validation.weights_hash(weights_hash)
        now = self._clock()
        with read(self._engine) as conn:
            if digest is not None:
                existing = self._entry_with_weights(conn, digest)
                if existing is not None:
                    return existing
            row = conn.execute(
                select(students).where(
                    students.c.board == self.class_code, students.c.nickname == name
                )
            ).first()
            counters.check_token(row, name, token)
            wait = counters.entry_wait(row, self.limits, now)
            if wait > 0:
                raise counters.entry_too_soon(wait, self.limits)
            full = conn.execute(
                select(boards.c.entry_count).where(boards.c.board == self.class_code)
            ).scalar()
            if full is not None and full >= self.limits.entries_per_board:
                raise counters.board_full("entries", self.limits.entries_per_board)
        return None

    def submit_entry(
        self,
        token: str,
        nickname: str,
        *,
        test_accuracy: float,
        class_accuracy: float | None,
        params: int,
        epochs: int,
        seconds: float,
        recipe: dict | str,
        kind: str,
        weights_hash: str | None = None,
    ) -> int:
        """Put a model the server scored on the leaderboard.

        Args:
            token: the student's token (`claim`).
            nickname: the student's nickname.
            test_accuracy: accuracy on the MNIST test set, 0–1 (the ranking).
            class_accuracy: accuracy on the class's digits, 0–1; None when there are none.
            params: parameter count.
            epochs: epochs trained.
            seconds: training time in seconds.
            recipe: a JSON-able dict, or text: how the model was built and trained.
            kind: "cnn" or "mlp".
            weights_hash: a hash of the model's weights (`cnn.weights_fingerprint`): the same
                weights are one entry per board; submitting them again returns that entry.

        Returns:
            The entry's id (the existing one for weights already on the board).

        Raises:
            InvalidEntryError, InvalidNicknameError: bad input.
            NicknameTakenError: the nickname is another browser's.
            RateLimitError: less than `limits.entry_interval_s` after this student's last one.
            BoardFullError: the board holds `limits.entries_per_board` (nothing is dropped).
            BoardUnavailableError: the database cannot be reached or written.
        """
        token = validation.session_id(token)
        name = validation.nickname(nickname)
        digest = validation.weights_hash(weights_hash)
        fields = validation.entry(
            test_accuracy=test_accuracy,
            class_accuracy=class_accuracy,
            params=params,
            epochs=epochs,
            seconds=seconds,
            recipe=recipe,
            kind=kind,
        )
        now = self._clock()
        with write(self._engine) as conn:
            student = counters.student(conn, self.class_code, name, token, self.limits, now)
            if digest is not None:
                existing = self._entry_with_weights(conn, digest)
                if existing is not None:
                    return existing
            counters.claim_entry(conn, student.id, self.limits, now)
            counters.claim_capacity(
                conn, self.class_code, "entry_count", self.limits.entries_per_board, "entries"
            )
            new_id = conn.execute(
                insert(entries).values(
                    board=self.class_code,
                    session_id=f"student:{student.id}",
                    nickname=name,
                    created_at=now,
                    weights_hash=digest,
                    **fields,
                )
            ).inserted_primary_key[0]
        return int(new_id)

    def _entry_with_weights(self, conn: Connection, digest: str) -> int | None:
        found = conn.execute(
            select(entries.c.id).where(
                entries.c.board == self.class_code, entries.c.weights_hash == digest
            )
        ).scalar()
        return None if found is None else int(found)

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

    def leaderboard(self, limit: int | None = None) -> pd.DataFrame:
        """The class's entries, best test accuracy first.

        Ties go to the better class accuracy (none counts as worst), then to the earlier entry.

        Args:
            limit: at most this many rows; None for all.

        Returns:
            A DataFrame with columns `LEADERBOARD_COLUMNS`: rank (1 = best), id, nickname,
            kind, test_accuracy, class_accuracy, params, epochs, seconds, recipe (the dict
            or text as submitted), created_at (UTC).
        """
        import pandas as pd  # here, so that `import classroom` stays light

        c = entries.c
        query = (
            select(entries)
            .where(c.board == self.class_code)
            .order_by(c.test_accuracy.desc(), c.class_accuracy.desc().nulls_last(), c.id)
        )
        if limit is not None:
            query = query.limit(_row_limit(limit))
        with read(self._engine) as conn:
            rows = conn.execute(query).all()
        records = [
            {
                "rank": rank,
                "id": row.id,
                "nickname": row.nickname,
                "kind": row.kind,
                "test_accuracy": row.test_accuracy,
                "class_accuracy": row.class_accuracy,
                "params": row.params,
                "epochs": row.epochs,
                "seconds": row.seconds,
                "recipe": json.loads(row.recipe),
                "created_at": timestamp(row.created_at),
            }
            for rank, row in enumerate(rows, start=1)
        ]
        return pd.DataFrame(records, columns=LEADERBOARD_COLUMNS)

    # Teacher ------------------------------------------------------------------------------

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
        x, y = self.class_digits_array()
        buffer = io.BytesIO()
        np.savez_compressed(buffer, x_test=x, y_test=y)
        return buffer.getvalue()

    # Internals ----------------------------------------------------------------------------

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


def _row_limit(limit: object) -> int:
    """A query's LIMIT: 0 to `validation.INTEGER_MAX` (a larger one would overflow SQLite)."""
    return min(max(0, int(limit)), validation.INTEGER_MAX)
