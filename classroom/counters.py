"""What the board counts in the database: students (a nickname and its browser's token), each
student's digits and times, each board's rows, and the teacher password's wrong tries.

Every function runs inside the caller's write transaction. Each claim is a conditional
UPDATE (`... SET n = n + 1 WHERE n < limit`), so a limit holds exactly across threads,
sessions and server processes: two racing requests cannot both pass.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import Connection, Row, Table, case, insert, or_, select, update

from classroom.errors import (
    BoardFullError,
    NicknameTakenError,
    RateLimitError,
    StudentQuotaError,
    TeacherLockedError,
)
from classroom.limits import Limits
from classroom.schema import boards, students


def token_hash(token: str) -> str:
    """What the database keeps of a student's token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def insert_if_missing(conn: Connection, table: Table, values: dict, keys: list[str]) -> int:
    """Insert a row unless one with the same `keys` exists (race-free on SQLite and
    PostgreSQL). Returns 1 when inserted, 0 when it was there."""
    if conn.dialect.name in ("postgresql", "sqlite"):
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        statement = upsert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
        if conn.dialect.name == "sqlite":  # RETURNING needs SQLite 3.35 (Debian 11 has 3.34)
            return conn.execute(statement).rowcount
        statement = statement.returning(table.c[keys[0]])  # psycopg's rowcount is -1 here
        return int(conn.execute(statement).first() is not None)
    found = select(table).where(*(table.c[key] == values[key] for key in keys))
    if conn.execute(found).first() is not None:
        return 0
    return conn.execute(insert(table).values(**values)).rowcount


def ensure_board(conn: Connection, board: str) -> None:
    insert_if_missing(
        conn,
        boards,
        {
            "board": board,
            "digit_count": 0,
            "entry_count": 0,
            "student_count": 0,
            "teacher_failures": 0,
        },
        ["board"],
    )


def claim_capacity(conn: Connection, board: str, column: str, limit: int, kind: str) -> None:
    """One more row of `kind` on the board, or `BoardFullError` (nothing is pushed out)."""
    ensure_board(conn, board)
    count = boards.c[column]
    claimed = conn.execute(
        update(boards).where(boards.c.board == board, count < limit).values({column: count + 1})
    ).rowcount
    if claimed != 1:
        raise board_full(kind, limit)


def board_full(kind: str, limit: int) -> BoardFullError:
    return BoardFullError(
        f"The class's board is full: it keeps {limit:,} {kind}. Ask your teacher to make "
        "room; nothing of anyone's was removed.",
        kind=kind,
        limit=limit,
    )


def release_capacity(conn: Connection, board: str, column: str, count: int) -> None:
    """`count` rows of the board were removed: room for as many new ones."""
    if count:
        current = boards.c[column]
        conn.execute(
            update(boards)
            .where(boards.c.board == board)
            .values({column: _at_least_zero(current - count)})
        )


def _at_least_zero(expression):
    return case((expression < 0, 0), else_=expression)


def student(
    conn: Connection, board: str, nickname: str, token: str, limits: Limits, now: float
) -> Row:
    """The student `nickname` of `board` holding `token`: claimed now if nobody has it.

    Raises:
        NicknameTakenError: another browser (another token) claimed it first.
        BoardFullError: a new nickname, and the class has `limits.students_per_board`.
    """
    digest = token_hash(token)
    values = {
        "board": board,
        "nickname": nickname,
        "token_hash": digest,
        "digit_count": 0,
        "created_at": now,
    }
    if insert_if_missing(conn, students, values, ["board", "nickname"]) == 1:
        claim_capacity(conn, board, "student_count", limits.students_per_board, "students")
    row = conn.execute(
        select(students).where(students.c.board == board, students.c.nickname == nickname)
    ).one()
    check_token(row, nickname, token)
    return row


def check_token(row: Row | None, nickname: str, token: str) -> None:
    """Refuse a token that is not the one the student `row` claimed its nickname with (None:
    nobody claimed it yet, so nothing to refuse).

    Raises:
        NicknameTakenError: another browser claimed this nickname first.
    """
    if row is not None and not hmac.compare_digest(row.token_hash, token_hash(token)):
        raise NicknameTakenError(
            f"Someone in this class already joined as {nickname!r}: choose another nickname "
            "(on your own device, the link you joined with keeps your nickname).",
            nickname=nickname,
        )


