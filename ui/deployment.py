"""What the deployment sets for a class: the class board's database, class code and teacher
password, and caps on training so a whole class gets through the queue.

Each setting comes from an environment variable or from Streamlit secrets
(`.streamlit/secrets.toml` locally, the app's settings on Community Cloud):

    [class_board]
    class_code = "ROOM-42"          # or CNN_LAB_CLASS_CODE; unset: one open board
    teacher_password = "..."        # or CNN_LAB_TEACHER_PASSWORD; unset: no teacher tools
    max_epochs = 3                  # or CNN_LAB_MAX_EPOCHS; a cap on every training
    max_train_digits = 20000        # or CNN_LAB_MAX_TRAIN_DIGITS; training digits used
    preset = "quick"                # or CNN_LAB_CLASS_PRESET; this preset for everyone

    [connections.class_board]
    url = "postgresql://user:password@host:5432/cnn_lab"   # or CNN_LAB_DATABASE_URL

The environment wins over secrets. Read once per script run (cheap), never cached, so a
changed secret applies at once. A setting that is wrong raises `ValueError` with a message
that holds neither the teacher password nor the database's password (`secret_values`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from classroom.database import ENV_VAR as DATABASE_ENV
from classroom.database import SECRET_QUERY_KEY, redact

SECTION = "class_board"  # the secrets section, and the st.connection name
ENV = {
    "class_code": "CNN_LAB_CLASS_CODE",
    "teacher_password": "CNN_LAB_TEACHER_PASSWORD",
    "max_epochs": "CNN_LAB_MAX_EPOCHS",
    "max_train_digits": "CNN_LAB_MAX_TRAIN_DIGITS",
    "preset": "CNN_LAB_CLASS_PRESET",
}


@dataclass(frozen=True)
class ClassSettings:
    """The deployment's class settings; None where unset.

    Attributes:
        class_code: the code students must type to join; None for one open board.
        teacher_password: unlocks the teacher's tools; None hides them.
        max_epochs: every training stops at this many epochs at most.
        max_train_digits: every training uses at most this many training digits.
        preset: the training preset everyone uses (the form is locked to it).
        database_url: the class board's database; None for the default (SQLite, or
            `CNN_LAB_DATABASE_URL`, which `classroom` reads itself).
    """

    class_code: str | None = None
    teacher_password: str | None = None
    max_epochs: int | None = None
    max_train_digits: int | None = None
    preset: str | None = None
    database_url: str | None = None


def _secrets_section(name: str) -> dict:
    try:
        section = st.secrets.get(name, {})
    except Exception:  # no secrets file, or a malformed one: the environment still works
        return {}
    return dict(section) if hasattr(section, "keys") else {}


def _positive_int(name: str, value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"{name} = {value!r}: expected a positive whole number.")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} = {value!r}: expected a positive whole number.") from None
    if number < 1:
        raise ValueError(f"{name} = {value!r}: expected a positive whole number.")
    return number


def _text(value) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def secret_values() -> list[str]:
    """What no message may show: the teacher password, and the class board database's URL and
    password, as the environment and the secrets give them (a URL stands for its password
    and secret query values too: see `classroom.database.redact`)."""
    board = _secrets_section(SECTION)
    connection = _secrets_section("connections").get(SECTION)
    connection = dict(connection) if isinstance(connection, Mapping) else {}
    query = connection.get("query")
    values = [
        os.environ.get(ENV["teacher_password"]),
        board.get("teacher_password"),
        os.environ.get(DATABASE_ENV),
        connection.get("url"),
        connection.get("password"),
    ]
    if isinstance(query, Mapping):
        values += [value for key, value in query.items() if SECRET_QUERY_KEY.search(str(key))]
    found = set()
    for value in values:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            found |= {str(value), str(value).strip()}
    return sorted((value for value in found if value), key=len, reverse=True)


def redact_settings(text: object) -> str:
    """`text` (e.g. an error's message) with the deployment's secrets hidden."""
    return redact(text, *secret_values())


def class_settings(*, database: bool = True) -> ClassSettings:
    """The settings in force now (environment first, then secrets).

    Args:
        database: also find the class board's database URL (which opens the `class_board`
            connection of secrets); False leaves `database_url` None, for pages that need
            only the caps.

    Raises:
        ValueError: a cap that is not a positive whole number, an unknown preset, or a
            `[connections.class_board]` that gives no database URL, named; the message holds
            no password (`redact_settings`).
    """
    problem = None
    try:
        return _read_settings(database=database)
    except ValueError as error:
        problem = redact_settings(error)
    # Raised outside `except`: the original message is not even kept as its __context__.
    raise ValueError(problem)


def _read_settings(*, database: bool) -> ClassSettings:
    secrets = _secrets_section(SECTION)
    values = {name: os.environ.get(variable) or secrets.get(name) for name, variable in ENV.items()}
    preset = _text(values["preset"])
    if preset is not None:
        from cnn.recipe import PRESETS

        if preset not in PRESETS:
            raise ValueError(f"{ENV['preset']} = {preset!r}: expected one of {', '.join(PRESETS)}.")
    return ClassSettings(
        class_code=_text(values["class_code"]),
        teacher_password=_text(values["teacher_password"]),
        max_epochs=_positive_int(ENV["max_epochs"], values["max_epochs"]),
        max_train_digits=_positive_int(ENV["max_train_digits"], values["max_train_digits"]),
        preset=preset,
        database_url=_database_url() if database else None,
    )


def _database_url() -> str | None:
    """`CNN_LAB_DATABASE_URL`, else the URL of the `class_board` SQL connection in secrets
    (read through `st.connection`, which builds its SQLAlchemy engine), else None.

    Raises:
        ValueError: the secrets' connection cannot be made (a malformed URL, a driver that is
            not installed, a field missing); what went wrong is said, its secrets hidden.
    """
    if os.environ.get(DATABASE_ENV, "").strip():
        return os.environ[DATABASE_ENV].strip()
    if not _secrets_section("connections").get(SECTION):
        return None
    problem = None
    try:
        connection = st.connection(SECTION, type="sql")
        return connection.engine.url.render_as_string(hide_password=False)
    except Exception as error:  # noqa: BLE001 (whatever it is, the page says it, redacted)
        problem = redact_settings(f"{type(error).__name__}: {error}")
    raise ValueError(
        f"[connections.{SECTION}] in the app's secrets gives no usable database URL "
        f'({problem}); expected e.g. url = "postgresql://user:password@host:5432/db".'
    )
