"""The class board's storage (`classroom`), on SQLite and on a real PostgreSQL server.

Every test that takes `database_url` runs twice, with ids `sqlite` (a file in tmp_path) and
`postgresql` (a fresh schema per test on the server named by CNN_LAB_TEST_POSTGRES_URL; skipped
when it is unset, but failing when CI is set: `.ci/run` starts a server and sets it).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import io
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

import classroom
from classroom import schema

POSTGRES_ENV = "CNN_LAB_TEST_POSTGRES_URL"
PASSWORD = "correct horse"
ROOT = Path(__file__).resolve().parents[1]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


class FakeClock:
    """A clock the test moves by hand (seconds since the epoch)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def digit_image(seed: int) -> np.ndarray:
    """A (28, 28) image in [0, 1] whose values are multiples of 1/255 (stored exactly)."""
    return np.random.default_rng(seed).integers(0, 256, (28, 28)) / 255.0


def entry_fields(**overrides) -> dict:
    fields = {
        "test_accuracy": 0.97,
        "class_accuracy": 0.8,
        "params": 242_062,
        "epochs": 3,
        "seconds": 12.5,
        "recipe": {"filters": [32, 64], "dense_units": 128, "optimizer": "adam"},
        "kind": "cnn",
    }
    fields.update(overrides)
    return fields


