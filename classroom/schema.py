"""The class board's tables, created on first use, with a version row for later migrations.

Tables (all prefixed `classroom_`, so the board can share a database with other things):
    schema_version: one row, the schema's version.
    digits: students' digits, 784 uint8 bytes each, per board (class code).
    entries: leaderboard entries, per board; the same weights once per board.
    students: a nickname claimed in a class, the hash of its browser's token, and the
        student's counters and times (rate limits and quotas hold across sessions).
    boards: per class, how many digits, entries and students it holds (capacities are
        claimed with a conditional UPDATE, exact under concurrency), the teacher
        password's wrong tries and lockout, and the teacher's switches (version 3: whether
        students may train on the class's digits).
    progress: version 4: each student's progress on each step of the lesson (tries, solved,
        when it began and ended), one row per board, nickname and step.
    sessions: version 1's per-session counters, no longer used (kept, never read).

Times are seconds since the epoch (UTC) in double precision: portable and exact to compare.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Column,
    Connection,
    Double,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    inspect,
    select,
    text,
)

from classroom.errors import BoardUnavailableError
from classroom.validation import CLASS_CODE_MAX, NICKNAME_MAX, SESSION_ID_MAX, STEP_MAX

TOKEN_HASH_LENGTH = 64  # hex SHA-256
WEIGHTS_HASH_LENGTH = 64

SCHEMA_VERSION = 4
# An arbitrary constant: the PostgreSQL advisory lock that serialises schema creation.
_SCHEMA_LOCK_KEY = 0x636E6E6C6162  # "cnnlab"

metadata = MetaData()

schema_version = Table(
    "classroom_schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
)

digits = Table(
    "classroom_digits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("board", String(CLASS_CODE_MAX), nullable=False),
    Column("session_id", String(SESSION_ID_MAX), nullable=False),
    Column("nickname", String(NICKNAME_MAX), nullable=False),
    Column("label", SmallInteger, nullable=False),
    Column("image", LargeBinary, nullable=False),
    Column("created_at", Double, nullable=False),
    Index("ix_classroom_digits_board_id", "board", "id"),
    sqlite_autoincrement=True,  # ids never reused: a stale id never names a newer digit
)

entries = Table(
    "classroom_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("board", String(CLASS_CODE_MAX), nullable=False),
    Column("session_id", String(SESSION_ID_MAX), nullable=False),
    Column("nickname", String(NICKNAME_MAX), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("test_accuracy", Double, nullable=False),
    Column("class_accuracy", Double, nullable=True),
    Column("params", Integer, nullable=False),
    Column("epochs", Integer, nullable=False),
    Column("seconds", Double, nullable=False),
    Column("recipe", Text, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("weights_hash", String(WEIGHTS_HASH_LENGTH), nullable=True),  # version 2
    Index("ix_classroom_entries_board_id", "board", "id"),
    Index("ux_classroom_entries_board_weights", "board", "weights_hash", unique=True),
    sqlite_autoincrement=True,
)

students = Table(
    "classroom_students",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("board", String(CLASS_CODE_MAX), nullable=False),
    Column("nickname", String(NICKNAME_MAX), nullable=False),
    Column("token_hash", String(TOKEN_HASH_LENGTH), nullable=False),
    Column("digit_count", Integer, nullable=False, default=0),
    Column("last_digit_at", Double, nullable=True),
    Column("last_entry_at", Double, nullable=True),
    Column("created_at", Double, nullable=False),
    UniqueConstraint("board", "nickname", name="uq_classroom_students_board_nickname"),
    Index("ix_classroom_students_token", "token_hash"),
    sqlite_autoincrement=True,
)

boards = Table(
    "classroom_boards",
    metadata,
    Column("board", String(CLASS_CODE_MAX), primary_key=True),
    Column("digit_count", Integer, nullable=False, default=0),
    Column("entry_count", Integer, nullable=False, default=0),
    Column("student_count", Integer, nullable=False, default=0),
    Column("teacher_failures", Integer, nullable=False, default=0),
    Column("teacher_window_start", Double, nullable=True),
    Column("teacher_locked_until", Double, nullable=True),
    # Version 3: 1 while students may train on the class's digits (the teacher's switch).
    Column("class_training", SmallInteger, nullable=False, default=1, server_default=text("1")),
)

progress = Table(
    "classroom_progress",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("board", String(CLASS_CODE_MAX), nullable=False),
    Column("nickname", String(NICKNAME_MAX), nullable=False),
    Column("step", String(STEP_MAX), nullable=False),
    Column("tries", Integer, nullable=False, default=0),
    Column("solved", SmallInteger, nullable=False, default=0),  # 1 once answered right
    Column("started_at", Double, nullable=True),
    Column("finished_at", Double, nullable=True),
    Column("updated_at", Double, nullable=False),
    # One row per student and step: the first answers of two racing requests insert one.
    UniqueConstraint("board", "nickname", "step", name="uq_classroom_progress_student_step"),
    sqlite_autoincrement=True,
)

sessions = Table(
    "classroom_sessions",
    metadata,
    Column("session_id", String(SESSION_ID_MAX), primary_key=True),
    Column("digit_count", Integer, nullable=False, default=0),
    Column("last_digit_at", Double, nullable=True),
    Column("last_entry_at", Double, nullable=True),
)


def _students_and_board_counters(conn: Connection) -> None:
    """Version 1 -> 2: entries get a weights hash (one entry per weights and board); the
    students and boards tables are new (created by `create_all`); each board's counters
    start from the rows it holds."""
    conn.execute(text("ALTER TABLE classroom_entries ADD COLUMN weights_hash VARCHAR(64)"))
    conn.execute(
        text(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_classroom_entries_board_weights "
            "ON classroom_entries (board, weights_hash)"
        )
    )
    counts: dict[str, dict[str, int]] = {}
    for table, column in ((digits, "digit_count"), (entries, "entry_count")):
        rows = conn.execute(select(table.c.board, func.count()).group_by(table.c.board))
        for board, count in rows:
            counts.setdefault(board, {"digit_count": 0, "entry_count": 0})[column] = count
    for board, values in counts.items():
        conn.execute(insert(boards).values(board=board, student_count=0, **values))


def _class_training_switch(conn: Connection) -> None:
    """Version 2 -> 3: each board gets the teacher's switch "students may train on the
    class's digits", allowed (as every board was before there was a switch).

    From version 1 the boards table is new, made by `create_all` with the column already.
    """
    columns = {column["name"] for column in inspect(conn).get_columns(boards.name)}
    if "class_training" not in columns:
        conn.execute(
            text(
                "ALTER TABLE classroom_boards ADD COLUMN class_training SMALLINT NOT NULL DEFAULT 1"
            )
        )


def _lesson_progress(conn: Connection) -> None:
    """Version 3 -> 4: the lesson's progress per student, a new table: `create_all` (run
    before the migrations) made it already, empty; nothing else changes."""
    if progress.name not in inspect(conn).get_table_names():  # only if create_all did not
        progress.create(conn)


# Version N -> N + 1 upgrades, run in order inside the schema transaction.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _students_and_board_counters,
    2: _class_training_switch,
    3: _lesson_progress,
}


def ensure_schema(conn: Connection) -> int:
    """Create the tables when missing and bring an older schema up to `SCHEMA_VERSION`.

    Runs inside the caller's write transaction; on PostgreSQL it first takes an advisory
    lock, so two servers starting at once do not both create the tables.

    Args:
        conn: a connection in a transaction (SQLite: BEGIN IMMEDIATE).

    Returns:
        The schema version now in the database.

    Raises:
        BoardUnavailableError: the database holds a newer schema than this code knows.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(_SCHEMA_LOCK_KEY)))
    metadata.create_all(conn, checkfirst=True)
    found = conn.execute(select(func.max(schema_version.c.version))).scalar()
    if found is None:
        conn.execute(insert(schema_version).values(version=SCHEMA_VERSION))
        return SCHEMA_VERSION
    if found < 1:
        raise BoardUnavailableError(
            f"The class board database has schema version {found}, which no version of this "
            "app wrote: point the app at another database, or remove the classroom_ tables.",
            "schema_unknown",
            found=found,
            supported=SCHEMA_VERSION,
        )
    if found > SCHEMA_VERSION:
        raise BoardUnavailableError(
            f"The class board database has schema version {found}, newer than this app's "
            f"({SCHEMA_VERSION}): update the app.",
            "schema_newer",
            found=found,
            supported=SCHEMA_VERSION,
        )
    for version in range(found, SCHEMA_VERSION):
        MIGRATIONS[version](conn)
    if found < SCHEMA_VERSION:
        conn.execute(schema_version.delete())
        conn.execute(insert(schema_version).values(version=SCHEMA_VERSION))
    return SCHEMA_VERSION


def is_current(conn: Connection) -> bool:
    """Whether the tables exist at the current version (a read: no lock, no write)."""
    names = set(inspect(conn).get_table_names())
    if not {table.name for table in metadata.sorted_tables} <= names:
        return False
    return conn.execute(select(func.max(schema_version.c.version))).scalar() == SCHEMA_VERSION
