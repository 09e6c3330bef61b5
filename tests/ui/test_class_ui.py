"""The class board's UI helpers without a running app: nicknames escaped for Markdown, every
refusal of the `classroom` package in both languages, and the deployment's class settings."""

from __future__ import annotations

import ast
import math
import re
import socket
import sqlite3
import types
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy
import streamlit
from markdown_it import MarkdownIt

import classroom
import ui.text
from classroom import validation
from cnn.recipe import PRESETS
from ui.classboard import escape
from ui.deployment import ENV, class_settings
from ui.errors import error_text
from ui.i18n import TEXT, translate

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
# Reasons with no `class.error_` key, and what the app shows instead:
# - a `BoardUnavailableError` whose reason has no text (a newer schema) is shown as
#   "unavailable" (`error_text` maps it); every database problem the person running the app
#   can fix has its own text (tests/classroom/test_operator_errors.py builds each for real);
# - "bad_session" is a programming error (the app makes the session id), and "invalid",
#   "limit", "error" are only the base classes' defaults: the library's English message.
SHOWN_AS_UNAVAILABLE: set[str] = set()  # every database problem has its own text now
PER_KIND = {"board_full": ("digits", "entries", "students")}  # a text per kind of row
ENGLISH_FALLBACK = {"bad_session", "invalid", "limit", "error"}


# --- escape ---------------------------------------------------------------------------------


def render(markdown: str) -> str:
    """HTML as a CommonMark renderer that allows raw HTML makes it (stricter than Streamlit)."""
    return MarkdownIt("commonmark").render(markdown)


@pytest.mark.parametrize(
    "text",
    [
        "**bold** _it_ `code`",
        "[link](http://example.com)",
        "<b>tag</b><script>x</script>",
        "# heading",
        "- item",
        "1. item",
        "> quote",
        "![img](http://e/x.png)",
        "a | b",
        "~~gone~~",
        "\\*still star\\*",
    ],
)
def test_escape_shows_markdown_and_html_as_text(text):
    html = render(escape(text))
    for tag in (
        "<strong",
        "<em",
        "<code",
        "<a ",
        "<b>",
        "<script",
        "<h1",
        "<li",
        "<blockquote",
        "<img",
        "<del",
    ):
        assert tag not in html, (text, html)
    assert html.startswith("<p>") and html.count("<p>") == 1, html
    # What a reader sees is the text itself.
    shown = re.sub(r"<[^>]+>", "", html).strip()
    shown = shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert shown.replace("&quot;", '"') == text


@pytest.mark.parametrize("special", list("\\`*_{}[]()#+-.!|<>~$:&"))
def test_escape_backslashes_every_special_character(special):
    assert escape(f"a{special}b") == f"a\\{special}b"


def test_escape_leaves_plain_text_and_streamlit_directives_inert():
    assert escape("Ada 42 李雷") == "Ada 42 李雷"
    assert escape(123) == "123"
    # Streamlit's own Markdown: colours, icons, emoji shortcodes and LaTeX.
    for text in (":red[x]", ":material/home:", ":smile:", "$x^2$"):
        escaped = escape(text)
        assert ":" not in escaped.replace("\\:", "") and "$" not in escaped.replace("\\$", "")


# --- error_text ---------------------------------------------------------------------------


def raised_reasons() -> set[str]:
    """Every reason the classroom package can raise, read from its source: the classes'
    `default_reason` and each reason given to an error (second argument or `reason=`)."""
    reasons = set()
    for path in sorted((ROOT / "classroom").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "default_reason"
                for target in node.targets
            ):
                reasons.add(node.value.value)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "").endswith("Error"):
                given = node.args[1:2] + [k.value for k in node.keywords if k.arg == "reason"]
                for value in given:
                    reasons |= {
                        leaf.value
                        for leaf in ast.walk(value)
                        if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str)
                    }
    return reasons


