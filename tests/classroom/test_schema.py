"""`classroom.schema`: tables created on a fresh database, reused after, migrated once from an
older version (a version 1 database, before students, with its rows counted; a version 2
one, before the teacher's class-training switch, which then reads allowed; a version 3 one,
before the lesson's progress, which then counts answers), and a newer or unknown version
refused. On SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy
from board_helpers import PASSWORD, WEIGHTS_A, digit_image, entry_fields, total_digits

import classroom
from classroom import schema


def test_schema_is_created_on_a_fresh_database_and_reused_after(make_board, database_url):
    board = make_board()
    first = board.add_digit("s1", "Ada", digit_image(1), 4)
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as conn:
            tables = set(sqlalchemy.inspect(conn).get_table_names())
            versions = conn.execute(sqlalchemy.select(schema.schema_version.c.version)).all()
        assert {t.name for t in schema.metadata.sorted_tables} <= tables
        assert versions == [(classroom.SCHEMA_VERSION,)]

        classroom.dispose_engines()  # as a new server process would
        again = make_board()
        assert [d.id for d in again.list_digits()] == [first]
        with engine.connect() as conn:
            versions = conn.execute(sqlalchemy.select(schema.schema_version.c.version)).all()
        assert versions == [(classroom.SCHEMA_VERSION,)]
    finally:
        engine.dispose()


def test_a_newer_schema_is_refused(make_board, database_url):
    make_board()
    engine = sqlalchemy.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.update(schema.schema_version).values(version=99))
    engine.dispose()
    classroom.dispose_engines()
    with pytest.raises(classroom.BoardUnavailableError, match="newer") as caught:
        make_board()
    assert caught.value.reason == "schema_newer"


def test_an_older_schema_is_migrated_once(make_board, database_url, monkeypatch):
    make_board().add_digit("s1", "Ada", digit_image(1), 4)
    classroom.dispose_engines()
    calls = []
    newer = classroom.SCHEMA_VERSION + 1  # a next version, whose migration is a fake one
    monkeypatch.setattr(schema, "SCHEMA_VERSION", newer)
    monkeypatch.setitem(schema.MIGRATIONS, newer - 1, lambda conn: calls.append(conn.dialect.name))
    board = make_board()
    classroom.dispose_engines()
    make_board()
    assert len(calls) == 1
    assert total_digits(board) == 1
    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as conn:
        versions = conn.execute(sqlalchemy.select(schema.schema_version.c.version)).all()
    assert versions == [(newer,)]
    engine.dispose()


def _version_1_tables(engine) -> None:
    """The schema as version 1 created it: digits, entries without a weights hash, sessions."""
    old = sqlalchemy.MetaData()
    sqlalchemy.Table(
        "classroom_schema_version",
        old,
        sqlalchemy.Column("version", sqlalchemy.Integer, primary_key=True, autoincrement=False),
    )
    for name in ("classroom_digits", "classroom_entries"):
        columns = [
            sqlalchemy.Column("id", sqlalchemy.Integer, primary_key=True),
            sqlalchemy.Column("board", sqlalchemy.String(64), nullable=False),
            sqlalchemy.Column("session_id", sqlalchemy.String(128), nullable=False),
            sqlalchemy.Column("nickname", sqlalchemy.String(24), nullable=False),
            sqlalchemy.Column("created_at", sqlalchemy.Double, nullable=False),
        ]
        if name == "classroom_digits":
            columns += [
                sqlalchemy.Column("label", sqlalchemy.SmallInteger, nullable=False),
                sqlalchemy.Column("image", sqlalchemy.LargeBinary, nullable=False),
            ]
        else:
            columns += [
                sqlalchemy.Column("kind", sqlalchemy.String(8), nullable=False),
                sqlalchemy.Column("test_accuracy", sqlalchemy.Double, nullable=False),
                sqlalchemy.Column("class_accuracy", sqlalchemy.Double),
                sqlalchemy.Column("params", sqlalchemy.Integer, nullable=False),
                sqlalchemy.Column("epochs", sqlalchemy.Integer, nullable=False),
                sqlalchemy.Column("seconds", sqlalchemy.Double, nullable=False),
                sqlalchemy.Column("recipe", sqlalchemy.Text, nullable=False),
            ]
        sqlalchemy.Table(name, old, *columns)
    sqlalchemy.Table(
        "classroom_sessions",
        old,
        sqlalchemy.Column("session_id", sqlalchemy.String(128), primary_key=True),
        sqlalchemy.Column("digit_count", sqlalchemy.Integer, nullable=False),
        sqlalchemy.Column("last_digit_at", sqlalchemy.Double),
        sqlalchemy.Column("last_entry_at", sqlalchemy.Double),
    )
    with engine.begin() as conn:
        old.create_all(conn)
        conn.execute(old.tables["classroom_schema_version"].insert().values(version=1))
        image = (digit_image(0) * 255).astype(np.uint8).tobytes()
        for board, count in (("", 3), ("MON", 2)):
            for i in range(count):
                conn.execute(
                    old.tables["classroom_digits"].insert(),
                    {"board": board, "session_id": "s", "nickname": "Ada", "created_at": 1.0,
                     "label": i, "image": image},
                )  # fmt: skip
        conn.execute(
            old.tables["classroom_entries"].insert(),
            {"board": "", "session_id": "s", "nickname": "Ada", "created_at": 1.0, "kind": "cnn",
             "test_accuracy": 0.9, "class_accuracy": None, "params": 1, "epochs": 1,
             "seconds": 1.0, "recipe": "{}"},
        )  # fmt: skip


def test_a_version_1_database_is_migrated_with_its_rows_counted(make_board, database_url):
    engine = sqlalchemy.create_engine(database_url)
    _version_1_tables(engine)
    board = make_board(limits=classroom.Limits(digits_per_board=4, digit_interval_s=0))
    assert board.capacity()["digits"] == (3, 4) and board.capacity()["entries"] == (1, 1000)
    assert total_digits(board) == 3 and len(board.leaderboard()) == 1
    ada = board.claim("Ada")
    board.add_digit(ada.token, "Ada", digit_image(1), 5)
    with pytest.raises(classroom.BoardFullError):
        board.add_digit(ada.token, "Ada", digit_image(2), 5)
    board.submit_entry(ada.token, "Ada", weights_hash=WEIGHTS_A, **entry_fields())
    with engine.connect() as conn:
        versions = conn.execute(sqlalchemy.select(schema.schema_version.c.version)).all()
    engine.dispose()
    assert versions == [(classroom.SCHEMA_VERSION,)] == [(4,)]  # through 2 and 3 to 4
    assert board.class_training_allowed()
    board.set_class_training(PASSWORD, False)
    assert not board.class_training_allowed()


def _version_2_tables(engine) -> None:
    """The schema as version 2 created it: today's tables, but boards without the teacher's
    class-training switch; two boards with counters, one digit, version row 2."""
    old = sqlalchemy.MetaData()
    for table in schema.metadata.sorted_tables:
        if table is not schema.boards:
            table.to_metadata(old)
    sqlalchemy.Table(
        "classroom_boards",
        old,
        sqlalchemy.Column("board", sqlalchemy.String(64), primary_key=True),
        sqlalchemy.Column("digit_count", sqlalchemy.Integer, nullable=False),
        sqlalchemy.Column("entry_count", sqlalchemy.Integer, nullable=False),
        sqlalchemy.Column("student_count", sqlalchemy.Integer, nullable=False),
        sqlalchemy.Column("teacher_failures", sqlalchemy.Integer, nullable=False),
        sqlalchemy.Column("teacher_window_start", sqlalchemy.Double),
        sqlalchemy.Column("teacher_locked_until", sqlalchemy.Double),
    )
    with engine.begin() as conn:
        old.create_all(conn)
        conn.execute(old.tables["classroom_schema_version"].insert().values(version=2))
        image = (digit_image(0) * 255).astype(np.uint8).tobytes()
        conn.execute(
            old.tables["classroom_digits"].insert(),
            {"board": "", "session_id": "student:1", "nickname": "Ada", "created_at": 1.0,
             "label": 3, "image": image},
        )  # fmt: skip
        for board, digit_count in (("", 1), ("MON", 0)):
            conn.execute(
                old.tables["classroom_boards"].insert(),
                {"board": board, "digit_count": digit_count, "entry_count": 0,
                 "student_count": 1, "teacher_failures": 0},
            )  # fmt: skip


def test_a_version_2_database_is_migrated_and_its_boards_allow_class_training(
    make_board, database_url
):
    engine = sqlalchemy.create_engine(database_url)
    _version_2_tables(engine)
    board = make_board(limits=classroom.Limits(digits_per_board=4))
    with engine.connect() as conn:
        versions = conn.execute(sqlalchemy.select(schema.schema_version.c.version)).all()
        switches = conn.execute(
            sqlalchemy.select(schema.boards.c.board, schema.boards.c.class_training)
        ).all()
    engine.dispose()
    assert versions == [(classroom.SCHEMA_VERSION,)] == [(4,)]  # through 3 to 4
    assert sorted(switches) == [("", 1), ("MON", 1)]  # every board that was: allowed
    assert board.class_training_allowed()
    assert board.capacity()["digits"] == (1, 4) and total_digits(board) == 1  # rows kept
    board.set_class_training(PASSWORD, False)
    classroom.dispose_engines()  # as a new server process would: migrated once, kept
    assert not make_board().class_training_allowed()


def test_a_version_3_database_is_migrated_and_counts_the_lessons_answers(make_board, database_url):
    engine = sqlalchemy.create_engine(database_url)
    old = sqlalchemy.MetaData()
    for table in schema.metadata.sorted_tables:
        if table is not schema.progress:
            table.to_metadata(old)
    with engine.begin() as conn:
        old.create_all(conn)
        conn.execute(old.tables["classroom_schema_version"].insert().values(version=3))
        conn.execute(
            old.tables["classroom_boards"].insert(),
            {"board": "", "digit_count": 0, "entry_count": 0, "student_count": 0,
             "teacher_failures": 0, "class_training": 0},
        )  # fmt: skip
        assert "classroom_progress" not in sqlalchemy.inspect(conn).get_table_names()
    board = make_board()
    with engine.connect() as conn:
        versions = conn.execute(sqlalchemy.select(schema.schema_version.c.version)).all()
        tables = set(sqlalchemy.inspect(conn).get_table_names())
    engine.dispose()
    assert versions == [(classroom.SCHEMA_VERSION,)] == [(4,)]
    assert "classroom_progress" in tables
    assert not board.class_training_allowed()  # the teacher's switch as version 3 left it
    ada = board.claim("Ada")
    assert board.record_answer(ada.token, "Ada", "local", False)["tries"] == 1
    classroom.dispose_engines()  # as a new server process would: migrated once, kept
    again = make_board()
    assert again.student_progress(ada.token, "Ada")["local"]["tries"] == 1


def test_the_version_3_migration_creates_the_progress_table_when_create_all_did_not(
    database_url,
):
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.begin() as conn:
            schema.MIGRATIONS[3](conn)  # on an empty database: the table is made
            assert "classroom_progress" in sqlalchemy.inspect(conn).get_table_names()
            schema.MIGRATIONS[3](conn)  # and made once: running it again changes nothing
    finally:
        engine.dispose()


def test_a_schema_version_no_app_wrote_is_refused_with_a_reason(make_board, database_url):
    make_board()
    engine = sqlalchemy.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.update(schema.schema_version).values(version=0))
    engine.dispose()
    classroom.dispose_engines()
    with pytest.raises(classroom.BoardUnavailableError) as caught:
        make_board()
    assert caught.value.reason == "schema_unknown" and caught.value.details["found"] == 0
