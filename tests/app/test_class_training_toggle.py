"""AppTest of the teacher's switch "students may train on the class's digits" on the Class
page: shown only behind the teacher password, read from the board and written to it, a
refusal said in the chosen language; and `ui.classboard.class_training_allowed`, the Training
page's read of it (None outside a class).

Every test runs on a fresh SQLite board in tmp_path (`class_board_database` in conftest)."""

from __future__ import annotations

import functools

import pytest
from conftest import assert_no_exception, open_page
from streamlit.testing.v1 import AppTest

import classroom
from ui import keys
from ui.i18n import translate

PAGE = "pages/classroom.py"
PASSWORD = "s3cret-Teacher"
SWITCH = "class_training_switch"


@pytest.fixture(autouse=True)
def quick_wrong_password(monkeypatch):
    """The app opens boards with a 1 s wait on a wrong teacher password: 0.01 s here."""
    monkeypatch.setattr(
        classroom, "open_board", functools.partial(classroom.open_board, wrong_password_delay=0.01)
    )


def the_board(url: str) -> classroom.Board:
    """The open board, as the deployment opens it, outside the app."""
    return classroom.open_board(url, teacher_password=PASSWORD)


def joined(language: str = "en", nickname: str = "Teacher") -> AppTest:
    """The Class page of a session that joined the open board as `nickname`."""
    at = open_page(PAGE, language)
    at.text_input(key="class_nickname").input(nickname)
    [submit] = [button for button in at.button if button.proto.form_id == "class_join"]
    return submit.click().run()


def unlocked(language: str = "en") -> AppTest:
    at = joined(language)
    at.text_input(key="class_password").input(PASSWORD)
    at.button(key="class_unlock").click().run()
    assert_no_exception(at)
    return at


def toggles(at: AppTest) -> set:
    return {toggle.key for toggle in at.toggle}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_teacher_turns_class_training_off_and_on(monkeypatch, class_board_database, language):
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", PASSWORD)
    shared = the_board(class_board_database)
    at = unlocked(language)
    switch = at.toggle(key=SWITCH)
    assert switch.label == translate("class.training_switch", language)
    assert switch.value is True  # allowed by default
    captions = [caption.value for caption in at.caption]
    assert translate("class.training_switch_help", language) in captions

    switch.set_value(False).run()
    assert_no_exception(at)
    assert shared.class_training_allowed() is False
    assert at.toggle(key=SWITCH).value is False
    assert [s.value for s in at.success] == [translate("class.training_forbidden_done", language)]

    at.toggle(key=SWITCH).set_value(True).run()
    assert_no_exception(at)
    assert shared.class_training_allowed() is True
    assert at.toggle(key=SWITCH).value is True
    assert [s.value for s in at.success] == [translate("class.training_allowed_done", language)]


def test_the_toggle_shows_the_boards_switch_as_another_server_set_it(
    monkeypatch, class_board_database
):
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", PASSWORD)
    at = unlocked()
    the_board(class_board_database).set_class_training(PASSWORD, False)  # elsewhere
    at.run()
    assert at.toggle(key=SWITCH).value is False


def test_a_refused_change_is_said_and_the_toggle_shows_the_board_again(
    monkeypatch, class_board_database
):
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", PASSWORD)
    at = unlocked("zh")
    elsewhere = classroom.open_board(
        class_board_database, teacher_password=PASSWORD, wrong_password_delay=0
    )
    for _ in range(elsewhere.limits.teacher_attempts):  # guesses lock the class's login
        with pytest.raises(classroom.WrongPasswordError):
            elsewhere.check_teacher("guess")
    at.toggle(key=SWITCH).set_value(False).run()
    assert_no_exception(at)
    locked = translate("class.error_teacher_locked", "zh", retry_after="\0").split("\0")[0]
    shown = [e.value for e in at.error]
    # Said three times: the switch's refusal, the lesson's live view and the download (they
    # need the password too).
    assert len(shown) == 3 and all(text.startswith(locked) for text in shown), shown
    assert elsewhere.class_training_allowed() is True
    assert at.toggle(key=SWITCH).value is True


def test_without_the_password_there_is_no_switch(monkeypatch):
    at = joined()  # no teacher password set: no teacher tools at all
    assert_no_exception(at)
    assert SWITCH not in toggles(at)
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", PASSWORD)
    at = joined(nickname="Ada")  # set, but not typed
    assert SWITCH not in toggles(at)
    at.text_input(key="class_password").input(PASSWORD.upper())
    at.button(key="class_unlock").click().run()
    assert_no_exception(at)
    assert SWITCH not in toggles(at)


# --- ui.classboard.class_training_allowed, as the Training page reads it ------------------


def read_switch() -> None:
    """A page that only shows what `class_training_allowed()` says."""
    import streamlit as st

    from ui.classboard import class_training_allowed

    st.text(repr(class_training_allowed()))


def helper_says(**state) -> str:
    at = AppTest.from_function(read_switch, default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert_no_exception(at)
    return at.text[0].value


def test_the_helper_is_none_outside_a_class_else_the_boards_switch(
    monkeypatch, class_board_database
):
    assert helper_says() == "None"  # not joined: not in class mode
    member = {keys.CLASS_MEMBER: {"nickname": "Ada", "class_code": "", "token": "t" * 32}}
    assert helper_says(**member) == "True"
    the_board(class_board_database).set_class_training(PASSWORD, False)
    assert helper_says(**member) == "False"
    monkeypatch.setenv(classroom.ENV_VAR, "sqlite:////nonexistent-cnn-lab-folder/x/board.db")
    assert helper_says(**member) == "None"  # the board cannot be read
