"""`classroom.database_url`: which database the board uses (argument, environment, the default
SQLite file) and how a message names it: `describe` and `redact` hide every form of its
secrets, and a malformed URL is refused without them."""

from __future__ import annotations

import logging
import urllib.parse

import pytest
import sqlalchemy
from board_helpers import DB_SECRET, PASSWORD, digit_image, everything_said
from sqlalchemy.engine import make_url

import classroom


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