@pytest.fixture(scope="session")
def postgres_admin():
    """An engine on the test server, for creating and dropping each test's schema."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        message = (
            f"PostgreSQL tests need a server: set {POSTGRES_ENV}=postgresql+psycopg://"
            "user@127.0.0.1:5432/db (.ci/run does this) to run these"
        )
        if _in_ci():
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


def total_digits(board: classroom.Board) -> int:
    return sum(board.digit_counts().values())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TcpProxy:
    """A loopback TCP forwarder to a PostgreSQL server; `close()` is the network going down."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
                upstream = socket.create_connection(self._target)
            except OSError:
                return
            self._sockets += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        for sock in [self._server, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


# The package ---------------------------------------------------------------------------------


def test_import_classroom_loads_neither_streamlit_nor_tensorflow():
    code = (
        "import sys, classroom\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('streamlit', 'tensorflow', 'keras', 'cnn', 'pandas'))\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_limits_default_to_the_issues_numbers_and_refuse_nonsense():
    limits = classroom.Limits()
    assert (limits.digit_interval_s, limits.digits_per_student, limits.entry_interval_s) == (
        1.0,
        200,
        10.0,
    )
    assert (limits.digits_per_board, limits.entries_per_board) == (10_000, 1_000)
    assert limits.digits_per_student == 200 and limits.students_per_board == 500
    assert (limits.teacher_attempts, limits.teacher_window_s, limits.teacher_lockout_s) == (
        5,
        60.0,
        60.0,
    )
    with pytest.raises(ValueError, match="digits_per_student"):
        classroom.Limits(digits_per_student=0)
    with pytest.raises(ValueError, match="digit_interval_s"):
        classroom.Limits(digit_interval_s=-1)


def test_a_wrong_password_costs_one_second_by_default():
    signature = inspect.signature(classroom.open_board)
    assert signature.parameters["wrong_password_delay"].default == 1.0


# Where the database is ---------------------------------------------------------------------


def test_default_database_is_sqlite_in_wal_mode_in_a_created_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv(classroom.ENV_VAR, raising=False)
    assert not (tmp_path / ".cnn_lab").exists()
    try:
        board = classroom.open_board()
        board.add_digit("s", "Ada", digit_image(0), 1)
        path = tmp_path / ".cnn_lab" / "class_board.db"
        assert classroom.default_sqlite_path() == path
        assert path.is_file()
        with sqlalchemy.create_engine(f"sqlite:///{path}").connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        classroom.dispose_engines()


def test_url_comes_from_the_argument_then_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(classroom.ENV_VAR, f"sqlite:///{tmp_path / 'env.db'}")
    assert classroom.resolve_url().database == str(tmp_path / "env.db")
    assert classroom.resolve_url("sqlite:///x.db").database == "x.db"
    heroku = classroom.resolve_url("postgres://u:p@host/db")
    assert heroku.drivername == "postgresql+psycopg"


def test_a_url_that_cannot_be_parsed_is_refused_as_unavailable():
    with pytest.raises(classroom.BoardUnavailableError) as caught:
        classroom.open_board("definitely not a url")
    assert caught.value.reason == "bad_url"


# Schema ---------------------------------------------------------------------------------------


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


# Digits ---------------------------------------------------------------------------------------


def test_digits_round_trip_newest_first_filtered_and_counted(board):
    ids = [board.add_digit("s1", "Ada", digit_image(i), i % 3) for i in range(7)]
    listed = board.list_digits()
    assert [d.id for d in listed] == ids[::-1]
    newest = listed[0]
    assert (newest.label, newest.nickname) == (6 % 3, "Ada")
    assert newest.pixels.dtype == np.uint8 and newest.pixels.shape == (28, 28)
    np.testing.assert_allclose(newest.image, digit_image(6), atol=1e-6)
    assert newest.created_at.tzinfo is not None
    assert [d.id for d in board.list_digits(label=1)] == [ids[4], ids[1]]
    assert len(board.list_digits(limit=2)) == 2
    assert board.digit_counts() == {0: 3, 1: 2, 2: 2, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 0}


def test_images_are_stored_as_784_bytes_rounded_to_255ths(board, database_url):
    image = np.full((28, 28, 1), 0.5)
    board.add_digit("s1", "Ada", image, 0)
    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as conn:
        stored = conn.execute(sqlalchemy.select(schema.digits.c.image)).scalar_one()
    engine.dispose()
    assert len(stored) == 784 and set(stored) == {128}


def test_class_digits_array_is_mnist_shaped_oldest_first(board):
    images = [digit_image(i) for i in range(4)]
    for i, image in enumerate(images):
        board.add_digit("s1", "Ada", image, 9 - i)
    x, y = board.class_digits_array()
    assert x.dtype == np.uint8 and x.shape == (4, 28, 28)
    assert y.dtype == np.uint8 and y.tolist() == [9, 8, 7, 6]
    np.testing.assert_array_equal(x, np.rint(np.array(images) * 255).astype(np.uint8))


def test_an_empty_board_has_empty_arrays(board):
    x, y = board.class_digits_array()
    assert x.shape == (0, 28, 28) and y.shape == (0,)
    assert board.list_digits() == [] and total_digits(board) == 0


# Bad input -----------------------------------------------------------------------------------

IMAGE, LABEL, NICK = (
    classroom.InvalidImageError,
    classroom.InvalidLabelError,
    classroom.InvalidNicknameError,
)
BAD_DIGITS = {  # id: (the argument changed, the exception, its reason)
    "27x28": ({"image": np.zeros((27, 28))}, IMAGE, "image_shape"),
    "flat": ({"image": np.zeros(784)}, IMAGE, "image_shape"),
    "above-1": ({"image": np.full((28, 28), 1.5)}, IMAGE, "image_range"),
    "below-0": ({"image": np.full((28, 28), -0.1)}, IMAGE, "image_range"),
    "nan": ({"image": np.full((28, 28), np.nan)}, IMAGE, "image_range"),
    "text-image": ({"image": np.full((28, 28), "x")}, IMAGE, "bad_image"),
    "bool-image": ({"image": np.ones((28, 28), bool)}, IMAGE, "bad_image"),
    "label-minus-1": ({"label": -1}, LABEL, "bad_label"),
    "label-10": ({"label": 10}, LABEL, "bad_label"),
    "label-float": ({"label": 3.0}, LABEL, "bad_label"),
    "label-bool": ({"label": True}, LABEL, "bad_label"),
    "label-text": ({"label": "3"}, LABEL, "bad_label"),
    "nick-empty": ({"nickname": ""}, NICK, "nickname_empty"),
    "nick-blank": ({"nickname": "   "}, NICK, "nickname_empty"),
    "nick-25": ({"nickname": "x" * 25}, NICK, "nickname_too_long"),
    "nick-newline": ({"nickname": "a\nb"}, NICK, "bad_nickname"),
    "nick-none": ({"nickname": None}, NICK, "bad_nickname"),
    # Hostile input: each of these reached the database (or a crash) before it was checked.
    "nick-lone-surrogate": ({"nickname": "a\ud800"}, NICK, "bad_nickname"),
    "nick-nul": ({"nickname": "a\x00b"}, NICK, "bad_nickname"),
    "nick-bidi-override": ({"nickname": "a\u202eb"}, NICK, "bad_nickname"),
    "nick-zero-width-joiner": ({"nickname": "a\u200db"}, NICK, "bad_nickname"),
    "nick-megabyte": ({"nickname": "x" * 1_000_000}, NICK, "nickname_too_long"),
    "nick-bytes": ({"nickname": b"Ada"}, NICK, "bad_nickname"),
    "image-complex": ({"image": np.zeros((28, 28), complex)}, IMAGE, "bad_image"),
    "image-inf": ({"image": np.full((28, 28), np.inf)}, IMAGE, "image_range"),
    "image-object": ({"image": [[object()] * 28] * 28}, IMAGE, "bad_image"),
    "image-ragged": ({"image": [[0.0] * 28, [0.0]]}, IMAGE, "bad_image"),
    "image-none": ({"image": None}, IMAGE, "bad_image"),
    "label-2**70": ({"label": 2**70}, LABEL, "bad_label"),
    "label-uint64-max": ({"label": np.uint64(2**64 - 1)}, LABEL, "bad_label"),
    "label-nan": ({"label": float("nan")}, LABEL, "bad_label"),
}


@pytest.mark.parametrize(("change", "error", "reason"), BAD_DIGITS.values(), ids=BAD_DIGITS)
def test_bad_digits_are_refused_with_a_reason_and_nothing_stored(board, change, error, reason):
    arguments = {"token": "s1", "nickname": "Ada", "image": digit_image(0), "label": 5}
    arguments.update(change)
    with pytest.raises(error) as caught:
        board.add_digit(**arguments)
    assert isinstance(caught.value, ValueError)
    assert caught.value.reason == reason
    assert str(caught.value)
    assert total_digits(board) == 0
    board.add_digit("s1", "Ada", digit_image(0), 5)  # the refusal did not count as a digit


def test_join_refuses_a_nickname_the_board_could_not_store(board):
    """A lone surrogate passed join before and then crashed add_digit in the database
    (UnicodeEncodeError): now both refuse it, with the reason the UI translates."""
    for call in (
        lambda: board.join("a\ud800"),
        lambda: board.add_digit("s1", "\udfff", digit_image(0), 1),
        lambda: board.submit_entry("s1", "Ada\ud83d", **entry_fields()),
    ):
        with pytest.raises(classroom.InvalidNicknameError) as caught:
            call()
        assert caught.value.reason == "bad_nickname" and isinstance(caught.value, ValueError)
    assert total_digits(board) == 0 and board.leaderboard().empty
    assert board.join("Ada 😀") == "Ada 😀"  # a real astral character is fine


def test_a_session_id_that_cannot_be_stored_is_refused(board):
    for session in ("s\ud800", "x" * 129, "", 42, None):
        with pytest.raises(classroom.InvalidInputError) as caught:
            board.add_digit(session, "Ada", digit_image(0), 1)
        assert caught.value.reason == "bad_session"
    assert total_digits(board) == 0


def test_nicknames_are_trimmed_and_may_have_24_characters(board):
    assert board.join("  Ada Lovelace \t") == "Ada Lovelace"
    assert board.join("é" * 24) == "é" * 24
    with pytest.raises(classroom.InvalidNicknameError, match="at most 24"):
        board.join("é" * 25)


BAD_ENTRIES = [
    pytest.param({"test_accuracy": 1.5}, id="accuracy-above-1"),
    pytest.param({"test_accuracy": None}, id="accuracy-none"),
    pytest.param({"class_accuracy": -0.1}, id="class-accuracy-negative"),
    pytest.param({"params": -1}, id="params-negative"),
    pytest.param({"epochs": 2.5}, id="epochs-float"),
    pytest.param({"seconds": float("nan")}, id="seconds-nan"),
    pytest.param({"kind": "rnn"}, id="kind"),
    pytest.param({"recipe": {"f": object()}}, id="recipe-not-json"),
    pytest.param({"recipe": ["a"]}, id="recipe-list"),
    pytest.param({"recipe": "x" * 30_000}, id="recipe-too-long"),
    # Numbers the database cannot hold: 2**63 raised OverflowError on SQLite, 2**31 a
    # DataError on PostgreSQL's 32-bit INTEGER, before validation refused them.
    pytest.param({"params": 2**63}, id="params-2**63"),
    pytest.param({"params": 2**31}, id="params-2**31"),
    pytest.param({"params": np.uint64(2**64 - 1)}, id="params-uint64-max"),
    pytest.param({"epochs": 2**40}, id="epochs-2**40"),
    pytest.param({"params": "242062"}, id="params-text"),
    pytest.param({"params": 5.0}, id="params-float"),
    pytest.param({"params": True}, id="params-bool"),
    pytest.param({"seconds": float("inf")}, id="seconds-inf"),
    pytest.param({"seconds": -1.0}, id="seconds-negative"),
    pytest.param({"seconds": 1e308}, id="seconds-huge"),
    pytest.param({"seconds": 10**400}, id="seconds-int-beyond-float"),
    pytest.param({"test_accuracy": 10**400}, id="accuracy-int-beyond-float"),
    pytest.param({"test_accuracy": float("nan")}, id="accuracy-nan"),
    pytest.param({"class_accuracy": float("inf")}, id="class-accuracy-inf"),
    pytest.param({"test_accuracy": "0.9"}, id="accuracy-text"),
    pytest.param({"kind": ["cnn"]}, id="kind-list"),
    pytest.param({"kind": "cnn" * 100_000}, id="kind-long"),
    pytest.param({"recipe": {"lr": float("nan")}}, id="recipe-nan"),
    pytest.param(
        {"recipe": {"deep": functools.reduce(lambda x, _: [x], range(5000), [])}},
        id="recipe-nested-5000-deep",
    ),
    pytest.param({"recipe": "x" * 10_000_000}, id="recipe-10-megabytes"),
]


@pytest.mark.parametrize("change", BAD_ENTRIES)
def test_bad_entries_are_refused_and_nothing_stored(board, change):
    with pytest.raises(classroom.InvalidEntryError) as caught:
        board.submit_entry("s1", "Ada", **entry_fields(**change))
    assert isinstance(caught.value, ValueError) and caught.value.reason == "bad_entry"
    assert caught.value.details["field"] in change
    assert len(str(caught.value)) < 200  # quotes at most a little of what it was given
    assert board.leaderboard().empty
    board.submit_entry("s1", "Ada", **entry_fields())  # the refusal did not start the wait


def test_the_largest_numbers_the_database_holds_round_trip(board):
    largest = 2**31 - 1
    board.submit_entry(
        "s1", "Ada", **entry_fields(params=np.int64(largest), epochs=largest, seconds=1e6)
    )
    board.submit_entry("s2", "Bob", **entry_fields(params=0, epochs=0, seconds=0))
    table = board.leaderboard()
    assert sorted(table["params"].tolist()) == [0, largest]
    assert sorted(table["epochs"].tolist()) == [0, largest]
    assert sorted(table["seconds"].tolist()) == [0.0, 1e6]


# Class codes ----------------------------------------------------------------------------------


def test_boards_are_isolated_by_class_code(make_board):
    relaxed = classroom.Limits(digit_interval_s=0, entry_interval_s=0)
    codes = ["MON-1", "TUE-2"]
    monday = make_board(class_code="mon-1 ", expected_code=codes, limits=relaxed)
    tuesday = make_board(class_code="TUE-2", expected_code=codes, limits=relaxed)
    open_board = make_board(limits=relaxed)
    assert (monday.class_code, tuesday.class_code, open_board.class_code) == ("MON-1", "TUE-2", "")

    monday_digit = monday.add_digit("s1", "Ada", digit_image(1), 1)
    tuesday_digit = tuesday.add_digit("s2", "Bob", digit_image(2), 2)
    open_board.add_digit("s3", "Cy", digit_image(3), 3)
    monday_entry = monday.submit_entry("s1", "Ada", **entry_fields())
    tuesday_entry = tuesday.submit_entry("s2", "Bob", **entry_fields(test_accuracy=0.5))

    assert [d.id for d in monday.list_digits()] == [monday_digit]
    assert [d.id for d in tuesday.list_digits()] == [tuesday_digit]
    assert monday.digit_counts()[2] == 0 and tuesday.digit_counts()[2] == 1
    assert open_board.digit_counts()[3] == 1 and total_digits(open_board) == 1
    assert monday.leaderboard()["id"].tolist() == [monday_entry]
    assert open_board.leaderboard().empty
    assert monday.class_digits_array()[1].tolist() == [1]

    # A teacher's tools reach their own class only, even given another class's ids.
    assert not monday.remove_digit(PASSWORD, tuesday_digit)
    assert not monday.remove_entry(PASSWORD, tuesday_entry)
    assert monday.clear_board(PASSWORD) == {"digits": 1, "entries": 1}
    assert [d.id for d in tuesday.list_digits()] == [tuesday_digit]
    assert tuesday.leaderboard()["id"].tolist() == [tuesday_entry]
    assert total_digits(open_board) == 1


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("WED-3", "wrong_class_code"),
        ("MON-11", "wrong_class_code"),
        (None, "class_code_required"),
        ("  ", "class_code_required"),
    ],
)
def test_a_wrong_or_missing_class_code_is_refused(make_board, typed, reason):
    with pytest.raises(classroom.InvalidClassCodeError) as caught:
        make_board(class_code=typed, expected_code="MON-1")
    assert isinstance(caught.value, ValueError) and caught.value.reason == reason


