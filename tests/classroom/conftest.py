"""The class board's storage fixtures, on SQLite and on a real PostgreSQL server.

Every test that takes `database_url` runs twice, with ids `sqlite` (a file in tmp_path) and
`postgresql` (a fresh schema per test on the server named by CNN_LAB_TEST_POSTGRES_URL; skipped
when it is unset, but failing when CI is set: `.ci/run` starts a server and sets it). Helpers
that are not fixtures (passwords, a fake clock, digits and entries) are in board_helpers.py.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy
from board_helpers import PASSWORD, POSTGRES_ENV, in_ci
from sqlalchemy.engine import make_url

import classroom


@pytest.fixture(scope="session")
def postgres_admin():
    """An engine on the test server, for creating and dropping each test's schema."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        message = (
            f"PostgreSQL tests need a server: set {POSTGRES_ENV}=postgresql+psycopg://"
            "user@127.0.0.1:5432/db (.ci/run does this) to run these"
        )
        if in_ci():
            pytest.fail(f"{message}. CI is set, so a missing server is a failure, not a skip.")
        pytest.skip(message)
    engine = sqlalchemy.create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A database URL with nothing in it yet: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        folder = tmp_path / "db"
        folder.mkdir()
        yield f"sqlite:///{folder / 'board.db'}"
        classroom.dispose_engines()
        return
    admin = request.getfixturevalue("postgres_admin")
    name = f"cnn_lab_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{name}"'))
    url = make_url(admin.url).update_query_dict({"options": f"-csearch_path={name}"})
    yield url.render_as_string(hide_password=False)
    classroom.dispose_engines()
    with admin.begin() as conn:
        conn.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


@pytest.fixture
def make_board(database_url):
    """open_board on the test's database, with the teacher password set and no delay."""

    def make(**kwargs) -> classroom.Board:
        kwargs.setdefault("teacher_password", PASSWORD)
        kwargs.setdefault("wrong_password_delay", 0)
        return classroom.open_board(database_url, **kwargs)

    return make


@pytest.fixture
def board(make_board) -> classroom.Board:
    """The open board, with limits relaxed (no waiting between writes)."""
    return make_board(limits=classroom.Limits(digit_interval_s=0, entry_interval_s=0))
