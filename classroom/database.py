"""Which database the board uses, one engine per URL, and transactions that fail cleanly.

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

Messages name the database without its secrets: `describe` hides the password and every
secret-named query value, and `redact` scrubs any text built from a driver's error of the
URL's secrets, even when the URL is malformed. Writes run in one transaction each; on SQLite
that transaction starts with BEGIN IMMEDIATE, so concurrent writers queue (WAL mode, busy
timeout) instead of failing.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, quote, quote_plus, unquote, urlsplit

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url

from classroom.errors import BoardUnavailableError

ENV_VAR = "CNN_LAB_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_S = 30
POSTGRES_CONNECT_TIMEOUT_S = 5
HIDDEN = "***"
# Query-string parameters whose values are hidden: password, sslpassword, passfile, pwd,
# secret, token, api_key, sslkey, credentials... (a path hidden too is harmless).
SECRET_QUERY_KEY = re.compile(r"pass|pwd|secret|token|key|credential|auth", re.IGNORECASE)
_SCHEME = re.compile(r"^\s*([A-Za-z][\w+.-]*)://")
# Where to change the URL, as messages name it.
URL_SETTING = f"{ENV_VAR} or [connections.class_board] url in the app's secrets"
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

logger = logging.getLogger(__name__)

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
        BoardUnavailableError: the URL cannot be parsed (reason "bad_url"), names SQLite in
            memory ("memory_database"), or the default folder cannot be created
            ("no_folder"). Each is written to the log too.
    """
    if url is None:
        url = os.environ.get(ENV_VAR, "").strip() or None
    if url is None:
        path = default_sqlite_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _logged(
                BoardUnavailableError(
                    f"Cannot create the class board's folder {path.parent}: {error.strerror}. "
                    f"Create it (writable by the app), or set {ENV_VAR} to another database.",
                    "no_folder",
                    folder=str(path.parent),
                )
            ) from error
        return URL.create("sqlite", database=str(path))
    if isinstance(url, URL):
        parsed = url
    else:
        # Nothing of the parser's error is kept, not even as __context__ (raised outside
        # `except`): it can quote the password, e.g. "invalid literal for int() with base 10:
        # 'hunter2'" for postgresql://admin:hunter2/db, a URL without its host.
        try:
            parsed = make_url(url)
        except Exception:  # noqa: BLE001 (ArgumentError, ValueError, TypeError: all "not valid")
            parsed = None
        if parsed is None:
            raise _logged(
                BoardUnavailableError(
                    f"The class board's database URL {describe(url)} is not valid ({URL_SETTING}"
                    "): expected e.g. postgresql+psycopg://user:password@host/db or "
                    "sqlite:///path.db.",
                    "bad_url",
                )
            )
    if "@" in (parsed.host or ""):  # "user:p@ss@host": the host would show part of "p@ss"
        raise _logged(
            BoardUnavailableError(
                f"The class board's database URL {parsed.drivername}://{HIDDEN} is not valid "
                f"({URL_SETTING}): its password holds an '@', which a URL must write as %40 "
                "(and '/' as %2F, ':' as %3A).",
                "bad_url",
            )
        )
    if _in_memory(parsed):
        raise _logged(
            BoardUnavailableError(
                f"The class board's database {describe(parsed)} is SQLite in memory: each "
                "connection would get its own empty database, so the class would not share one "
                "board (and it would vanish with the app). Use a file, e.g. "
                f"sqlite:///class_board.db, or PostgreSQL ({URL_SETTING}).",
                "memory_database",
            )
        )
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _in_memory(url: URL) -> bool:
    """Whether `url` is SQLite in memory (or SQLite's private temporary file, for "")."""
    if url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        return True
    if database.startswith("file:"):  # a URI filename (uri=true): file::memory:, ?mode=memory
        parts = urlsplit(database)
        return parts.path in ("", ":memory:") or "memory" in parse_qs(parts.query).get("mode", [])
    return False


def _sqlite_file(url: URL) -> Path | None:
    """The SQLite file `url` names (also as a URI filename, file:/path?mode=ro)."""
    database = url.database or ""
    if database.startswith("file:"):
        database = unquote(urlsplit(database).path)
    return Path(database) if database and database != ":memory:" else None


def _logged(error: BoardUnavailableError) -> BoardUnavailableError:
    """`error`, written to the server's log first: the person running the app reads there
    why the class board cannot be used (its message holds no secrets)."""
    logger.warning("Class board database problem (%s): %s", error.reason, error)
    return error


