"""A class board database that cannot be used says why, so the person running the app can fix
it: each cause built for real, with its own reason, a message that names the database without
its password, a line in the server's log, and a translated message on the Class page.

Causes: a malformed URL ("bad_url"), no driver for it ("no_driver"), SQLite in memory
("memory_database"), a SQLite folder that does not exist or cannot be written ("no_folder"),
a file that is not SQLite ("not_a_database"), a read-only file ("read_only"), a server that
does not answer ("unreachable"), and on a real PostgreSQL server (CNN_LAB_TEST_POSTGRES_URL, as
in tests/classroom/conftest.py) a database that does not exist ("no_database") and a wrong password
or user ("auth_failed"). For the wrong password the server must check one role's password over
TCP (`.ci/run` puts that role's scram-sha-256 line in pg_hba.conf): a server that trusts every
login cannot refuse a wrong password. Also: servers creating a new SQLite board at the same
moment all open it.
"""

from __future__ import annotations

import importlib.util
import logging
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy
from board_helpers import DB_SECRET, ROOT, closed_port
from databases import POSTGRES_ENV, in_ci
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

import classroom
import ui.text
from ui.errors import error_text
from ui.i18n import translate

NOBODY = 65534  # the unprivileged user a root test run drops to, to meet file permissions


def needs(message: str) -> None:
    """Skip locally, fail with CI set: CI must run every one of these."""
    if in_ci():
        pytest.fail(f"{message}. CI is set, so this is a failure, not a skip.")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def fresh_engines():
    yield
    classroom.dispose_engines()


def refusal(url, caplog, reason: str, **kwargs) -> classroom.BoardUnavailableError:
    """The error `open_board(url)` raises, checked: `reason`, nothing of the password in its
    message or the log, and the log says the reason and what is wrong."""
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    with pytest.raises(classroom.BoardUnavailableError) as caught:
        classroom.open_board(url, **kwargs)
    error = caught.value
    assert error.reason == reason, str(error)
    try:
        password = make_url(url).password
    except Exception:  # noqa: BLE001 (a malformed URL: DB_SECRET is its password)
        password = None
    for said in (str(error), caplog.text, repr(error.details)):
        assert DB_SECRET not in said, said
        if password and len(str(password)) > 3:  # "p" of "p@ss" is in many a word
            assert str(password) not in said, said
    logged = [r for r in caplog.records if r.name == "classroom.database"]
    assert logged and logged[-1].levelno == logging.WARNING, caplog.text
    assert f"({reason})" in logged[-1].getMessage() and str(error) in logged[-1].getMessage()
    return error


# --- the URL --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "definitely not a url",
        f"postgresql://ada:{DB_SECRET}@127.0.0.1:notaport/x",
        f"postgresql://ada:p@ss-{DB_SECRET}@127.0.0.1/x",  # an "@" not written %40
        f"postgresql://admin:{DB_SECRET}/x",  # no host: the password reads as the port
    ],
    ids=["not-a-url", "bad-port", "at-in-password", "no-host"],
)
def test_a_malformed_url_is_bad_url(url, caplog):
    error = refusal(url, caplog, "bad_url")
    assert "ss-hunter" not in str(error) + caplog.text
    assert classroom.ENV_VAR in str(error)  # where to correct it


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        # A dialect SQLAlchemy knows, its driver (mysqlclient) not installed: not in
        # requirements*.txt.
        (f"mysql://ada:{DB_SECRET}@127.0.0.1/class", "mysql"),
        (f"postgresql+nosuchdriver://ada:{DB_SECRET}@127.0.0.1/x", "postgresql+nosuchdriver"),
        (f"nosuchdatabase://ada:{DB_SECRET}@127.0.0.1/x", "nosuchdatabase"),
    ],
    ids=["mysql", "postgresql+nosuchdriver", "unknown-dialect"],
)
def test_a_url_without_a_driver_is_no_driver(url, driver, caplog):
    error = refusal(url, caplog, "no_driver")
    assert error.details == {"driver": driver}
    assert repr(driver) in str(error) and "postgresql+psycopg://" in str(error)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///:memory:",
        "sqlite://",
        "sqlite:///file::memory:?uri=true",
        "sqlite:///file:board?mode=memory&cache=shared&uri=true",
    ],
)
def test_sqlite_in_memory_is_refused(url, caplog):
    """Before: a traceback on the Class page. Each connection would get its own empty
    database: the class would share nothing. Refused before any engine exists."""
    engines = set(classroom.database._engines)
    with pytest.raises(classroom.BoardUnavailableError) as caught:
        classroom.resolve_url(url)
    assert caught.value.reason == "memory_database"
    error = refusal(url, caplog, "memory_database")
    assert "in memory" in str(error) and "sqlite:///" in str(error)
    assert set(classroom.database._engines) == engines


