"""The class board's databases for tests: a SQLite file, and a fresh schema on a real
PostgreSQL server. Shared by tests/classroom (the storage) and tests/app (the pages on it):
their conftests import these fixtures.

`database_url` runs a test twice, with ids `sqlite` (a file in tmp_path) and `postgresql` (a
fresh schema per test on the server named by CNN_LAB_TEST_POSTGRES_URL; skipped when it is
unset, but failing when CI is set: `.ci/run` starts a server and sets it).
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

import classroom

POSTGRES_ENV = "CNN_LAB_TEST_POSTGRES_URL"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


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


@contextmanager
def fresh_schema(admin, prefix: str = "cnn_lab_test"):
    """A URL of the test server whose tables live in a new schema, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{name}"'))
    url = make_url(admin.url).update_query_dict({"options": f"-csearch_path={name}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        classroom.dispose_engines()
        with admin.begin() as conn:
            conn.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A database URL with nothing in it yet: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        folder = tmp_path / "db"
        folder.mkdir()
        yield f"sqlite:///{folder / 'board.db'}"
        classroom.dispose_engines()
        return
    with fresh_schema(request.getfixturevalue("postgres_admin")) as url:
        yield url


@pytest.fixture
def postgres_schema_url(postgres_admin):
    """A PostgreSQL URL in a fresh schema of its own (the browser tests' app servers share
    it)."""
    with fresh_schema(postgres_admin, "cnn_lab_browser") as url:
        yield url
