"""`classroom.database`: concurrent writers lose and duplicate nothing; a database that cannot
be reached, opened or written, or that goes away, is a `BoardUnavailableError` saying why;
no message, traceback or log line of a failing board holds a password. On SQLite and on a
real PostgreSQL server."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy
from board_helpers import (
    DB_SECRET,
    PASSWORD,
    TcpProxy,
    closed_port,
    digit_image,
    entry_fields,
    everything_said,
)
from sqlalchemy.engine import make_url

import classroom


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
