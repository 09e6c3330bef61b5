"""The page's link keeps a student, their class and their language across a reload: a new
session with the link's `student` token is that student again. What the link holds is
hostile like any input: unknown or oversized values are ignored, never an error."""

from __future__ import annotations

import pytest
from conftest import APP, TIMEOUT, assert_no_exception
from streamlit.testing.v1 import AppTest

import classroom
from ui.i18n import translate

PAGE = "pages/classroom.py"


def reload_with(link: dict) -> AppTest:
    """A new session (a reload) whose URL holds `link`'s parameters."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for name, value in link.items():
        at.query_params[name] = value
    at.run()
    return at


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_reload_with_the_link_is_the_same_student_in_the_same_language(
    class_board_database, language
):
    ada = classroom.open_board(class_board_database).claim("Ada")
    at = reload_with({"student": ada.token, "lang": language})
    assert_no_exception(at)
    assert at.session_state["lang"] == language
    joined = at.session_state["class_member"]
    assert (joined["nickname"], joined["token"]) == ("Ada", ada.token)
    at.switch_page(PAGE).run()
    assert_no_exception(at)
    assert at.button(key="class_leave")  # joined: no join form
    shown = [m.value for m in at.markdown]
    assert translate("class.joined_as", language, nickname="Ada") in shown


def test_the_link_names_the_class_when_the_deployment_has_codes(monkeypatch, class_board_database):
    monkeypatch.setenv("CNN_LAB_CLASS_CODE", "TUE")
    board = classroom.open_board(class_board_database, class_code="TUE", expected_code="TUE")
    ada = board.claim("Ada")
    at = reload_with({"student": ada.token, "class": "tue"})
    assert at.session_state["class_member"]["class_code"] == "TUE"
    # The same token with a wrong class code is nobody.
    at = reload_with({"student": ada.token, "class": "MON"})
    assert_no_exception(at)
    assert "class_member" not in at.session_state


@pytest.mark.parametrize(
    "link",
    [
        {"student": "never-issued"},
        {"student": "x" * 5000, "class": "y" * 5000, "lang": "z" * 5000},
        {"student": "", "lang": "klingon"},
        {"student": "\u202e" * 20, "class": "<script>", "lang": "zh-CN"},
    ],
    ids=["unknown-token", "oversized", "empty-and-unknown-language", "odd-characters"],
)
def test_a_hostile_link_is_ignored(class_board_database, link):
    at = reload_with(link)
    assert_no_exception(at)
    assert "class_member" not in at.session_state
    assert at.session_state["lang"] in ("en", "zh")
    at.switch_page(PAGE).run()
    assert_no_exception(at)
    assert at.text_input(key="class_nickname")  # the join form


def test_the_frame_writes_the_link_and_takes_a_stranger_out(class_board_database):
    """AppTest reruns a page alone (FACTS.md): each check here is a first run, frame included."""
    ada = classroom.open_board(class_board_database).claim("Ada")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["class_member"] = {"nickname": "Ada", "class_code": "", "token": ada.token}
    at.session_state["lang"] = "zh"
    at.run()
    assert_no_exception(at)
    assert at.query_params["student"] == ada.token and at.query_params["lang"] == "zh"
    assert "class" not in at.query_params  # the open board: no class code in the link
    stranger = reload_with({"student": "unknown-token", "class": "ROOM", "lang": "en"})
    assert "student" not in stranger.query_params and "class" not in stranger.query_params
    assert stranger.query_params["lang"] == "en"