def student_by_token(conn: Connection, board: str, token: str) -> Row | None:
    query = select(students).where(
        students.c.board == board, students.c.token_hash == token_hash(token)
    )
    return conn.execute(query).first()


def claim_digit(conn: Connection, student_id: int, limits: Limits, now: float) -> None:
    """Count one more digit for the student, or raise why not (quota, or too soon)."""
    last = students.c.last_digit_at
    count = students.c.digit_count
    claimed = conn.execute(
        update(students)
        .where(
            students.c.id == student_id,
            count < limits.digits_per_student,
            or_(last.is_(None), last <= now - limits.digit_interval_s),
        )
        .values(digit_count=count + 1, last_digit_at=now)
    ).rowcount
    if claimed == 1:
        return
    row = conn.execute(select(students).where(students.c.id == student_id)).one()
    most = limits.digits_per_student
    if row.digit_count >= most:
        raise StudentQuotaError(
            f"You have stored {row.digit_count} digits, the most one student may ({most}). "
            "Thank you!",
            limit=most,
        )
    interval = limits.digit_interval_s
    wait = interval - (now - row.last_digit_at)
    raise RateLimitError(
        f"One digit every {interval:g} s: wait {max(wait, 0.1):.1f} s and send it again.",
        retry_after=wait,
        interval=interval,
    )


def entry_wait(row: Row | None, limits: Limits, now: float) -> float:
    """Seconds the student must still wait before their next leaderboard entry (0: none)."""
    if row is None or row.last_entry_at is None:
        return 0.0
    return max(0.0, limits.entry_interval_s - (now - row.last_entry_at))


def entry_too_soon(wait: float, limits: Limits) -> RateLimitError:
    interval = limits.entry_interval_s
    return RateLimitError(
        f"One leaderboard entry every {interval:g} s: wait {wait:.0f} s and submit again.",
        retry_after=wait,
        interval=interval,
    )


def claim_entry(conn: Connection, student_id: int, limits: Limits, now: float) -> None:
    """Mark the student's entry time, or raise `RateLimitError` when it is too soon."""
    last = students.c.last_entry_at
    claimed = conn.execute(
        update(students)
        .where(
            students.c.id == student_id,
            or_(last.is_(None), last <= now - limits.entry_interval_s),
        )
        .values(last_entry_at=now)
    ).rowcount
    if claimed != 1:
        row = conn.execute(select(students).where(students.c.id == student_id)).one()
        raise entry_too_soon(entry_wait(row, limits, now), limits)


def teacher_lock(conn: Connection, board: str, now: float) -> Row:
    """The board's row, locked for this transaction (PostgreSQL: FOR UPDATE; SQLite's write
    transactions are serial already)."""
    ensure_board(conn, board)
    return conn.execute(select(boards).where(boards.c.board == board).with_for_update()).one()


def check_not_locked(row: Row, now: float) -> None:
    if row.teacher_locked_until is not None and row.teacher_locked_until > now:
        wait = row.teacher_locked_until - now
        raise TeacherLockedError(
            f"Too many wrong teacher passwords for this class: try again in {wait:.0f} s.",
            retry_after=wait,
        )


def count_wrong_password(
    conn: Connection, board: str, row: Row, limits: Limits, now: float
) -> bool:
    """One more wrong teacher password for the board; True when that locked it."""
    start = row.teacher_window_start
    fresh = start is None or start <= now - limits.teacher_window_s
    failures = 1 if fresh else row.teacher_failures + 1
    locked = failures >= limits.teacher_attempts
    conn.execute(
        update(boards)
        .where(boards.c.board == board)
        .values(
            teacher_failures=0 if locked else failures,
            teacher_window_start=None if locked else (now if fresh else start),
            teacher_locked_until=now + limits.teacher_lockout_s if locked else None,
        )
    )
    return locked