# --- SQLite files and folders ----------------------------------------------------------------


def test_a_sqlite_folder_that_does_not_exist_is_no_folder(tmp_path, caplog):
    folder = tmp_path / "no" / "such"
    error = refusal(f"sqlite:///{folder / 'board.db'}", caplog, "no_folder")
    assert error.details == {"folder": str(folder)}
    assert str(folder) in str(error) and "does not exist" in str(error)
    assert not (tmp_path / "no").exists()  # a typo in the path does not make a new board
    # A "folder" that is a file.
    (tmp_path / "notes").write_text("x")
    error = refusal(f"sqlite:///{tmp_path / 'notes' / 'board.db'}", caplog, "no_folder")
    assert error.details == {"folder": str(tmp_path / "notes")}


def test_the_default_folder_that_cannot_be_created_is_no_folder(monkeypatch, tmp_path, caplog):
    (tmp_path / "home").write_text("a file where the home folder should be")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(classroom.ENV_VAR, raising=False)
    error = refusal(None, caplog, "no_folder")
    assert error.details == {"folder": str(tmp_path / "home" / ".cnn_lab")}


def test_a_file_that_is_not_sqlite_is_not_a_database(tmp_path, caplog):
    path = tmp_path / "notes.db"
    path.write_text("These are a teacher's notes, not a database.\n" * 50)
    error = refusal(f"sqlite:///{path}", caplog, "not_a_database")
    assert error.details == {"file": str(path)}
    assert path.read_text().startswith("These are")  # left as it was


def _open_as_unprivileged(url: str, then_write: bool, connection) -> None:
    """In a forked child: become an unprivileged user (when root, whom no file permission
    stops), open the board at `url` and read it, then write to it if `then_write`; send back
    None, or the refusal's (reason, message, details)."""
    try:
        if os.geteuid() == 0:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        classroom.open_board(url).digit_counts()
        if then_write:
            engine = classroom.database.get_engine(classroom.resolve_url(url))
            with classroom.database.write(engine) as conn:
                conn.exec_driver_sql("CREATE TABLE cnn_lab_write_probe (x INTEGER)")
        connection.send(None)
    except classroom.BoardUnavailableError as error:
        connection.send((error.reason, str(error), dict(error.details)))
    except BaseException as error:  # noqa: BLE001 (anything else is reported to the test)
        connection.send(("unexpected", f"{type(error).__name__}: {error}", {}))
    finally:
        connection.close()


def open_as_unprivileged(url: str, then_write: bool = False) -> tuple[str, str, dict] | None:
    """`open_board(url)` (and a write) in a child process that file permissions apply to."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_open_as_unprivileged, args=(url, then_write, sender))
    child.start()
    sender.close()
    try:
        assert receiver.poll(60), "the child did not answer"
        return receiver.recv()
    finally:
        child.join(10)
        if child.is_alive():
            child.kill()


@pytest.fixture
def shared_folder():
    """A folder an unprivileged user can reach (tmp_path is root's own when root runs)."""
    folder = Path(tempfile.mkdtemp(prefix="cnn_lab_permissions_"))
    folder.chmod(0o777)
    yield folder
    for path in (folder, *folder.iterdir()):
        path.chmod(0o755)
    shutil.rmtree(folder)


def test_a_read_only_sqlite_file_is_read_only(shared_folder):
    """In a folder the app can write, the board opens and reads, and a write is refused; in
    a read-only folder too, SQLite cannot make the WAL index beside it: refused at open."""
    path = shared_folder / "board.db"
    classroom.open_board(f"sqlite:///{path}").digit_counts()  # a board, set up
    classroom.dispose_engines()
    path.chmod(0o444)
    assert open_as_unprivileged(f"sqlite:///{path}") is None  # it still reads
    reason, message, details = open_as_unprivileged(f"sqlite:///{path}", then_write=True)
    assert reason == "read_only", message
    assert "read-only" in message and str(path) in message and details == {}
    for name in ("board.db-wal", "board.db-shm"):  # as a server that closed cleanly leaves it
        (shared_folder / name).unlink(missing_ok=True)
    shared_folder.chmod(0o555)
    reason, message, details = open_as_unprivileged(f"sqlite:///{path}")
    assert reason == "read_only", message
    assert "write access" in message


def test_a_sqlite_folder_the_app_cannot_write_is_no_folder(shared_folder):
    shared_folder.chmod(0o555)
    reason, message, details = open_as_unprivileged(f"sqlite:///{shared_folder / 'board.db'}")
    assert reason == "no_folder", message
    assert details == {"folder": str(shared_folder)} and "cannot be written" in message


# --- servers ---------------------------------------------------------------------------------


def test_a_server_that_does_not_answer_is_unreachable(caplog):
    port = closed_port()
    url = f"postgresql://student:{DB_SECRET}@127.0.0.1:{port}/class?sslpassword={DB_SECRET}"
    start = time.perf_counter()
    error = refusal(url, caplog, "unreachable")
    assert time.perf_counter() - start < 10
    assert error.details == {"server": f"127.0.0.1:{port}"}
    assert "does not answer" in str(error) and "sslpassword=***" in str(error)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test server's URL: a superuser (.ci/run's logs in without a password)."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        needs(
            f"these tests need a PostgreSQL server: set {POSTGRES_ENV}=postgresql+psycopg://"
            "user:password@127.0.0.1:5432/db (.ci/run does this)"
        )
    return url


