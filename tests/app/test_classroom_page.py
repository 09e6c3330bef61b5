"""AppTest of the Class page and the class board's buttons on Predict and Training: sessions
sharing one board, another class seeing nothing of it, nicknames shown as text, refused
joins, the teacher's tools (only with the password), and a database that cannot be used.

Every test runs on a fresh SQLite board in tmp_path (`class_board_database` in conftest)."""

from __future__ import annotations

import functools
import io
import json
import logging
import socket
import types

import numpy as np
import pytest
import sqlalchemy
import streamlit
from conftest import assert_no_exception, chart_values, open_page, page_text

import classroom
import cnn
from ui.classboard import escape
from ui.i18n import translate

PAGE = "pages/classroom.py"
PREDICT = "pages/predict.py"
TRAINING = "pages/training.py"
TINY = cnn.ModelConfig(filters=(4,), dense_units=16)
# Markdown emphasis, an HTML tag and a link, in the 24 characters a nickname may have.
MARKUP_NICKNAME = "*x*<b>y</b>[a](http://e)"
PASSWORD = "s3cret-Teacher"
# Databases that cannot be used, and what the page says: SQLite in a folder that does not
# exist; a closed port. (tests/classroom/test_operator_errors.py: every other cause.)
BROKEN_URLS = {
    "sqlite": (
        "sqlite:////nonexistent-cnn-lab-folder/sub/class_board.db",
        "no_folder",
        {"folder": "/nonexistent-cnn-lab-folder/sub"},
    ),
    "postgresql": (
        "postgresql://student:pw@127.0.0.1:1/cnn_lab",
        "unreachable",
        {"server": "127.0.0.1:1"},
    ),
}


@pytest.fixture(autouse=True)
def quick_wrong_password(monkeypatch):
    """The app opens boards with a 1 s wait on a wrong teacher password: 0.01 s here."""
    monkeypatch.setattr(
        classroom, "open_board", functools.partial(classroom.open_board, wrong_password_delay=0.01)
    )


@pytest.fixture(scope="module")
def sample() -> cnn.Dataset:
    return cnn.load_mnist(download=False)


def board(url: str, code: str | None = None) -> classroom.Board:
    """The board as the deployment with class code `code` opens it, outside the app."""
    return classroom.open_board(url, class_code=code, expected_code=code, teacher_password=PASSWORD)


def join(at, nickname: str, code: str | None = None):
    """Fill the join form and click its submit button (the join runs in its on_click)."""
    at.text_input(key="class_nickname").input(nickname)
    if code is not None:
        at.text_input(key="class_code").input(code)
    submit = [button for button in at.button if button.proto.form_id == "class_join"]
    assert len(submit) == 1, [button.label for button in at.button]
    return submit[0].click().run()


def errors(at) -> list[str]:
    return [element.value for element in at.error]


def successes(at) -> list[str]:
    return [element.value for element in at.success]


def infos(at) -> list[str]:
    return [element.value for element in at.info]


def keys_of(at) -> set:
    """The keys of every widget on the page."""
    return {
        widget.key
        for kind in ("button", "text_input", "download_button")
        for widget in at.get(kind)
    }


def leaderboard(at, language: str = "en"):
    """The leaderboard table as shown (the dataframe with a Rank column)."""
    rank = translate("class.col_rank", language)
    [table] = [frame.value for frame in at.dataframe if rank in frame.value.columns]
    return table


def trained_run(sample: cnn.Dataset) -> cnn.TrainingRun:
    """A run the Training page shows as trained and tested (a tiny, untrained network)."""
    model = cnn.build_model(TINY, seed=1)
    return cnn.TrainingRun(
        model=model,
        recipe=cnn.TrainingRecipe(model=TINY, epochs=1),
        data=sample,
        history={
            "loss": [0.9],
            "accuracy": [0.7],
            "val_loss": [0.8],
            "val_accuracy": [0.75],
            "epoch_seconds": [3.0],
        },
        status=cnn.RunStatus.DONE,
        evaluation=cnn.evaluate(model, sample),
    )


# --- two sessions on one board, a third class ---------------------------------------------