def test_every_reason_has_a_translation_or_a_documented_fallback():
    reasons = raised_reasons()
    assert {"wrong_password", "too_fast", "read_only", "schema_newer"} <= reasons  # the scan works
    keyed = {key.removeprefix("class.error_") for key in TEXT if key.startswith("class.error_")}
    for reason, kinds in PER_KIND.items():
        per_kind = {f"{reason}_{kind}" for kind in kinds}
        assert per_kind <= keyed, reason
        keyed = (keyed - per_kind) | {reason}
    assert reasons - keyed == SHOWN_AS_UNAVAILABLE | ENGLISH_FALLBACK
    assert not keyed - reasons, "translations of reasons the package never raises"


def tables_dropped(url: str) -> classroom.Board:
    """A board on a copy of the database at `url` whose tables were then dropped (the board
    was opened before: the next call finds no tables)."""
    path = sqlalchemy.engine.make_url(url).database
    copy = f"{path}.copy.db"
    with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    board = classroom.open_board(f"sqlite:///{copy}")
    with sqlite3.connect(copy) as conn:
        tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        for (name,) in tables:
            if name.startswith("classroom_"):
                conn.execute(f'DROP TABLE "{name}"')
    return board


def caught(call, *args, **kwargs) -> classroom.ClassroomError:
    with pytest.raises(classroom.ClassroomError) as info:
        call(*args, **kwargs)
    return info.value


def entry(**changes) -> dict:
    fields = dict(
        test_accuracy=0.9,
        class_accuracy=None,
        params=1,
        epochs=1,
        seconds=1.0,
        recipe={},
        kind="cnn",
    )
    return fields | changes