def test_a_postgresql_database_that_does_not_exist_is_no_database(postgres_url, caplog):
    name = f"cnn_lab_missing_{uuid.uuid4().hex[:8]}"
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    error = refusal(url, caplog, "no_database")
    assert error.details == {"database": name}
    assert f"createdb {name}" in str(error)


# The role whose logins over TCP need a password: .ci/run's pg_hba.conf says so (its other
# logins are trusted). A server that checks every password (scram-sha-256 for all) does too.
PASSWORD_ROLE = "cnn_lab_password_check"
PASSWORD_HBA = f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256"


@pytest.fixture
def password_role_url(postgres_url) -> str:
    """A URL for PASSWORD_ROLE with its right password, the role made (and dropped after)
    through the test server's URL; only once the server showed that it checks the password."""
    admin = sqlalchemy.create_engine(postgres_url)
    password = f"right-{uuid.uuid4().hex}"
    try:
        with admin.begin() as conn:
            conn.execute(sqlalchemy.text(f"DROP ROLE IF EXISTS {PASSWORD_ROLE}"))
            conn.execute(
                sqlalchemy.text(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{password}'")
            )
    except sqlalchemy.exc.DBAPIError as error:
        admin.dispose()
        needs(f"cannot make the role {PASSWORD_ROLE} as {POSTGRES_ENV}'s user: {error.orig}")
    server = make_url(postgres_url).set(host="127.0.0.1", username=PASSWORD_ROLE)
    right = server.set(password=password).render_as_string(hide_password=False)
    wrong = server.set(password="not-the-password").render_as_string(hide_password=False)
    try:
        with sqlalchemy.create_engine(right, poolclass=NullPool).connect() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))  # the role logs in with its password
        try:
            with sqlalchemy.create_engine(wrong, poolclass=NullPool).connect():
                trusted = True
        except sqlalchemy.exc.OperationalError:
            trusted = False
        if trusted:
            needs(
                f"the server at {POSTGRES_ENV} let {PASSWORD_ROLE} in with a wrong password: "
                f"it trusts TCP logins. Put `{PASSWORD_HBA}` first in its pg_hba.conf and "
                "reload it (.ci/run does), or start it with initdb --auth-host=scram-sha-256"
            )
        yield right
    finally:
        classroom.dispose_engines()
        with admin.begin() as conn:
            conn.execute(sqlalchemy.text(f"DROP ROLE IF EXISTS {PASSWORD_ROLE}"))
        admin.dispose()


def test_a_wrong_postgresql_password_is_auth_failed(password_role_url, caplog):
    url = make_url(password_role_url).set(password=f"not-{DB_SECRET}")
    error = refusal(url.render_as_string(hide_password=False), caplog, "auth_failed")
    assert error.details == {"user": PASSWORD_ROLE}
    assert "password authentication failed" in str(error) and PASSWORD_ROLE in str(error)
    assert make_url(password_role_url).password not in str(error) + caplog.text


def test_an_unknown_postgresql_user_is_auth_failed(postgres_url, caplog):
    """A trusting server says the role does not exist; a checking one, that the password
    failed: both are a login refused."""
    user = f"nobody_{uuid.uuid4().hex[:8]}"
    url = make_url(postgres_url).set(username=user, password=DB_SECRET)
    error = refusal(url.render_as_string(hide_password=False), caplog, "auth_failed")
    assert error.details == {"user": user}


# --- servers creating one new SQLite board at once ------------------------------------------

OPENER = textwrap.dedent(
    """
    import sys, time
    import classroom

    urls = sys.argv[1:]
    print("ready", flush=True)
    start = float(sys.stdin.readline())
    for index, url in enumerate(urls):
        time.sleep(max(0.0, start + index * ROUND_S - time.time()))
        try:
            classroom.open_board(url).digit_counts()
            print("ok", flush=True)
        except Exception as error:
            print(f"failed {type(error).__name__}: {error}", flush=True)
    """
)
ROUND_S = 0.5