@pytest.mark.parametrize(
    "typed",
    ["MON-1\ud800", "\udcff", "MON-1\x00", "x" * 1_000_000, "MON-1" * 13, b"MON-1", 7, ["MON-1"]],
    ids=["surrogate", "lone-surrogate", "nul", "megabyte", "65-chars", "bytes", "int", "list"],
)
def test_a_hostile_class_code_is_refused_not_crashed(make_board, typed):
    with pytest.raises(classroom.InvalidClassCodeError) as caught:
        make_board(class_code=typed, expected_code="MON-1")
    assert caught.value.reason in ("wrong_class_code", "class_code_required")
    assert len(str(caught.value)) < 200


def test_a_deployment_class_code_that_cannot_be_stored_is_a_setting_error(make_board):
    for code in ("ROOM\udcff", "x" * 65):  # \udcff: an undecodable byte in the environment
        with pytest.raises(ValueError, match="class code") as caught:
            make_board(class_code=code, expected_code=code)
        assert not isinstance(caught.value, classroom.ClassroomError)


# Limits ---------------------------------------------------------------------------------------


def test_one_digit_a_second_per_student(make_board):
    clock = FakeClock()
    board = make_board(clock=clock)
    board.add_digit("s1", "Ada", digit_image(0), 0)
    clock.advance(0.4)
    with pytest.raises(classroom.RateLimitError, match="wait 0.6 s") as caught:
        board.add_digit("s1", "Ada", digit_image(1), 1)
    assert caught.value.reason == "too_fast"
    assert caught.value.details["retry_after"] == pytest.approx(0.6)
    assert isinstance(caught.value, classroom.LimitExceededError)
    assert total_digits(board) == 1
    board.add_digit("s2", "Bob", digit_image(1), 1)  # another student is not held up
    clock.advance(0.6)
    board.add_digit("s1", "Ada", digit_image(1), 1)
    assert total_digits(board) == 3