@pytest.fixture
def board_errors(tmp_path) -> dict[str, classroom.ClassroomError]:
    """One real error of the classroom package per reason it raises."""
    url = f"sqlite:///{tmp_path / 'board.db'}"
    board = classroom.open_board(
        url,
        teacher_password="pw",
        wrong_password_delay=0,
        limits=classroom.Limits(digits_per_student=1, digit_interval_s=60),
    )
    full = classroom.open_board(url, limits=classroom.Limits(digits_per_board=1))
    locking = classroom.open_board(
        url,
        class_code="LOCK",
        expected_code=["LOCK"],
        teacher_password="pw",
        wrong_password_delay=0,
        limits=classroom.Limits(teacher_attempts=1),
    )
    no_teacher = classroom.open_board(url, wrong_password_delay=0)
    board.add_digit("s1", "Ada", np.zeros((28, 28)), 1)
    board.submit_entry("s1", "Ada", **entry())
    quick = classroom.open_board(url, limits=classroom.Limits(digit_interval_s=60))
    quick.add_digit("s2", "Bob", np.zeros((28, 28)), 2)
    read_only = classroom.open_board(f"sqlite:///file:{tmp_path / 'board.db'}?mode=ro&uri=true")
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("not a database, " * 100)
    found = {
        # A lone surrogate: join let it through, then the database raised UnicodeEncodeError.
        "bad_nickname": caught(board.join, "a\ud800"),
        "nickname_empty": caught(validation.nickname, "   "),
        "nickname_too_long": caught(validation.nickname, "x" * 30),
        "bad_image": caught(validation.image_bytes, np.array(["a"])),
        "image_shape": caught(validation.image_bytes, np.zeros((3, 3))),
        "image_range": caught(validation.image_bytes, np.full((28, 28), 2.0)),
        "bad_label": caught(validation.label, 12),
        "bad_session": caught(validation.session_id, ""),
        "class_code_required": caught(classroom.open_board, url, expected_code="ROOM-A"),
        "wrong_class_code": caught(
            classroom.open_board, url, class_code="ROOM-B", expected_code="ROOM-A"
        ),
        # 2**63: the database raised OverflowError before validation refused it.
        "bad_entry": caught(board.submit_entry, "s3", "Ada", **entry(params=2**63)),
        "bad_id": caught(board.remove_digit, "pw", "7"),
        "bad_switch": caught(board.set_class_training, "pw", "no"),
        "bad_step": caught(board.record_answer, "s1", "Ada", "Step 1", True),
        "bad_answer": caught(board.record_answer, "s1", "Ada", "local", "yes"),
        "wrong_password": caught(board.check_teacher, "PW"),
        "teacher_disabled": caught(no_teacher.check_teacher, "pw"),
        "student_quota": caught(board.add_digit, "s1", "Ada", np.zeros((28, 28)), 1),
        "nickname_taken": caught(board.claim, "Ada"),
        "board_full": caught(full.add_digit, "s9", "Dee", np.zeros((28, 28)), 4),
        "teacher_locked": caught(
            lambda: [caught(locking.check_teacher, "x"), locking.check_teacher("pw")]
        ),
        "schema_unknown": classroom.BoardUnavailableError("v0", "schema_unknown", found=0),
        "too_fast": caught(quick.add_digit, "s2", "Bob", np.zeros((28, 28)), 2),
        "read_only": caught(read_only.add_digit, "s4", "Cleo", np.zeros((28, 28)), 3),
        "unavailable": caught(tables_dropped(url).digit_counts),
        "no_folder": caught(classroom.open_board, "sqlite:////nonexistent-cnn-lab/x/board.db"),
        "not_a_database": caught(classroom.open_board, f"sqlite:///{not_sqlite}"),
        "memory_database": caught(classroom.open_board, "sqlite:///:memory:"),
        "bad_url": caught(classroom.open_board, "not a url ::"),
        "no_driver": caught(classroom.open_board, "postgresql+nosuchdriver://ada@127.0.0.1/x"),
        "unreachable": caught(
            classroom.open_board, f"postgresql://ada@127.0.0.1:{closed_port()}/x"
        ),
        # Real ones need a PostgreSQL server: tests/classroom/test_operator_errors.py.
        "no_database": classroom.BoardUnavailableError("none", "no_database", database="class"),
        "auth_failed": classroom.BoardUnavailableError("refused", "auth_failed", user="ada"),
        "schema_newer": classroom.BoardUnavailableError(
            "newer", "schema_newer", found=9, supported=2
        ),
        "invalid": classroom.InvalidInputError("Not right."),
        "limit": classroom.LimitExceededError("Too much."),
        "error": classroom.ClassroomError("Something."),
    }
    yield found
    classroom.dispose_engines()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_error_text_for_every_reason(monkeypatch, board_errors, language):
    monkeypatch.setattr(ui.text, "language", lambda: language)
    for reason, error in board_errors.items():
        assert error.reason == reason, (reason, error)
    assert set(board_errors) == raised_reasons()  # every reason is made above
    for reason, error in board_errors.items():
        text = error_text(error)
        if reason in ENGLISH_FALLBACK:
            assert text == str(error), reason
            continue
        shown = "unavailable" if reason in SHOWN_AS_UNAVAILABLE else reason
        if reason in PER_KIND:
            shown = f"{reason}_{error.details['kind']}"
        details = dict(error.details)
        if "retry_after" in details:  # shown in whole seconds, at least 1
            details["retry_after"] = max(1, math.ceil(details["retry_after"]))
        assert text == translate(f"class.error_{shown}", language, **details), reason
        assert bool(CJK.search(text)) is (language == "zh"), (reason, text)
    # The limits' numbers reach the message.
    assert "60" in error_text(board_errors["too_fast"])
    assert "24" in error_text(board_errors["nickname_too_long"])
    assert "30" in error_text(board_errors["nickname_too_long"])
    assert "1" in error_text(board_errors["student_quota"])
    assert "Ada" in error_text(board_errors["nickname_taken"])


def test_error_text_of_a_plain_value_error_is_its_message(monkeypatch):
    monkeypatch.setattr(ui.text, "language", lambda: "zh")
    assert error_text(ValueError("CNN_LAB_MAX_EPOCHS = 'x'")) == "CNN_LAB_MAX_EPOCHS = 'x'"


# --- no password in what the page shows -------------------------------------------------------