def test_servers_creating_a_new_sqlite_board_at_once_all_open_it(tmp_path):
    """Before: 2 runs in 30 of two processes creating a new file failed with "database is
    locked" (PRAGMA journal_mode=WAL does not wait for a busy file). Here 8 processes open each
    of 5 new files at the same moment: without the fix, 5 runs in 6 of this test failed."""
    processes, rounds = 8, 5
    urls = [f"sqlite:///{tmp_path / f'board{round_}.db'}" for round_ in range(rounds)]
    code = OPENER.replace("ROUND_S", repr(ROUND_S))
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, *urls],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(processes)
    ]
    try:
        for child in children:  # every one imported classroom: the rounds start together
            assert child.stdout.readline().strip() == "ready", child.stdout.read()
        start = time.time() + 0.5
        for child in children:
            child.stdin.write(f"{start}\n")
            child.stdin.flush()
        outcomes = [child.communicate(timeout=120)[0].split("\n") for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    failures = [line for lines in outcomes for line in lines if line.startswith("failed")]
    assert not failures, failures
    assert all(lines.count("ok") == rounds for lines in outcomes), outcomes
    for url in urls:  # one board each, in WAL mode, its schema made once
        board = classroom.open_board(url)
        assert sum(board.digit_counts().values()) == 0


# --- the Class page -------------------------------------------------------------------------


def _app_helpers():
    """tests/app/conftest.py's AppTest helpers (open_page, assert_no_exception)."""
    spec = importlib.util.spec_from_file_location(
        "app_test_helpers", ROOT / "tests" / "app" / "conftest.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


app = _app_helpers()
PAGE = "pages/classroom.py"
# A session that joined the open board before the database went wrong.
MEMBER = {"nickname": "Ada", "class_code": "", "token": "t" * 43}


def page_causes(tmp_path) -> dict[str, tuple[str, dict]]:
    """Each cause's URL (a password in those that take one) and what the page shows."""
    port = closed_port()
    return {
        "memory_database": ("sqlite:///:memory:", {}),
        "no_folder": (
            f"sqlite:///{tmp_path / 'gone' / 'board.db'}",
            {"folder": str(tmp_path / "gone")},
        ),
        "unreachable": (
            f"postgresql://student:{DB_SECRET}@127.0.0.1:{port}/class",
            {"server": f"127.0.0.1:{port}"},
        ),
        "no_driver": (f"mysql://student:{DB_SECRET}@127.0.0.1/class", {"driver": "mysql"}),
        "bad_url": (f"postgresql://student:{DB_SECRET}@127.0.0.1:notaport/x", {}),
    }


def join(at, nickname: str):
    """Fill the Class page's join form and click its submit button."""
    at.text_input(key="class_nickname").input(nickname)
    [submit] = [button for button in at.button if button.proto.form_id == "class_join"]
    return submit.click().run()


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize(
    "reason", ["memory_database", "no_folder", "unreachable", "no_driver", "bad_url"]
)
def test_the_class_page_says_what_is_wrong(monkeypatch, caplog, tmp_path, reason, language):
    """Joining, and a session that joined before: the page shows the cause in its language
    (never a traceback, never the password), and the server's log has the cause too."""
    caplog.set_level(logging.DEBUG)
    url, details = page_causes(tmp_path)[reason]
    for variable in ("CNN_LAB_CLASS_CODE", "CNN_LAB_TEACHER_PASSWORD"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv(classroom.ENV_VAR, url)
    expected = translate(f"class.error_{reason}", language, **details)
    assert expected != translate("class.error_unavailable", language)

    at = join(app.open_page(PAGE, language), "Ada")
    app.assert_no_exception(at)
    assert [element.value for element in at.error] == [expected]
    assert "class_member" not in at.session_state

    at = app.open_page(PAGE, language, class_member=MEMBER)
    app.assert_no_exception(at)
    assert [element.value for element in at.error] == [expected]

    assert f"Class board database problem ({reason})" in caplog.text
    for said in (caplog.text, app.page_text(at)):
        assert DB_SECRET not in said


@pytest.mark.parametrize("language", ["en", "zh"])
def test_error_text_names_each_cause(monkeypatch, tmp_path, language):
    """Outside the page: `error_text` of each real error is its cause's translation."""
    monkeypatch.setattr(ui.text, "language", lambda: language)
    for reason, (url, details) in page_causes(tmp_path).items():
        with pytest.raises(classroom.BoardUnavailableError) as caught:
            classroom.open_board(url)
        assert error_text(caught.value) == translate(f"class.error_{reason}", language, **details)
    # A reason with no text of its own reads as "unavailable".
    newer = classroom.BoardUnavailableError("newer", "schema_newer", found=9)
    assert error_text(newer) == translate("class.error_unavailable", language)
