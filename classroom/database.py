"""Which database the board uses, one engine per URL, and transactions that fail cleanly.

Every database error (cannot connect, cannot open the file, read-only, tables gone) comes
out of `translate_errors` as a `BoardUnavailableError`, whose message names the database
without its password. Writes run in one transaction each; on SQLite that transaction starts
with BEGIN IMMEDIATE, so concurrent writers queue (WAL mode, busy timeout) instead of failing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url

from classroom.errors import BoardUnavailableError

ENV_VAR = "CNN_LAB_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_S = 30
POSTGRES_CONNECT_TIMEOUT_S = 5

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def default_sqlite_path() -> Path:
    """Where the board lives when no URL is given: `~/.cnn_lab/class_board.db`."""
    return Path.home() / ".cnn_lab" / "class_board.db"


def resolve_url(url: str | URL | None = None) -> URL:
    """The database URL the board uses.

    Args:
        url: a SQLAlchemy URL (e.g. from Streamlit secrets); when None, the environment
            variable `CNN_LAB_DATABASE_URL`; when that is unset or empty, SQLite in
            `~/.cnn_lab/class_board.db` (the folder is created). "postgres://" and
            "postgresql://" URLs get the psycopg (3) driver.

    Returns:
        The parsed URL.

    Raises:
        BoardUnavailableError: the URL cannot be parsed (reason "bad_url"), or the default
            folder cannot be created.
    """
    if url is None:
        url = os.environ.get(ENV_VAR, "").strip() or None
    if url is None:
        path = default_sqlite_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise BoardUnavailableError(
                f"Cannot create the class board's folder {path.parent}: {error.strerror}.",
                path=str(path.parent),
            ) from error
        return URL.create("sqlite", database=str(path))
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise BoardUnavailableError(
            f"The class board's database URL is not valid ({ENV_VAR} or the app's secrets): "
            "expected e.g. postgresql+psycopg://user:password@host/db or sqlite:///path.db.",
            "bad_url",
        ) from error
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def describe(url: URL) -> str:
    """The URL as a message may show it: the password hidden."""
    return url.render_as_string(hide_password=True)


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # the driver's own BEGIN off: ours is below
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe in WAL mode, far fewer fsyncs
    finally:
        cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("classroom_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def get_engine(url: URL) -> Engine:
    """The engine for `url`, created on first use and shared afterwards (one pool per URL).

    Raises:
        BoardUnavailableError: the driver is not installed or the URL is unusable.
    """
    key = url.render_as_string(hide_password=False)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is not None:
            return engine
        try:
            engine = _create_engine(url)
        except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as error:
            raise BoardUnavailableError(
                f"Cannot use the class board's database {describe(url)}: {error}.", "bad_url"
            ) from error
        _engines[key] = engine
        return engine


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
            pool_size=8,
            max_overflow=32,
            pool_timeout=60,
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    connect_args = {}
    if url.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    return create_engine(
        url,
        connect_args=connect_args,
        pool_pre_ping=True,
        pool_size=8,
        max_overflow=32,
        pool_timeout=60,
    )


def dispose_engines() -> None:
    """Close every pooled connection and forget the engines (tests; a server shutting down)."""
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


@contextmanager
def translate_errors(engine: Engine) -> Iterator[None]:
    """Turn the database's errors into `BoardUnavailableError`, with a message.

    Raises:
        BoardUnavailableError: the database could not be reached, opened or written.
    """
    dbapi_error = getattr(engine.dialect.loaded_dbapi, "Error", exc.DBAPIError)
    try:
        yield
    except (exc.DBAPIError, exc.TimeoutError, dbapi_error) as error:
        cause = getattr(error, "orig", None) or error
        first_line = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        readonly = "read-only" in first_line or "readonly" in first_line
        raise BoardUnavailableError(
            f"The class board's database {describe(engine.url)} is "
            f"{'read-only' if readonly else 'unavailable'}: {first_line}. "
            "Nothing was stored; try again later, or tell the person running the app.",
            "read_only" if readonly else "unavailable",
        ) from error


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed when the block ends, rolled back when it raises."""
    with (
        translate_errors(engine),
        engine.connect().execution_options(classroom_write=True) as conn,
        conn.begin(),
    ):
        yield conn


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction."""
    with translate_errors(engine), engine.connect() as conn, conn.begin():
        yield conn