TEACHER_SECRET = "s3cret-Teacher-pw"
DB_SECRET = "hunter2-Db-Secret"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_real_database_failure_reads_without_a_password(monkeypatch, language, tmp_path):
    """Real failing engines, a password in each URL: the page's text is the translation."""
    monkeypatch.setattr(ui.text, "language", lambda: language)
    port = closed_port()
    urls = {
        f"postgresql://student:{DB_SECRET}@127.0.0.1:{port}/x?sslpassword={DB_SECRET}": (
            "unreachable",
            {"server": f"127.0.0.1:{port}"},
        ),
        f"postgresql://student:{DB_SECRET}@127.0.0.1:notaport/x": ("bad_url", {}),
        f"postgresql://student:p@ss-{DB_SECRET}@127.0.0.1/x": ("bad_url", {}),
        f"mysql://student:{DB_SECRET}@127.0.0.1/x": ("no_driver", {"driver": "mysql"}),
        f"sqlite:///{tmp_path / 'no' / 'such' / 'folder.db'}": (
            "no_folder",
            {"folder": str(tmp_path / "no" / "such")},
        ),
    }
    for url, (reason, details) in urls.items():
        error = caught(classroom.open_board, url, teacher_password=TEACHER_SECRET)
        shown = error_text(error)
        assert shown == translate(f"class.error_{reason}", language, **details), url
        for text in (shown, str(error)):
            assert DB_SECRET not in text and TEACHER_SECRET not in text, text
    classroom.dispose_engines()


@pytest.fixture
def deployment(secrets, monkeypatch):
    """A deployment with a teacher password in the environment and a database URL with a
    password in secrets; `st.connection` builds its engine as Streamlit's SQLConnection does
    (`create_engine(url)`), since the test has no secrets.toml for the real one to read."""
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", TEACHER_SECRET)
    secrets["connections"] = {"class_board": {"url": f"postgresql://ada:{DB_SECRET}@db/x"}}

    def connection(name: str, type: str):  # noqa: A002 (st.connection's own argument name)
        assert (name, type) == ("class_board", "sql")
        url = secrets["connections"][name]["url"]
        return types.SimpleNamespace(engine=sqlalchemy.create_engine(url))

    monkeypatch.setattr(streamlit, "connection", connection)
    return secrets


def test_error_text_hides_the_deployments_secrets(monkeypatch, deployment):
    monkeypatch.setattr(ui.text, "language", lambda: "en")
    url = deployment["connections"]["class_board"]["url"]
    for error in (
        classroom.ClassroomError(f"Something about {TEACHER_SECRET}."),  # no translation
        ValueError(f"Cannot use {url}: password {DB_SECRET} refused."),
        classroom.InvalidInputError(f"{urllib.parse.quote(DB_SECRET)} and {TEACHER_SECRET}"),
    ):
        shown = error_text(error)
        assert TEACHER_SECRET not in shown and DB_SECRET not in shown, shown
        assert "***" in shown
    assert "postgresql://ada:***@db/x" in error_text(ValueError(f"Cannot use {url}."))


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://admin:{DB_SECRET}/x",  # no host: the password reads as the port
        f"postgresql://ada:{DB_SECRET}@db:notaport/x",
        f"mysql://ada:{DB_SECRET}@db/x",  # a driver that is not installed
        f"postgresql+nodriver://ada:{DB_SECRET}@db/x",
        f"postgresql://ada:{DB_SECRET}@db/x?port={DB_SECRET}",
    ],
    ids=["no-host", "bad-port", "no-driver", "no-dialect", "port-in-query"],
)
def test_a_database_url_in_secrets_that_fails_is_a_setting_error_without_its_password(
    deployment, url
):
    """Before: "invalid literal for int() with base 10: 'hunter2-Db-Secret'" reached the
    page as the setting error, and a missing driver escaped as a traceback."""
    deployment["connections"]["class_board"]["url"] = url
    with pytest.raises(ValueError, match=r"connections\.class_board") as info:
        class_settings()
    assert DB_SECRET not in str(info.value)
    assert info.value.__context__ is None and info.value.__cause__ is None
    assert class_settings(database=False).teacher_password == TEACHER_SECRET


def test_a_setting_error_never_quotes_the_teacher_password(monkeypatch, deployment):
    monkeypatch.setenv("CNN_LAB_MAX_EPOCHS", TEACHER_SECRET)  # pasted in the wrong variable
    with pytest.raises(ValueError, match="CNN_LAB_MAX_EPOCHS") as info:
        class_settings(database=False)
    assert TEACHER_SECRET not in str(info.value) and "***" in str(info.value)


# --- class_settings -----------------------------------------------------------------------


