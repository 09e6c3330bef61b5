"""Which database the board uses, one engine per URL, and transactions that fail cleanly.

Every database error (cannot connect, cannot open the file, read-only, tables gone) comes
out of `translate_errors` as a `BoardUnavailableError`, whose message names the database
without its secrets: `describe` hides the password and every secret-named query value, and
`redact` scrubs any text built from a driver's error of the URL's secrets, even when the URL
is malformed. Writes run in one transaction each; on SQLite that transaction starts with
BEGIN IMMEDIATE, so concurrent writers queue (WAL mode, busy timeout) instead of failing.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote

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
            raise BoardUnavailableError(
                f"The class board's database URL {describe(url)} is not valid ({ENV_VAR} or "
                "the app's secrets): expected e.g. postgresql+psycopg://user:password@host/db "
                "or sqlite:///path.db.",
                "bad_url",
            )
    if "@" in (parsed.host or ""):  # "user:p@ss@host": the host would show part of "p@ss"
        raise BoardUnavailableError(
            f"The class board's database URL {parsed.drivername}://{HIDDEN} is not valid: its "
            "password holds an '@', which a URL must write as %40 (and '/' as %2F, ':' as %3A).",
            "bad_url",
        )
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


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
        problem = None
        try:
            engine = _create_engine(url)
        except (exc.ArgumentError, exc.NoSuchModuleError, ImportError, ValueError) as error:
            problem = redact(error, url)
        # Raised outside `except`: the driver's error, which may quote the URL's secrets, is
        # not even its __context__.
        if problem is not None:
            raise BoardUnavailableError(
                f"Cannot use the class board's database {describe(url)}: {problem}.", "bad_url"
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
        first_line = redact(first_line, engine.url)
        readonly = "read-only" in first_line or "readonly" in first_line
        state = "read-only" if readonly else "unavailable"
        logger.warning("Class board database %s is %s: %s", describe(engine.url), state, first_line)
        raise BoardUnavailableError(
            f"The class board's database {describe(engine.url)} is {state}: {first_line}. "
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