def test_a_student_stores_at_most_200_digits(make_board):
    clock = FakeClock()
    board = make_board(clock=clock)
    for i in range(200):
        board.add_digit("s1", "Ada", digit_image(i), i % 10)
        clock.advance(1)
    with pytest.raises(classroom.StudentQuotaError, match="200") as caught:
        board.add_digit("s1", "Ada", digit_image(0), 0)
    assert caught.value.reason == "student_quota"
    assert total_digits(board) == 200
    with pytest.raises(classroom.NicknameTakenError):  # another browser cannot be Ada
        board.add_digit("s2", "Ada", digit_image(0), 0)
    board.add_digit("s2", "Bob", digit_image(0), 0)
    assert total_digits(board) == 201


def test_one_leaderboard_entry_every_10_seconds_per_session(make_board):
    clock = FakeClock()
    board = make_board(clock=clock)
    board.submit_entry("s1", "Ada", **entry_fields())
    clock.advance(9)
    with pytest.raises(classroom.RateLimitError, match="every 10 s") as caught:
        board.submit_entry("s1", "Ada", **entry_fields())
    assert caught.value.details["retry_after"] == pytest.approx(1)
    assert len(board.leaderboard()) == 1
    board.submit_entry("s2", "Bob", **entry_fields())
    clock.advance(1)
    board.submit_entry("s1", "Ada", **entry_fields())
    assert len(board.leaderboard()) == 3


def test_a_full_board_refuses_new_digits_and_drops_nothing(make_board):
    limits = classroom.Limits(digit_interval_s=0, digits_per_board=5)
    board = make_board(class_code="A", expected_code=["A", "B"], limits=limits)
    other = make_board(class_code="B", expected_code=["A", "B"], limits=limits)
    other_ids = [other.add_digit("s2", "Bob", digit_image(i), 1) for i in range(3)]
    ids = [board.add_digit("s1", "Ada", digit_image(i), i) for i in range(5)]
    with pytest.raises(classroom.BoardFullError, match="5 digits") as caught:
        board.add_digit("s3", "Cy", digit_image(0), 0)
    assert caught.value.reason == "board_full" and caught.value.details["kind"] == "digits"
    assert [d.id for d in board.list_digits()] == ids[::-1]  # nobody's digit pushed out
    assert board.capacity()["digits"] == (5, 5)
    assert [d.id for d in other.list_digits()] == other_ids[::-1]
    board.remove_digit(PASSWORD, ids[0])  # the teacher makes room
    board.add_digit("s3", "Cy", digit_image(0), 0)
    assert board.capacity()["digits"] == (5, 5)
    # Cy's refused try did not count against Cy: a refusal changes nothing.


def test_a_full_leaderboard_refuses_new_entries_and_drops_nothing(make_board):
    limits = classroom.Limits(entry_interval_s=0, entries_per_board=3)
    board = make_board(limits=limits)
    ids = [
        board.submit_entry("s1", "Ada", **entry_fields(test_accuracy=1 - i / 10)) for i in range(3)
    ]
    with pytest.raises(classroom.BoardFullError) as caught:
        board.submit_entry("s1", "Ada", **entry_fields())
    assert caught.value.details["kind"] == "entries"
    with pytest.raises(classroom.BoardFullError):  # said before the model is even scored
        board.check_submit("s2", "Bob")
    assert board.leaderboard()["id"].tolist() == ids