def test_two_sessions_share_a_board_and_another_class_sees_nothing(
    monkeypatch, class_board_database, sample
):
    monkeypatch.setenv("CNN_LAB_CLASS_CODE", "ROOM-A")
    ada = join(open_page(PAGE), "Ada", "room-a")  # codes are compared case-insensitively
    bob = join(open_page(PAGE), "Bob", " ROOM-A ")
    for at in (ada, bob):
        assert_no_exception(at)
        assert at.session_state["class_member"]["class_code"] == "ROOM-A"
        assert translate("class.no_digits", "en") in infos(at)
        assert translate("class.no_entries", "en") in infos(at)

    # Ada adds a random test digit on Predict, as the digit after the one the model reads.
    ada.switch_page(PREDICT).run()
    ada.button(key="predict_random").click().run()
    assert_no_exception(ada)
    index = ada.session_state["predict_sample"]
    meant = (ada.selectbox(key="predict_sample_label").value + 1) % 10
    ada.selectbox(key="predict_sample_label").set_value(meant).run()
    ada.button(key="predict_sample_add").click().run()
    assert_no_exception(ada)
    assert translate("class.added", "en", label=meant) in successes(ada)
    stored = board(class_board_database, "ROOM-A").list_digits()
    assert [(digit.label, digit.nickname) for digit in stored] == [(meant, "Ada")]
    np.testing.assert_array_equal(stored[0].pixels, sample.x_test[index])

    # Ada submits a trained model on Training; the server scores it itself.
    run = trained_run(sample)
    ada.session_state["trained"] = run
    ada.switch_page(TRAINING).run()
    ada.button(key="train_submit_cnn").click().run()
    assert_no_exception(ada)
    [entry] = board(class_board_database, "ROOM-A").leaderboard().to_dict("records")
    assert entry["nickname"] == "Ada" and entry["kind"] == "cnn"
    assert entry["test_accuracy"] == pytest.approx(run.evaluation.accuracy, abs=2e-3)
    assert entry["class_accuracy"] in (0.0, 1.0)  # one class digit
    assert entry["params"] == run.model.count_params() and entry["epochs"] == 1
    accuracy = f"{entry['test_accuracy']:.2%}"
    assert translate("class.submitted", "en", accuracy=accuracy) in successes(ada)
    # The same weights again: one entry, said so (and not scored again).
    ada.button(key="train_submit_cnn").click().run()
    assert_no_exception(ada)
    assert translate("class.already_submitted", "en") in successes(ada)
    assert len(board(class_board_database, "ROOM-A").leaderboard()) == 1

    # Bob's Class page shows both: the digit and the model.
    bob.run()
    assert_no_exception(bob)
    assert translate("class.no_digits", "en") not in infos(bob)
    counts = chart_values(bob, "class_counts", "y")
    assert list(counts) == [1 if label == meant else 0 for label in range(10)]
    assert bob.metric[0].label == translate("class.shipped_on_class", "en", count=1)
    captions = [caption for image in bob.get("image") for caption in image.captions]
    assert captions == [translate("class.label_row", "en", label=meant)]
    table = leaderboard(bob)
    assert list(table[translate("class.col_name", "en")]) == ["Ada"]  # not Bob's: no star
    assert list(table[translate("class.col_test", "en")]) == [accuracy]
    # Ada's own entry is marked as hers.
    ada.switch_page(PAGE).run()
    assert_no_exception(ada)
    mine = leaderboard(ada)[translate("class.col_name", "en")]
    assert list(mine) == [f"★ Ada ({translate('class.you', 'en')})"]

    # A deployment with another class code on the same database: nothing of ROOM-A.
    monkeypatch.setenv("CNN_LAB_CLASS_CODE", "ROOM-B")
    cleo = join(open_page(PAGE), "Cleo", "room-b")
    assert_no_exception(cleo)
    assert cleo.session_state["class_member"]["class_code"] == "ROOM-B"
    assert translate("class.no_digits", "en") in infos(cleo)
    assert translate("class.no_entries", "en") in infos(cleo)
    assert not cleo.dataframe and not cleo.metric
    assert board(class_board_database, "ROOM-B").digit_counts() == dict.fromkeys(range(10), 0)


# --- joining ----------------------------------------------------------------------------


