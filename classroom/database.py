"""Opening the class board's database: one engine per URL, and transactions that fail cleanly.

Every database error comes out as a `BoardUnavailableError` whose `reason` says what is wrong,
so the person running the app can fix it (each is also written to the server's log):

    bad_url          the URL cannot be parsed
    memory_database  SQLite in memory: each connection would get its own empty database
    no_driver        no SQLAlchemy dialect or driver for the URL (mysql://, postgresql+x://)
    no_folder        the SQLite file's folder does not exist or cannot be written
    not_a_database   the SQLite file is something else
    read_only        the database (file, folder or transaction) refuses writes
    no_database      the PostgreSQL server has no database of that name
    auth_failed      the PostgreSQL server refused the user name or password
    unreachable      the server does not answer (refused, unknown host, timeout)
    unavailable      anything else (a lost connection, a lock held too long, tables gone)

The URL's own refusals ("bad_url", "memory_database", a default folder that cannot be made)
come from `classroom.database_url`, which also names the database without its secrets
(`describe`, `redact`); its names are importable from here too. Writes run in one transaction
each; on SQLite that transaction starts with BEGIN IMMEDIATE, so concurrent writers queue (WAL
mode, busy timeout) instead of failing.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import URL

from classroom.database_url import (  # noqa: F401 (the URL's names: importable from here too)
    ENV_VAR,
    HIDDEN,
    SECRET_QUERY_KEY,
    URL_SETTING,
    default_sqlite_path,
    describe,
    logged,
    redact,
    resolve_url,
    sqlite_file,
    url_secrets,
)
from classroom.errors import BoardUnavailableError

SQLITE_BUSY_TIMEOUT_S = 30
POSTGRES_CONNECT_TIMEOUT_S = 5
# libpq's own words: its connection errors carry no SQLSTATE. Tried in this order, since a
# host that resolves to two addresses may be refused on one and reject the password on the
# other. A server whose lc_messages is not English reads as "unavailable".
_NO_DATABASE = re.compile(r'database "[^"]*" does not exist')
_AUTH_FAILED = re.compile(
    r"password authentication failed|authentication failed for user|no password supplied"
    r"|role \"[^\"]*\" does not exist|no pg_hba\.conf entry"
    r"|server requested .*(password|authentication)|channel binding required",
    re.IGNORECASE,
)
_UNREACHABLE = re.compile(
    r"connection refused|could not translate host name|failed to resolve host"
    r"|name or service not known|timeout expired|timed out|no route to host"
    r"|network is unreachable|could not connect to server|no such file or directory"
    r"|is the server running",
    re.IGNORECASE,
)

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # the driver's own BEGIN off: ours is below
    cursor = dbapi_connection.cursor()
    try:
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe in WAL mode, far fewer fsyncs
    finally:
        cursor.close()


def _use_wal(cursor, timeout_s: float = SQLITE_BUSY_TIMEOUT_S) -> None:
    """Switch the database to WAL mode (once per file: the mode is kept in the file).

    Switching takes an exclusive lock, and SQLite answers "database is locked" at once, not
    after the busy timeout, when another connection holds the file meanwhile: two servers
    creating a new board at the same moment. So the mode is read first (a file already in
    WAL mode needs no lock), and a locked switch is tried again, with backoff, for up to
    `timeout_s` seconds.
    """
    deadline = time.monotonic() + timeout_s
    delay = 0.005
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(2 * delay, 0.25)


def _sqlite_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("classroom_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def get_engine(url: URL) -> Engine:
    """The engine for `url`, created on first use and shared afterwards (one pool per URL).

    Raises:
        BoardUnavailableError: SQLAlchemy has no dialect or driver for the URL, e.g. mysql://
            without its driver or postgresql+nosuchdriver:// (reason "no_driver"), or the URL
            is otherwise unusable ("bad_url"). Each is written to the log too.
    """
    key = url.render_as_string(hide_password=False)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is not None:
            return engine
        problem = missing = None
        try:
            engine = _create_engine(url)
        except (exc.NoSuchModuleError, ImportError) as error:
            missing = redact(error, url)
        except (exc.ArgumentError, ValueError) as error:
            problem = redact(error, url)
        # Raised outside `except`: the driver's error, which may quote the URL's secrets, is
        # not even its __context__.
        if missing is not None:
            raise logged(
                BoardUnavailableError(
                    f"Cannot use the class board's database {describe(url)}: there is no "
                    f"driver for {url.drivername!r} here ({missing}). This app ships with "
                    "sqlite:/// and postgresql+psycopg:// (postgresql:// and postgres:// use "
                    f"psycopg too): change the URL ({URL_SETTING}) or install that driver.",
                    "no_driver",
                    driver=redact(url.drivername, url),
                )
            )
        if problem is not None:
            raise logged(
                BoardUnavailableError(
                    f"Cannot use the class board's database {describe(url)}: {problem}. "
                    f"Correct the URL ({URL_SETTING}).",
                    "bad_url",
                )
            )
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
    """Turn the database's errors into `BoardUnavailableError`: its reason says what is
    wrong (see the module's docstring), its message what to do; it is logged too.

    Raises:
        BoardUnavailableError: the database could not be reached, opened or written.
    """
    dbapi_error = getattr(engine.dialect.loaded_dbapi, "Error", exc.DBAPIError)
    try:
        yield
    except (exc.DBAPIError, exc.TimeoutError, dbapi_error) as error:
        cause = getattr(error, "orig", None) or error
        text = redact(str(cause).strip() or type(cause).__name__, engine.url)
        raise logged(_database_problem(engine.url, text)) from error


def _database_problem(url: URL, driver_text: str) -> BoardUnavailableError:
    """What is wrong with the database at `url`, read from its driver's error.

    Args:
        url: the database's URL.
        driver_text: the driver's error message, its secrets already redacted.

    Returns:
        The error to raise; its message names the database without its secrets.
    """
    first_line = driver_text.splitlines()[0] if driver_text.strip() else "error"
    shown = describe(url)
    backend = url.get_backend_name()
    if "read-only" in first_line or "readonly" in first_line:
        return BoardUnavailableError(
            f"The class board's database {shown} is read-only: {first_line}. Nothing was "
            "stored; give the app's user write access to the database (on SQLite: the file "
            "and its folder).",
            "read_only",
        )
    if backend == "sqlite" and (path := sqlite_file(url)) is not None:
        folder = path.parent
        if "unable to open database file" in first_line and not _writable_folder(folder):
            return BoardUnavailableError(
                f"The class board's SQLite file {path} cannot be opened or created: its folder "
                f"{folder} does not exist or cannot be written. Create the folder (writable "
                f"by the app), or point the URL ({URL_SETTING}) at one that exists.",
                "no_folder",
                folder=redact(folder, url),
            )
        if "file is not a database" in first_line:
            return BoardUnavailableError(
                f"The class board's SQLite file {path} is not a SQLite database: point the "
                f"URL ({URL_SETTING}) at a new file, or at the board's own.",
                "not_a_database",
                file=redact(path, url),
            )
    if backend == "postgresql":
        server = f"{url.host or 'localhost'}:{url.port or 5432}"
        name = url.database or url.username or ""  # libpq's default: the user's name
        if _NO_DATABASE.search(driver_text):
            return BoardUnavailableError(
                f"The class board's database {shown} does not exist on the server {server}: "
                f"create it (createdb {name}) or correct its name in the URL "
                f"({URL_SETTING}). The server said: {first_line}.",
                "no_database",
                database=redact(name, url),
            )
        if _AUTH_FAILED.search(driver_text):
            return BoardUnavailableError(
                f"The database server {server} refused the class board's login as "
                f"{url.username!r} ({shown}): {first_line}. Correct the user name or password "
                f"in the URL ({URL_SETTING}), or the server's pg_hba.conf.",
                "auth_failed",
                user=redact(url.username or "", url),
            )
        if _UNREACHABLE.search(driver_text):
            return BoardUnavailableError(
                f"The class board's database server {server} does not answer ({shown}): "
                f"{first_line}. Start the server, or correct the host and port in the URL "
                f"({URL_SETTING}).",
                "unreachable",
                server=redact(server, url),
            )
    return BoardUnavailableError(
        f"The class board's database {shown} is unavailable: {first_line}. Nothing was "
        "stored; try again later, or tell the person running the app.",
        "unavailable",
    )


def _writable_folder(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


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