@pytest.mark.timeout(120)
def test_racing_requests_of_one_session_store_one_digit(make_board):
    board = make_board(clock=FakeClock())  # every request at the same instant
    outcomes: list[str] = []
    barrier = threading.Barrier(16)

    def send(i: int) -> None:
        barrier.wait()
        try:
            board.add_digit("same-session", "Ada", digit_image(i), i % 10)
            outcomes.append("stored")
        except classroom.RateLimitError:
            outcomes.append("refused")

    threads = [threading.Thread(target=send, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 15 + ["stored"]
    assert total_digits(board) == 1


@pytest.mark.timeout(300)
def test_concurrent_writers_lose_and_duplicate_nothing(database_url):
    limits = classroom.Limits(digit_interval_s=0, digits_per_student=1_000)
    writers, per_writer = 30, 50
    errors: list[BaseException] = []
    ids: list[int] = []
    barrier = threading.Barrier(writers)

    def write(writer: int) -> None:
        try:
            board = classroom.open_board(database_url, limits=limits)
            barrier.wait()
            for i in range(per_writer):
                image = np.zeros((28, 28))
                image[0, 0], image[0, 1] = writer / 255, i / 255  # who and which, in the pixels
                ids.append(board.add_digit(f"writer-{writer}", f"w{writer}", image, i % 10))
        except BaseException as error:  # reported below, with the others
            errors.append(error)
            barrier.abort()  # the others stop waiting for this one

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    board = classroom.open_board(database_url)
    x, y = board.class_digits_array()
    assert len(x) == writers * per_writer == 1_500
    assert len(set(ids)) == 1_500
    pairs = {(int(a), int(b)) for a, b in zip(x[:, 0, 0], x[:, 0, 1], strict=True)}
    assert pairs == {(w, i) for w in range(writers) for i in range(per_writer)}
    assert board.digit_counts() == dict.fromkeys(range(10), 150)


def test_a_write_that_fails_midway_leaves_nothing_behind(board, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full, say")

    with monkeypatch.context() as patch:
        patch.setattr(classroom.board.counters, "claim_capacity", broken)
        with pytest.raises(RuntimeError):
            board.add_digit("s1", "Ada", digit_image(0), 0)
        with pytest.raises(RuntimeError):
            board.submit_entry("s1", "Ada", **entry_fields())
    assert total_digits(board) == 0 and board.leaderboard().empty
    quota = classroom.Limits(digit_interval_s=60, digits_per_student=1, entry_interval_s=60)
    strict = classroom.open_board(board._engine.url, limits=quota)
    strict.add_digit("s1", "Ada", digit_image(0), 0)  # neither counter was advanced
    strict.submit_entry("s1", "Ada", **entry_fields())


# Leaderboard ----------------------------------------------------------------------------------


def test_leaderboard_ranks_by_test_accuracy(board):
    low = board.submit_entry("s1", "Ada", **entry_fields(test_accuracy=0.91, kind="mlp"))
    tie_no_class = board.submit_entry("s2", "Bob", **entry_fields(class_accuracy=None))
    best = board.submit_entry("s3", "Cy", **entry_fields(test_accuracy=0.99, recipe="my notes"))
    tie_class = board.submit_entry("s4", "Di", **entry_fields(class_accuracy=0.9))
    table = board.leaderboard()
    assert list(table.columns) == classroom.LEADERBOARD_COLUMNS
    assert table["id"].tolist() == [best, tie_class, tie_no_class, low]
    assert table["rank"].tolist() == [1, 2, 3, 4]
    first = table.iloc[0]
    assert first["recipe"] == "my notes"
    assert table.iloc[1]["recipe"] == entry_fields()["recipe"]
    assert (first["params"], first["epochs"], first["seconds"]) == (242_062, 3, 12.5)
    assert table.iloc[3]["kind"] == "mlp" and np.isnan(table.iloc[2]["class_accuracy"])
    assert board.leaderboard(limit=2)["id"].tolist() == [best, tie_class]


# Teacher --------------------------------------------------------------------------------------


def test_teacher_removes_digits_and_entries_and_clears_the_board(board):
    digit_ids = [board.add_digit("s1", "Ada", digit_image(i), i) for i in range(3)]
    entry_ids = [board.submit_entry("s1", "Ada", **entry_fields()) for i in range(2)]
    board.check_teacher(PASSWORD)
    assert board.remove_digit(PASSWORD, digit_ids[1])
    assert not board.remove_digit(PASSWORD, digit_ids[1])
    assert [d.id for d in board.list_digits()] == [digit_ids[2], digit_ids[0]]
    assert board.remove_entry(PASSWORD, entry_ids[0])
    assert board.leaderboard()["id"].tolist() == [entry_ids[1]]
    assert board.clear_board(PASSWORD) == {"digits": 2, "entries": 1}
    assert total_digits(board) == 0 and board.leaderboard().empty


def test_a_wrong_teacher_password_is_refused_slowly_and_changes_nothing(make_board):
    delay = 0.2
    limits = classroom.Limits(digit_interval_s=0, teacher_attempts=100)  # no lockout here
    board = make_board(wrong_password_delay=delay, limits=limits)
    digit = board.add_digit("s1", "Ada", digit_image(0), 0)
    entry = board.submit_entry("s1", "Ada", **entry_fields())
    attempts = [
        lambda: board.remove_digit("correct horsE", digit),
        lambda: board.remove_entry(PASSWORD + " ", entry),
        lambda: board.clear_board(""),
        lambda: board.export_npz(None),
        lambda: board.check_teacher("ünïcödé"),
        lambda: board.check_teacher(PASSWORD[:-1]),
    ]
    for attempt in attempts:
        start = time.perf_counter()
        with pytest.raises(classroom.WrongPasswordError) as caught:
            attempt()
        assert time.perf_counter() - start >= delay
        assert caught.value.reason == "wrong_password" and isinstance(caught.value, ValueError)
    assert [d.id for d in board.list_digits()] == [digit]
    assert board.leaderboard()["id"].tolist() == [entry]
    start = time.perf_counter()
    board.check_teacher(PASSWORD)
    assert time.perf_counter() - start < delay


def test_a_wrong_teacher_password_is_logged_without_the_password(board, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(classroom.WrongPasswordError):
        board.clear_board("hunter2-guess")
    assert "Wrong teacher password" in caplog.text
    assert "hunter2-guess" not in caplog.text
    board.clear_board(PASSWORD)
    assert PASSWORD not in caplog.text


def test_hostile_teacher_passwords_are_simply_wrong(make_board):
    board = make_board(limits=classroom.Limits(teacher_attempts=100))  # no lockout here
    for guess in (
        "\ud800",
        PASSWORD + "\udcff",
        "x" * 1_000_000,
        PASSWORD.encode(),
        42,
        [PASSWORD],
    ):
        with pytest.raises(classroom.WrongPasswordError) as caught:
            board.check_teacher(guess)
        assert caught.value.reason == "wrong_password"
    # A password from the environment may hold an undecodable byte (os.environ keeps it as a
    # lone surrogate): it still works, and only itself.
    odd = make_board(teacher_password="pw\udcff", limits=classroom.Limits(teacher_attempts=100))
    odd.check_teacher("pw\udcff")
    for guess in ("pw", "pw\ufffd", "pw\udcfe"):
        with pytest.raises(classroom.WrongPasswordError):
            odd.check_teacher(guess)


def test_ids_no_row_can_have_remove_nothing_and_others_are_refused(board):
    digit = board.add_digit("s1", "Ada", digit_image(0), 0)
    entry = board.submit_entry("s1", "Ada", **entry_fields())
    for row_id in (0, -1, 2**31, 2**63, 2**70, np.int64(-(2**63))):
        assert board.remove_digit(PASSWORD, row_id) is False
        assert board.remove_entry(PASSWORD, row_id) is False
    for row_id in ("1", 1.0, float("nan"), True, None, [1]):
        for remove in (board.remove_digit, board.remove_entry):
            with pytest.raises(classroom.InvalidInputError) as caught:
                remove(PASSWORD, row_id)
            assert caught.value.reason == "bad_id"
    with pytest.raises(classroom.WrongPasswordError):  # the password is checked first
        board.remove_digit("wrong", "not an id")
    assert [d.id for d in board.list_digits()] == [digit]
    assert board.leaderboard()["id"].tolist() == [entry]
    assert board.remove_digit(PASSWORD, np.int64(digit)) and board.remove_entry(PASSWORD, entry)


def test_huge_limits_read_everything(board):
    board.add_digit("s1", "Ada", digit_image(0), 0)
    assert len(board.list_digits(limit=2**70)) == 1
    assert len(board.leaderboard(limit=2**70)) == 0


def test_teacher_tools_are_off_without_a_password(make_board):
    board = make_board(teacher_password=None)
    for guess in ("", None, "anything"):
        with pytest.raises(classroom.WrongPasswordError) as caught:
            board.clear_board(guess)
        assert caught.value.reason == "teacher_disabled"


def test_export_npz_round_trips_in_mnists_layout(board):
    images = [digit_image(i) for i in range(5)]
    for i, image in enumerate(images):
        board.add_digit("s1", "Ada", image, i * 2)
    data = board.export_npz(PASSWORD)
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        assert sorted(archive.files) == ["x_test", "y_test"]
        x, y = archive["x_test"], archive["y_test"]
    assert x.dtype == np.uint8 and x.shape == (5, 28, 28)
    assert y.dtype == np.uint8 and y.tolist() == [0, 2, 4, 6, 8]
    np.testing.assert_array_equal(x, np.rint(np.array(images) * 255).astype(np.uint8))
    np.testing.assert_array_equal(x, board.class_digits_array()[0])


# Database trouble -----------------------------------------------------------------------------


def test_an_unreachable_postgresql_server_is_reported():
    url = f"postgresql+psycopg://student:hunter2@127.0.0.1:{closed_port()}/nothing"
    start = time.perf_counter()
    with pytest.raises(classroom.BoardUnavailableError, match="does not answer") as caught:
        classroom.open_board(url)
    assert time.perf_counter() - start < 10
    assert caught.value.reason == "unreachable"
    assert "hunter2" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)


def test_a_sqlite_file_that_cannot_be_opened_is_reported(tmp_path):
    with pytest.raises(classroom.BoardUnavailableError) as caught:
        classroom.open_board(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder.db'}")
    assert caught.value.reason == "no_folder"
    assert "folder.db" in str(caught.value)


def test_a_read_only_database_refuses_writes_but_still_reads(make_board, database_url):
    writable = make_board(limits=classroom.Limits(digit_interval_s=0))
    digit = writable.add_digit("s1", "Ada", digit_image(0), 0)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        read_only = f"sqlite:///file:{url.database}?mode=ro&uri=true"
    else:
        options = f"{url.query['options']} -cdefault_transaction_read_only=on"
        read_only = url.update_query_dict({"options": options}).render_as_string(False)
    board = classroom.open_board(read_only, teacher_password=PASSWORD)
    assert [d.id for d in board.list_digits()] == [digit]
    writes = [
        lambda: board.add_digit("s2", "Bob", digit_image(1), 1),
        lambda: board.submit_entry("s2", "Bob", **entry_fields()),
        lambda: board.remove_digit(PASSWORD, digit),
        lambda: board.clear_board(PASSWORD),
    ]
    for write in writes:
        with pytest.raises(classroom.BoardUnavailableError, match="read-only") as caught:
            write()
        assert caught.value.reason == "read_only"
    assert [d.id for d in writable.list_digits()] == [digit]


def test_every_call_reports_a_database_that_went_away(database_url, request):
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        board_url = database_url

        def go_away() -> None:  # the database's folder removed
            classroom.dispose_engines()
            shutil.rmtree(Path(url.database).parent)

    else:  # the network to the server goes down
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        request.addfinalizer(proxy.close)
        board_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        go_away = proxy.close
    board = classroom.open_board(board_url, teacher_password=PASSWORD)
    digit = board.add_digit("s1", "Ada", digit_image(0), 0)
    assert board.join("Ada") == "Ada"
    go_away()
    calls = {
        "join": lambda: board.join("Ada"),
        "add_digit": lambda: board.add_digit("s2", "Bob", digit_image(1), 1),
        "list_digits": lambda: board.list_digits(),
        "digit_counts": lambda: board.digit_counts(),
        "class_digits_array": lambda: board.class_digits_array(),
        "submit_entry": lambda: board.submit_entry("s2", "Bob", **entry_fields()),
        "leaderboard": lambda: board.leaderboard(),
        "remove_digit": lambda: board.remove_digit(PASSWORD, digit),
        "remove_entry": lambda: board.remove_entry(PASSWORD, 1),
        "clear_board": lambda: board.clear_board(PASSWORD),
        "export_npz": lambda: board.export_npz(PASSWORD),
        "open_board": lambda: classroom.open_board(board_url, teacher_password=PASSWORD),
    }
    # What the person running the app can act on: the folder is gone (SQLite), the server does
    # not answer or the connection broke (PostgreSQL).
    expected = (
        {"no_folder", "unavailable"}
        if url.get_backend_name() == "sqlite"
        else {
            "unreachable",
            "unavailable",
        }
    )
    for name, call in calls.items():
        with pytest.raises(classroom.BoardUnavailableError) as caught:
            call()
        assert caught.value.reason in expected, (name, caught.value.reason)


# Secrets in messages and logs ---------------------------------------------------------------

DB_SECRET = "hunter2-Db-Secret"


def everything_said(error: BaseException, caplog) -> str:
    """All a person could be shown or read of an error: its message, its whole traceback
    (every cause and context), and every log line so far."""
    return "\n".join([str(error), *traceback.format_exception(error), caplog.text])


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://ada:pw@db/x", "postgresql://ada:***@db/x"),
        (
            "postgresql://ada:pw@db/x?sslpassword=s&sslmode=require&password=q",
            "postgresql://ada:***@db/x?password=***&sslmode=require&sslpassword=***",
        ),
        (
            "postgresql://db/x?api_key=k&auth_token=t&PASSWD=p",
            "postgresql://db/x?PASSWD=***&api_key=***&auth_token=***",
        ),
        (
            "postgresql://db/x?client_secret=s&pwd=p&sslkey=/k.pem",
            "postgresql://db/x?client_secret=***&pwd=***&sslkey=***",
        ),
        ("postgresql://ada:p%40ss@db/x", "postgresql://ada:***@db/x"),
        (
            "postgresql://ada:pw@db/x?application_name=pw-app",
            "postgresql://ada:***@db/x?application_name=***",
        ),
        ("sqlite:////tmp/board.db", "sqlite:////tmp/board.db"),
        ("postgresql://admin:pw/db", "postgresql://***"),  # unparsable: the scheme only
        ("postgresql://ada:p@ss@db/x", "postgresql://***"),  # its host would hold "ss"
        ("not a url", "***"),
    ],
)
def test_describe_hides_the_password_and_secret_query_values(url, shown):
    assert classroom.describe(url) == shown
    assert classroom.describe(make_url(url) if "://db" in url else url) == shown


@pytest.mark.parametrize(
    ("url", "password"),
    [
        (f"postgresql://ada:{DB_SECRET}@db.example:5432/x", DB_SECRET),
        (f"postgresql://ada@db.example/x?password={DB_SECRET}", DB_SECRET),
        (f"postgresql://ada:{DB_SECRET}@db.example/x?sslpassword={DB_SECRET}", DB_SECRET),
        (f"postgresql://ada:{DB_SECRET}@db.example:notaport/x", DB_SECRET),  # unparsable
        (f"postgresql://admin:{DB_SECRET}/x", DB_SECRET),  # no host: it reads as the port
        (f"postgresql://ada:p@ss-{DB_SECRET}@db.example/x", f"p@ss-{DB_SECRET}"),  # not %40
        ("postgresql://ada:hunter%2F2%40Db@db.example/x", "hunter/2@Db"),  # percent-encoded
    ],
)
def test_redact_hides_every_form_of_a_urls_password(url, password):
    forms = {
        password,
        urllib.parse.quote(password, safe=""),
        urllib.parse.quote_plus(password),
        url,
    }
    message = " | ".join(
        [
            *forms,
            f"connection to {url} failed",
            f"invalid literal for int() with base 10: '{password}'",
            # What psycopg says of "user:p@ss-...@host": the host it tried.
            f"failed to resolve host '{password.partition('@')[2]}@db.example'",
        ]
    )
    redacted = classroom.redact(message, url)
    for form in forms:
        assert form not in redacted, (form, redacted)
    assert "hunter" not in redacted, redacted
    assert "***" in redacted
    assert classroom.redact("nothing secret here", url.replace("p@ss", "pw")).endswith("here")
    assert classroom.redact(f"a {DB_SECRET} b", None, "", DB_SECRET) == "a *** b"
    assert classroom.redact("the password is x://y", "x://y") == "the password is ***"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://ada:p@ss-{DB_SECRET}@127.0.0.1:5432/x",  # an "@" not written %40
        f"postgresql://ada:{DB_SECRET}@127.0.0.1:notaport/x",  # a bad port
        f"postgresql://admin:{DB_SECRET}/x",  # no host: the password reads as the port
        f"postgresql://ada:{DB_SECRET}@127.0.0.1:5432/x?port={DB_SECRET}",
        f"postgresql+nodriver://ada:{DB_SECRET}@127.0.0.1/x",
        f"mysql://ada:{DB_SECRET}@127.0.0.1/x",
    ],
    ids=["at-in-password", "bad-port", "no-host", "port-in-query", "no-dialect", "no-driver"],
)
def test_a_malformed_url_is_refused_without_its_password(url, caplog):
    """Before: the no-host and bad-port URLs raised a plain ValueError quoting the password
    ("invalid literal for int() with base 10: 'hunter2-Db-Secret'"), and "user:p@ss@host"
    showed "ss-..." as the host."""
    caplog.set_level(logging.DEBUG)
    with pytest.raises(classroom.BoardUnavailableError) as caught:
        classroom.open_board(url, teacher_password=PASSWORD)
    assert caught.value.reason == (
        "no_driver" if "mysql" in url or "nodriver" in url else "bad_url"
    )
    said = everything_said(caught.value, caplog)
    assert DB_SECRET not in said and "ss-hunter" not in said and PASSWORD not in said


