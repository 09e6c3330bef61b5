"""AppTest of the teacher's live view of the lesson on the Class page (`ui.class_progress`):
with three students' progress written through the board (one solved a step, one answered
another wrong twice, one began a step ten minutes ago and is stuck), the teacher sees the
students × steps table with ✓, the tries and ⏳, the most-missed checks, the class's digits
and a CSV of the progress; without the teacher password nothing of it shows. Both languages.

Every test runs on a fresh SQLite board in tmp_path (`class_board_database` in conftest); the
full view also on a fresh PostgreSQL schema (`class_board_both`)."""

from __future__ import annotations

import functools
import io
import json
import time

import numpy as np
import pandas as pd
import pytest
import streamlit
from conftest import assert_no_exception, chart_values, open_page

import classroom
from cnn.lesson import STEPS
from ui.i18n import translate

PAGE = "pages/classroom.py"
PASSWORD = "s3cret-Teacher"
WIDGETS = {"class_progress_missed", "class_progress_download"}  # the table: by its columns


@pytest.fixture(autouse=True)
def quick_wrong_password(monkeypatch):
    """The app opens boards with a 1 s wait on a wrong teacher password: 0.01 s here."""
    monkeypatch.setattr(
        classroom, "open_board", functools.partial(classroom.open_board, wrong_password_delay=0.01)
    )


@pytest.fixture
def downloads(monkeypatch) -> dict:
    """What each download button offers, by file name."""
    offered = {}
    download_button = streamlit.download_button

    def recording_download_button(label, data, *args, **kwargs):
        offered[kwargs.get("file_name")] = data
        return download_button(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", recording_download_button)
    return offered


def three_students(url: str, monkeypatch) -> None:
    """Ada solved "local" at once; Bob answered "data" wrong twice; Cleo began "convolution"
    ten minutes ago (a board whose clock is ten minutes behind) and has not solved it. Ada
    drew a 7."""
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", PASSWORD)
    board = classroom.open_board(url, teacher_password=PASSWORD)
    earlier = classroom.open_board(url, teacher_password=PASSWORD, clock=lambda: time.time() - 600)
    ada, bob, cleo = (board.claim(name) for name in ("Ada", "Bob", "Cleo"))
    board.record_answer(ada.token, "Ada", "local", True)
    board.record_answer(bob.token, "Bob", "data", False)
    board.record_answer(bob.token, "Bob", "data", False)
    earlier.record_answer(cleo.token, "Cleo", "convolution", False)
    image = np.zeros((28, 28))
    image[4:24, 12:16] = 1.0
    board.add_digit(ada.token, "Ada", image, 7)


def teacher(language: str = "en", password: str = PASSWORD):
    """The Class page of a teacher who joined and typed `password` in the teacher's tools."""
    at = open_page(PAGE, language)
    at.text_input(key="class_nickname").input("Teacher")
    [submit] = [button for button in at.button if button.proto.form_id == "class_join"]
    submit.click().run()
    at.text_input(key="class_password").input(password)
    return at.button(key="class_unlock").click().run()


def shown(at) -> set[str]:
    """Which of the live view's chart and download the page shows."""
    found = set()
    for key in WIDGETS:
        try:
            at.get_by_key(key)
        except KeyError:
            continue
        found.add(key)
    return found


def progress_frame(at, language: str) -> pd.DataFrame:
    student = translate("class.progress_student", language)
    [table] = [frame.value for frame in at.dataframe if student in frame.value.columns]
    return table


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_teacher_sees_the_class_on_the_lesson(
    class_board_both, monkeypatch, downloads, language
):
    three_students(class_board_both, monkeypatch)
    at = teacher(language)
    assert_no_exception(at)
    assert not [element.value for element in at.error]
    assert translate("class.progress_title", language) in [h.value for h in at.subheader]
    assert shown(at) == WIDGETS

    # Students × steps, the steps in the lesson's order under their titles.
    table = progress_frame(at, language)
    titles = [translate(f"lesson.{step}_title", language) for step in STEPS]
    assert list(table.columns) == [translate("class.progress_student", language), *titles]
    by_name = table.set_index(translate("class.progress_student", language))
    assert list(by_name.index) == ["Ada", "Bob", "Cleo"]
    local, data, convolution = titles[:3]
    assert by_name.loc["Ada", local] == "✓"
    assert by_name.loc["Bob", data] == "2"
    assert by_name.loc["Cleo", convolution] == "1 ⏳"
    assert by_name.loc["Ada", data] == "" and by_name.loc["Bob", local] == ""

    # The most-missed checks: Bob's two wrong tries on "data" on top, Cleo's one next.
    wrong = chart_values(at, "class_progress_missed", "x")
    names = chart_values(at, "class_progress_missed", "y")
    assert list(wrong[:2]) == [2, 1] and list(names[:2]) == [data, convolution]
    assert sorted(zip(names, wrong, strict=True)) == sorted(
        zip(titles, [0, 2, 1] + [0] * (len(STEPS) - 3), strict=True)
    )
    spec = json.loads(at.get_by_key("class_progress_missed").proto.spec)
    assert spec["layout"]["xaxis"]["title"]["text"] == translate(
        "class.progress_missed_axis", language
    )

    # The class's digits, live: Ada's 7 in the teacher's view too (the page shows it once).
    captions = [caption for image in at.get("image") for caption in image.captions if caption]
    assert captions == [translate("class.label_row", language, label=7)] * 2  # (thumbnail: none)

    # The CSV: a row per student and step, three students.
    csv = pd.read_csv(io.BytesIO(downloads["class_progress.csv"]), encoding="utf-8-sig")
    assert list(csv.columns) == classroom.PROGRESS_COLUMNS
    assert sorted(set(csv["nickname"])) == ["Ada", "Bob", "Cleo"]
    assert csv.set_index("nickname").loc["Bob", "tries"] == 2
    assert downloads.keys() >= {"class_progress.csv", "class_digits.npz"}


def test_without_the_password_nothing_of_it_shows(class_board_database, monkeypatch, downloads):
    three_students(class_board_database, monkeypatch)
    at = teacher(password=PASSWORD.upper())
    assert_no_exception(at)
    assert [element.value for element in at.error] == [
        translate("class.error_wrong_password", "en")
    ]
    assert not shown(at)
    assert translate("class.progress_title", "en") not in [h.value for h in at.subheader]
    assert not [
        frame
        for frame in at.dataframe
        if translate("class.progress_student", "en") in frame.value.columns
    ]
    assert not downloads


def test_a_class_with_no_answers_says_so(class_board_database, monkeypatch, downloads):
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", PASSWORD)
    at = teacher()
    assert_no_exception(at)
    assert translate("class.progress_empty", "en") in [element.value for element in at.info]
    assert not shown(at)
    assert not [f for f in at.dataframe if "nickname" in f.value.columns or len(f.value) == 0]
    assert "class_progress.csv" not in downloads
