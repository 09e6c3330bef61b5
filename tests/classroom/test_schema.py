"""`classroom.schema`: tables created on a fresh database, reused after, migrated once from an
older version (a version 1 database, before students, with its rows counted), and a newer or
unknown version refused. On SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy
from board_helpers import WEIGHTS_A, digit_image, entry_fields, total_digits

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
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 3)
    monkeypatch.setitem(schema.MIGRATIONS, 2, lambda conn: calls.append(conn.dialect.name))
    board = make_board()
    classroom.dispose_engines()
    make_board()
    assert len(calls) == 1
    assert total_digits(board) == 1
    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.select(schema.schema_version.c.version)).all() == [(3,)]
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
    assert versions == [(classroom.SCHEMA_VERSION,)] == [(2,)]


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
