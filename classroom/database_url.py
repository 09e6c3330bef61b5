"""Which database the class board uses, and how a message may name it without its secrets.

`resolve_url` reads the URL from the argument, else `CNN_LAB_DATABASE_URL`, else SQLite in
`~/.cnn_lab/class_board.db`, and refuses one no board could share ("bad_url",
"memory_database", "no_folder"). `describe` shows a URL with its password and every
secret-named query value hidden; `redact` scrubs any text (a driver's error, a log line) of a
URL's secrets, even when the URL is malformed. Opening the database is `classroom.database`'s.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, quote_plus, unquote, urlsplit

from sqlalchemy.engine import URL, make_url

from classroom.errors import BoardUnavailableError

ENV_VAR = "CNN_LAB_DATABASE_URL"
HIDDEN = "***"
# Query-string parameters whose values are hidden: password, sslpassword, passfile, pwd,
# secret, token, api_key, sslkey, credentials... (a path hidden too is harmless).
SECRET_QUERY_KEY = re.compile(r"pass|pwd|secret|token|key|credential|auth", re.IGNORECASE)
_SCHEME = re.compile(r"^\s*([A-Za-z][\w+.-]*)://")
# Where to change the URL, as messages name it.
URL_SETTING = f"{ENV_VAR} or [connections.class_board] url in the app's secrets"

# Every database problem is logged under this one name, wherever it is found: the person
# running the app reads there why the class board cannot be used.
logger = logging.getLogger("classroom.database")


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
            raise logged(
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
            raise logged(
                BoardUnavailableError(
                    f"The class board's database URL {describe(url)} is not valid ({URL_SETTING}"
                    "): expected e.g. postgresql+psycopg://user:password@host/db or "
                    "sqlite:///path.db.",
                    "bad_url",
                )
            )
    if "@" in (parsed.host or ""):  # "user:p@ss@host": the host would show part of "p@ss"
        raise logged(
            BoardUnavailableError(
                f"The class board's database URL {parsed.drivername}://{HIDDEN} is not valid "
                f"({URL_SETTING}): its password holds an '@', which a URL must write as %40 "
                "(and '/' as %2F, ':' as %3A).",
                "bad_url",
            )
        )
    if _in_memory(parsed):
        raise logged(
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


def sqlite_file(url: URL) -> Path | None:
    """The SQLite file `url` names (also as a URI filename, file:/path?mode=ro)."""
    database = url.database or ""
    if database.startswith("file:"):
        database = unquote(urlsplit(database).path)
    return Path(database) if database and database != ":memory:" else None


def logged(error: BoardUnavailableError) -> BoardUnavailableError:
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