def test_a_nickname_is_shown_as_text_not_markup(class_board_database):
    at = join(open_page(PAGE), MARKUP_NICKNAME)
    assert_no_exception(at)
    assert at.session_state["class_member"]["nickname"] == MARKUP_NICKNAME
    [line] = [m.value for m in at.markdown if "class board" in m.value]
    assert line == translate("class.joined_as", "en", nickname=escape(MARKUP_NICKNAME))
    assert "[a](http" not in line and "<b>" not in line and "*x*" not in line

    # In the leaderboard: plain text in the table, HTML-escaped in the chart.
    board(class_board_database).submit_entry(
        at.session_state["class_member"]["token"],  # the student's own browser's token
        MARKUP_NICKNAME,
        test_accuracy=0.9,
        class_accuracy=None,
        params=10,
        epochs=1,
        seconds=1.0,
        recipe={},
        kind="cnn",
    )
    at.run()
    assert_no_exception(at)
    assert list(leaderboard(at).iloc[:, 1]) == [MARKUP_NICKNAME]
    names = json.dumps(json.loads(at.get_by_key("class_leaderboard_chart").proto.spec)["data"])
    assert "&lt;b&gt;" in names and "<b>" not in names


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize(
    ("nickname", "code", "reason"),
    [
        ("Ada", "ROOM-B", "wrong_class_code"),
        ("Ada", "", "class_code_required"),
        ("   ", "ROOM-A", "nickname_empty"),
        ("a\u202eb", "ROOM-A", "bad_nickname"),  # a right-to-left override
        ("a\x00b", "ROOM-A", "bad_nickname"),
        ("Ada", "ROOM-A\x00", "wrong_class_code"),
    ],
)
def test_a_wrong_code_or_an_empty_nickname_is_refused(
    monkeypatch, language, nickname, code, reason
):
    monkeypatch.setenv("CNN_LAB_CLASS_CODE", "ROOM-A")
    at = join(open_page(PAGE, language), nickname, code)
    assert_no_exception(at)
    assert errors(at) == [translate(f"class.error_{reason}", language)]
    assert "class_member" not in at.session_state
    assert at.text_input(key="class_nickname")  # the form is still there
    assert not at.header  # nothing of the board


def test_without_a_class_code_there_is_no_code_field_and_one_open_board():
    at = open_page(PAGE)
    assert "class_code" not in keys_of(at)
    at = join(at, "Ada")
    assert_no_exception(at)
    joined = at.session_state["class_member"]
    assert (joined["nickname"], joined["class_code"]) == ("Ada", "")
    assert len(joined["token"]) >= 32
    at.button(key="class_leave").click().run()
    assert "class_member" not in at.session_state
    assert at.text_input(key="class_nickname")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_page_in_both_languages(language):
    at = open_page(PAGE, language)
    assert_no_exception(at)
    assert at.title[0].value == translate("nav.classroom", language)
    assert at.text_input(key="class_nickname").label == translate("class.nickname", language)
    at = join(at, "Ada")
    assert_no_exception(at)
    headers = [header.value for header in at.header]
    expected = [translate("class.digits_title", language)]
    assert headers == [*expected, translate("class.leaderboard_title", language)]
    if language == "zh":
        assert at.title[0].value == "课堂"


# --- the teacher's tools ------------------------------------------------------------------


def test_no_teacher_tools_without_a_password_set():
    at = join(open_page(PAGE), "Ada")
    assert_no_exception(at)
    teacher = translate("class.teacher_title", "en")
    assert teacher not in [expander.label for expander in at.expander]
    assert not {"class_password", "class_unlock", "class_clear", "class_download"} & keys_of(at)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_wrong_password_is_refused(monkeypatch, language):
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", PASSWORD)
    at = join(open_page(PAGE, language), "Ada")
    labels = [expander.label for expander in at.expander]
    assert translate("class.teacher_title", language) in labels
    at.text_input(key="class_password").input(PASSWORD.upper())
    at.button(key="class_unlock").click().run()
    assert_no_exception(at)
    assert errors(at) == [translate("class.error_wrong_password", language)]
    assert "class_teacher" not in at.session_state
    teacher_keys = {"class_remove_entry", "class_remove_digits", "class_clear", "class_download"}
    assert not teacher_keys & keys_of(at)