def describe(url: URL | str) -> str:
    """The URL as a message may show it: the password and every secret-named query value
    (password, sslpassword, token, ...) shown as ***.

    Args:
        url: a parsed URL, or text (a URL that cannot be parsed shows as its scheme only).

    Example:
        >>> describe("postgresql://ada:pw@db.example/class?sslpassword=x&sslmode=require")
        'postgresql://ada:***@db.example/class?sslmode=require&sslpassword=***'
    """
    if not isinstance(url, URL):
        try:
            url = make_url(url)
        except Exception:  # noqa: BLE001 (unparsable: nothing of it but the scheme is shown)
            scheme = _SCHEME.match(str(url))
            return f"{scheme.group(1)}://{HIDDEN}" if scheme else HIDDEN
    if "@" in (url.host or ""):  # "user:p@ss@host": the host holds part of the password
        return f"{url.drivername}://{HIDDEN}"
    shown = url.set(query={}).render_as_string(hide_password=True)
    password = str(url.password or "")
    query = [
        f"{quote_plus(key)}="
        + (
            HIDDEN
            if SECRET_QUERY_KEY.search(key) or (password and password in value)
            else quote_plus(value)
        )
        for key in sorted(url.query)
        for value in _values(url.query[key])
    ]
    return f"{shown}?{'&'.join(query)}" if query else shown


def _values(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _url_texts(url: URL | str) -> tuple[set[str], set[str]]:
    """The URL's whole texts (as written, as rendered with its password) and its secrets."""
    wholes = {url} if isinstance(url, str) else set()
    secrets: set[str] = set()
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
    except Exception:  # noqa: BLE001 (an unparsable URL: only its raw candidates below)
        parsed = None
    if parsed is not None:
        wholes.add(parsed.render_as_string(hide_password=False))
        if parsed.password is not None:
            secrets.add(str(parsed.password))
        for key, value in parsed.query.items():
            if SECRET_QUERY_KEY.search(key):
                secrets.update(_values(value))
    for whole in wholes:
        rest = whole.split("://", 1)[1] if "://" in whole else whole
        candidates = [rest.rpartition("@")[0], rest.partition("@")[0]]
        if parsed is None:  # no "user:" known: what follows a ":" might be the password
            candidates.append(rest.split("/", 1)[0])
        secrets.update(part.split(":", 1)[1] for part in candidates if ":" in part)
    for secret in list(secrets):  # "p@ss": "ss" is what a driver shows as part of the host
        pieces = secret.split("@")
        secrets.update("@".join(pieces[index:]) for index in range(1, len(pieces)))
    for secret in list(secrets):
        secrets |= {unquote(secret), quote(secret, safe=" +"), quote(secret, safe="")}
        secrets.add(quote_plus(secret))
    return {whole for whole in wholes if whole}, {secret for secret in secrets if secret}


def url_secrets(url: URL | str) -> list[str]:
    """Every text of `url` a message must not show, longest first: the URL itself as written
    and rendered, its password and its secret-named query values, each as written and
    percent-encoded.

    A URL that cannot be parsed, or that is malformed (an "@" in its password), gives its
    candidate passwords too: what lies between "user:" and the last "@", or the first.
    """
    wholes, secrets = _url_texts(url)
    return sorted(wholes | secrets, key=len, reverse=True)


def redact(text: object, *secrets: str | URL | None) -> str:
    """`text` (or `str(text)`) with every secret in it hidden.

    Args:
        text: a message, e.g. a driver's error.
        secrets: passwords, and database URLs. A URL (parsed, or text with "://") reads as
            `describe(url)`, and its password and secret query values as ***, even when it
            is malformed (see `url_secrets`). None and "" are skipped.

    Returns:
        The text, safe to show or log.

    Example:
        >>> redact("login as ada/hunter2 failed", "hunter2")
        'login as ada/*** failed'
        >>> redact("cannot open postgresql://ada:pw@db/x", "postgresql://ada:pw@db/x")
        'cannot open postgresql://ada:***@db/x'
    """
    replacements: dict[str, str] = {}
    for secret in secrets:
        if secret is None or secret == "":
            continue
        if isinstance(secret, URL) or "://" in secret:
            wholes, parts = _url_texts(secret)
            replacements.update(dict.fromkeys(parts, HIDDEN))
            shown = describe(secret)
            # Text that describes as itself may be a password that merely looks like a URL
            # ("x://y"): hidden whole. A parsed URL is never a password: it reads as itself.
            if isinstance(secret, str) and shown == secret.strip():
                shown = HIDDEN
            replacements.update(dict.fromkeys(wholes, shown))
        else:
            replacements[str(secret)] = HIDDEN
    text = str(text)
    if not replacements:
        return text
    # One pass, longest first: what a replacement puts in is never searched again.
    olds = sorted(replacements, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(old) for old in olds))
    return pattern.sub(lambda match: replacements[match.group(0)], text)


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
            raise _logged(
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
            raise _logged(
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
        raise _logged(_database_problem(engine.url, text)) from error


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
    if backend == "sqlite" and (path := _sqlite_file(url)) is not None:
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
