"""The class board's storage fixtures, on SQLite and on a real PostgreSQL server (the two
databases are tests/databases.py's, shared with tests/app).

Every test that takes `database_url` runs twice, with ids `sqlite` (a file in tmp_path) and
`postgresql` (a fresh schema per test on the server named by CNN_LAB_TEST_POSTGRES_URL; skipped
when it is unset, but failing when CI is set: `.ci/run` starts a server and sets it). Helpers
that are not fixtures (passwords, a fake clock, digits and entries) are in board_helpers.py.
"""

from __future__ import annotations

import pytest
from board_helpers import PASSWORD
from databases import database_url, postgres_admin  # noqa: F401 (fixtures)

import classroom


@pytest.fixture
def make_board(database_url):  # noqa: F811 (the fixture imported above)
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