def test_the_teacher_removes_clears_and_downloads(monkeypatch, class_board_database, sample):
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", PASSWORD)
    shared = board(class_board_database)
    digit_ids = [
        shared.add_digit(f"student-{i}", f"S{i}", sample.x_test[i] / 255, int(sample.y_test[i]))
        for i in range(3)
    ]
    entry_ids = [
        shared.submit_entry(
            f"student-{i}",
            f"S{i}",
            test_accuracy=0.9 + i / 100,
            class_accuracy=0.5,
            params=100,
            epochs=1,
            seconds=2.0,
            recipe={"epochs": 1},
            kind="mlp",
        )
        for i in range(2)
    ]
    downloads = []
    download_button = streamlit.download_button

    def recording_download_button(label, data, *args, **kwargs):
        downloads.append(data)
        return download_button(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", recording_download_button)

    at = join(open_page(PAGE), "Teacher")
    assert not downloads and "class_remove_entry" not in keys_of(at)
    at.text_input(key="class_password").input(PASSWORD)
    at.button(key="class_unlock").click().run()
    assert_no_exception(at)
    assert not errors(at)
    assert {"class_remove_entry", "class_remove_digits", "class_clear", "class_download"} <= (
        keys_of(at)
    )
    # How full the board is, and the entries named by student and score.
    capacity = {m.label: m.value for m in at.metric}
    assert capacity[translate("class.capacity_digits", "en")] == "3 / 10,000"
    assert capacity[translate("class.capacity_entries", "en")] == "2 / 1,000"
    picker = at.selectbox(key="class_entry_id")
    assert picker.options[0] == translate(
        "class.entry_label", "en", rank=1, nickname="S1", kind="MLP", accuracy="91.00%"
    )

    # The download: the class's digits in MNIST's layout.
    with np.load(io.BytesIO(downloads[-1])) as npz:
        assert npz["x_test"].dtype == np.uint8 and npz["y_test"].dtype == np.uint8
        np.testing.assert_array_equal(npz["x_test"], sample.x_test[:3])
        np.testing.assert_array_equal(npz["y_test"], sample.y_test[:3])

    # Remove an entry (the better one).
    at.selectbox(key="class_entry_id").set_value(entry_ids[1]).run()
    at.button(key="class_remove_entry").click().run()
    assert_no_exception(at)
    assert successes(at) == [translate("class.teacher_done", "en")]
    assert list(shared.leaderboard()["id"]) == [entry_ids[0]]

    # The section stays open and says what was done.
    [teacher] = [e for e in at.expander if e.label == translate("class.teacher_title", "en")]
    assert teacher.proto.expanded

    # Remove digits by looking at them: a thumbnail and a box each; nothing ticked: nothing.
    picks = [box.key for box in at.checkbox if box.key.startswith("class_pick_")]
    assert sorted(picks) == sorted(f"class_pick_{i}" for i in digit_ids)
    thumbnails, stack = [], [at.get_by_key("class_digit_picker")]
    while stack:  # every image inside the picker
        node = stack.pop()
        if getattr(node, "type", None) == "image":
            thumbnails += [image.url for image in node.proto.imgs]
        stack.extend(getattr(node, "children", {}).values())
    assert len(thumbnails) == 3 and all(url.startswith("data:image/png") for url in thumbnails)
    at.button(key="class_remove_digits").click().run()
    assert errors(at) == [translate("class.teacher_not_found", "en")]
    at.checkbox(key=f"class_pick_{digit_ids[0]}").check().run()
    at.button(key="class_remove_digits").click().run()
    assert_no_exception(at)
    assert successes(at) == [translate("class.digits_removed", "en", count=1)]
    assert sorted(digit.id for digit in shared.list_digits()) == digit_ids[1:]
    assert f"class_pick_{digit_ids[0]}" not in [box.key for box in at.checkbox]  # gone
    with np.load(io.BytesIO(downloads[-1])) as npz:
        assert len(npz["x_test"]) == len(npz["y_test"]) == 2

    # Clearing needs the confirmation first.
    assert at.button(key="class_clear").proto.disabled
    at.checkbox(key="class_clear_sure").check().run()
    assert not at.button(key="class_clear").proto.disabled
    at.button(key="class_clear").click().run()
    assert_no_exception(at)
    assert successes(at) == [translate("class.teacher_done", "en")]
    assert shared.digit_counts() == dict.fromkeys(range(10), 0)
    assert shared.leaderboard().empty
    assert translate("class.no_digits", "en") in infos(at)
    with np.load(io.BytesIO(downloads[-1])) as npz:
        assert npz["x_test"].shape == (0, 28, 28) and npz["y_test"].shape == (0,)


# --- a database that cannot be used --------------------------------------------------------


@pytest.mark.parametrize("database", sorted(BROKEN_URLS))
def test_a_database_that_cannot_be_used_is_said_and_predict_still_works(monkeypatch, database):
    url, reason, details = BROKEN_URLS[database]
    monkeypatch.setenv(classroom.ENV_VAR, url)
    unavailable = translate(f"class.error_{reason}", "en", **details)  # what is wrong
    assert details[next(iter(details))] in unavailable

    # Joining is refused with the reason.
    at = join(open_page(PAGE), "Ada")
    assert_no_exception(at)
    assert errors(at) == [unavailable]
    assert "class_member" not in at.session_state

    # A session that joined before the database went away: the Class page says so.
    at = open_page(PAGE, class_member={"nickname": "Ada", "class_code": ""})
    assert_no_exception(at)
    assert errors(at) == [unavailable]
    assert not at.header

    # Predict still predicts; its Add button says the board cannot be reached.
    at.switch_page(PREDICT).run()
    at.button(key="predict_random").click().run()
    assert_no_exception(at)
    assert at.get_by_key("predict_sample_probabilities")
    at.button(key="predict_sample_add").click().run()
    assert_no_exception(at)
    assert unavailable in errors(at)
    assert at.get_by_key("predict_sample_probabilities")


# --- no password in what the page shows or logs -----------------------------------------

DB_SECRET = "hunter2-Db-Secret"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://student:{secret}@127.0.0.1:{port}/x?sslpassword={secret}", "unreachable"),
        ("postgresql://student:p@ss-{secret}@127.0.0.1:{port}/x", "bad_url"),  # "@" not %40
        ("postgresql://student:{secret}@127.0.0.1:notaport/x", "bad_url"),  # a bad port
        ("postgresql://admin:{secret}/x", "bad_url"),  # no host: the password reads as the port
    ],
    ids=["closed-port", "at-in-password", "bad-port", "no-host"],
)
def test_a_database_password_is_never_shown_nor_logged(monkeypatch, caplog, url, reason):
    """Before: the no-host and bad-port URLs showed "invalid literal for int() with base 10:
    'hunter2-Db-Secret'" as the join's refusal."""
    caplog.set_level(logging.DEBUG)
    port = closed_port()
    url = url.format(secret=DB_SECRET, port=port)
    details = {"server": f"127.0.0.1:{port}"} if reason == "unreachable" else {}
    monkeypatch.setenv(classroom.ENV_VAR, url)
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", PASSWORD)
    at = join(open_page(PAGE), "Ada")
    assert_no_exception(at)
    assert errors(at) == [translate(f"class.error_{reason}", "en", **details)]
    at = open_page(PAGE, "zh", class_member={"nickname": "Ada", "class_code": ""})
    assert_no_exception(at)
    assert errors(at) == [translate(f"class.error_{reason}", "zh", **details)]
    assert translate(f"class.error_{reason}", "zh", **details) in page_text(at)  # on the page
    for said in (page_text(at), caplog.text):
        assert DB_SECRET not in said and "ss-hunter" not in said and PASSWORD not in said


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_database_url_in_secrets_that_fails_is_said_without_its_password(
    monkeypatch, caplog, language
):
    """`[connections.class_board] url` that Streamlit's SQL connection cannot use: the page
    says the setting is wrong, never a traceback, and nothing of the password."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.delenv(classroom.ENV_VAR)
    url = f"postgresql://admin:{DB_SECRET}/x"  # no host: the parser quotes the "port"

    def connection(name: str, type: str):  # noqa: A002 (st.connection's argument)
        # What Streamlit's SQLConnection does first; the test has no secrets.toml for it.
        return types.SimpleNamespace(engine=sqlalchemy.create_engine(url))

    monkeypatch.setattr(streamlit, "connection", connection)
    at = open_page(PAGE, language)
    at.secrets["connections"] = {"class_board": {"url": url}}
    at.run()
    assert_no_exception(at)
    [shown] = errors(at)
    assert shown.startswith(translate("class.bad_setting", language, error="\0").split("\0")[0])
    assert "connections.class_board" in shown
    for said in (page_text(at), caplog.text):
        assert DB_SECRET not in said


def test_the_teacher_password_is_never_shown_nor_logged(monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", PASSWORD)
    monkeypatch.setenv("CNN_LAB_CLASS_CODE", "ROOM-A")
    at = join(open_page(PAGE), "Ada", "ROOM-A")
    for guess in (PASSWORD.upper(), PASSWORD[:-1], "x" * 5000):
        at.text_input(key="class_password").input(guess)
        at.button(key="class_unlock").click().run()
        assert errors(at) == [translate("class.error_wrong_password", "en")]
    at.text_input(key="class_password").input(PASSWORD)
    at.button(key="class_unlock").click().run()
    assert_no_exception(at)
    at.checkbox(key="class_clear_sure").check().run()
    at.button(key="class_clear").click().run()
    assert "class_remove_digits" not in keys_of(at)  # nothing left to pick
    assert translate("class.no_digits_yet", "en") in [c.value for c in at.caption]
    assert_no_exception(at)
    assert "Wrong teacher password" in caplog.text and "cleared" in caplog.text
    for said in (page_text(at), caplog.text):
        assert PASSWORD not in said


def test_the_add_button_asks_to_join_first():
    at = open_page(PREDICT)
    at.button(key="predict_random").click().run()
    assert_no_exception(at)
    assert "predict_sample_add" not in keys_of(at)
    assert translate("class.join_first", "en") in [caption.value for caption in at.caption]