def test_an_unreachable_postgresql_server_never_shows_or_logs_its_password(caplog):
    caplog.set_level(logging.DEBUG)
    url = (
        f"postgresql://student:{DB_SECRET}@127.0.0.1:{closed_port()}/nothing"
        f"?sslpassword={DB_SECRET}-ssl&application_name=cnn-lab"
    )
    with pytest.raises(classroom.BoardUnavailableError) as caught:
        classroom.open_board(url, teacher_password=PASSWORD)
    assert caught.value.reason == "unreachable"
    said = everything_said(caught.value, caplog)
    assert DB_SECRET not in said and PASSWORD not in said
    assert "127.0.0.1" in str(caught.value) and "sslpassword=***" in str(caplog.text)
    assert "Class board database" in caplog.text  # the failure is logged, redacted


def test_a_driver_error_quoting_the_password_is_redacted(monkeypatch, tmp_path, caplog):
    """A driver's first line may echo a connection value; a message never shows it."""
    caplog.set_level(logging.DEBUG)
    url = sqlalchemy.engine.URL.create(
        "sqlite", database=str(tmp_path / "board.db"), query={"password": DB_SECRET}
    )
    with pytest.warns(sqlalchemy.exc.SAWarning, match="not accepted by the pysqlite driver"):
        engine = sqlalchemy.create_engine(url)
    driver_error = Exception(f"bad option password={DB_SECRET}\nmore")
    with (
        pytest.raises(classroom.BoardUnavailableError) as caught,
        classroom.database.translate_errors(engine),
    ):
        raise sqlalchemy.exc.OperationalError("SELECT 1", {}, driver_error)
    assert DB_SECRET not in str(caught.value) and DB_SECRET not in caplog.text
    assert "password=***" in str(caught.value)