@pytest.fixture
def secrets(monkeypatch):
    """No class settings in the environment; Streamlit secrets are the dict returned."""
    for variable in [*ENV.values(), classroom.ENV_VAR]:
        monkeypatch.delenv(variable, raising=False)
    found: dict = {}
    monkeypatch.setattr(streamlit, "secrets", found)
    return found


def test_nothing_set_is_an_open_board_without_caps(secrets):
    assert class_settings() == class_settings(database=False)
    settings = class_settings()
    assert (settings.class_code, settings.teacher_password, settings.preset) == (None,) * 3
    assert (settings.max_epochs, settings.max_train_digits, settings.database_url) == (None,) * 3


def test_settings_from_secrets(secrets):
    secrets["class_board"] = {
        "class_code": " ROOM-42 ",
        "teacher_password": "pw",
        "max_epochs": 3,
        "max_train_digits": 20000.0,
        "preset": "quick",
    }
    settings = class_settings()
    assert settings.class_code == "ROOM-42" and settings.teacher_password == "pw"
    assert settings.max_epochs == 3 and settings.max_train_digits == 20000
    assert settings.preset == "quick"


def test_the_environment_wins_over_secrets(monkeypatch, secrets):
    secrets["class_board"] = {"class_code": "ROOM-42", "max_epochs": 3, "preset": "quick"}
    monkeypatch.setenv("CNN_LAB_CLASS_CODE", "ROOM-7")
    monkeypatch.setenv("CNN_LAB_MAX_EPOCHS", " 5 ")
    monkeypatch.setenv("CNN_LAB_CLASS_PRESET", "best")
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", "   ")  # blank: no teacher tools
    monkeypatch.setenv(classroom.ENV_VAR, " sqlite:///x.db ")
    settings = class_settings()
    assert settings.class_code == "ROOM-7" and settings.max_epochs == 5
    assert settings.preset == "best" and settings.teacher_password is None
    assert settings.database_url == "sqlite:///x.db"
    assert class_settings(database=False).database_url is None


@pytest.mark.parametrize("name", ["max_epochs", "max_train_digits"])
@pytest.mark.parametrize("value", ["lots", "0", "-2", "2.5", "1e3"])
def test_a_bad_cap_in_the_environment_is_named(monkeypatch, secrets, name, value):
    monkeypatch.setenv(ENV[name], value)
    with pytest.raises(ValueError, match=re.escape(f"{ENV[name]} = {value!r}")):
        class_settings()


@pytest.mark.parametrize("value", [True, 2.5, 0, -1, "many", [3]])
def test_a_bad_cap_in_secrets_is_named(secrets, value):
    secrets["class_board"] = {"max_epochs": value}
    with pytest.raises(ValueError, match="CNN_LAB_MAX_EPOCHS") as info:
        class_settings()
    assert repr(value) in str(info.value)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_known_preset_is_accepted(monkeypatch, secrets, preset):
    monkeypatch.setenv("CNN_LAB_CLASS_PRESET", preset)
    assert class_settings().preset == preset


@pytest.mark.parametrize("preset", ["fast", "Quick", "quick!"])
def test_an_unknown_preset_is_refused(monkeypatch, secrets, preset):
    monkeypatch.setenv("CNN_LAB_CLASS_PRESET", preset)
    with pytest.raises(ValueError, match="CNN_LAB_CLASS_PRESET") as info:
        class_settings()
    assert repr(preset) in str(info.value)
    assert all(name in str(info.value) for name in PRESETS)


def test_malformed_secrets_leave_the_environment_working(monkeypatch, secrets):
    class Broken:
        def get(self, *_args):
            raise FileNotFoundError("no secrets.toml")

    monkeypatch.setattr(streamlit, "secrets", Broken())
    monkeypatch.setenv("CNN_LAB_CLASS_CODE", "ROOM-1")
    assert class_settings().class_code == "ROOM-1"


def test_a_short_wait_reads_as_one_second_not_zero():
    error = classroom.RateLimitError("Wait 0.3 s.", "too_fast", retry_after=0.3, interval=1.0)
    assert "wait 1 s" in error_text(error)