def test_no_message_or_log_line_of_a_failing_board_holds_a_password(database_url, request, caplog):
    """A board (with a database password, on PostgreSQL) whose database goes away: every
    refusal's message, traceback and log line is free of the database's and the teacher's
    passwords, on SQLite (the folder removed) and PostgreSQL (the network cut)."""
    caplog.set_level(logging.DEBUG)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        board_url = database_url

        def go_away() -> None:
            classroom.dispose_engines()
            shutil.rmtree(Path(url.database).parent)

    else:  # the test server trusts loopback: the password is sent and ignored
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        request.addfinalizer(proxy.close)
        board_url = url.set(host="127.0.0.1", port=proxy.port, password=DB_SECRET)
        board_url = board_url.update_query_dict({"sslpassword": f"{DB_SECRET}-ssl"})
        board_url = board_url.render_as_string(hide_password=False)
        go_away = proxy.close
    board = classroom.open_board(board_url, teacher_password=PASSWORD, wrong_password_delay=0)
    digit = board.add_digit("s1", "Ada", digit_image(0), 0)
    with pytest.raises(classroom.WrongPasswordError):
        board.clear_board(PASSWORD + "!")
    assert DB_SECRET not in repr(board) and PASSWORD not in repr(board)
    go_away()
    calls = [
        lambda: board.join("Ada"),
        lambda: board.add_digit("s2", "Bob", digit_image(1), 1),
        lambda: board.leaderboard(),
        lambda: board.remove_digit(PASSWORD, digit),
        lambda: board.clear_board(PASSWORD),
        lambda: board.export_npz(PASSWORD),
        lambda: classroom.open_board(board_url, teacher_password=PASSWORD),
    ]
    for call in calls:
        with pytest.raises(classroom.BoardUnavailableError) as caught:
            call()
        said = everything_said(caught.value, caplog)
        assert DB_SECRET not in said and PASSWORD not in said, said
    assert "Wrong teacher password" in caplog.text


def test_a_class_code_equal_to_the_teacher_password_is_not_logged(make_board, caplog):
    """A deployment that reuses its teacher password as the class code: the log lines that
    name the board do not write it out."""
    caplog.set_level(logging.DEBUG)
    board = make_board(class_code=PASSWORD, expected_code=PASSWORD)
    with pytest.raises(classroom.WrongPasswordError):
        board.check_teacher("guess")
    board.clear_board(PASSWORD)
    assert "Wrong teacher password" in caplog.text and "cleared" in caplog.text
    assert PASSWORD not in caplog.text and PASSWORD not in repr(board)
