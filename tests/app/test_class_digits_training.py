"""AppTest of the Training page's option to learn from the class's digits: offered only in
a class that allows it and has drawn enough digits; a training with it shows the held-out
class digits before and after, next to MNIST's test accuracy, in both languages."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import assert_no_exception, open_page

import classroom
from cnn.class_digits import MIN_CLASS_DIGITS
from ui.i18n import translate

TRAINING = "pages/training.py"
PASSWORD = "s3cret-Teacher"


def open_class(url: str, monkeypatch) -> classroom.Board:
    """Class "ROOM-A" as the deployment opens it, with a clock that moves 2 s a call (no
    student waits between two digits here)."""
    monkeypatch.setenv("CNN_LAB_CLASS_CODE", "ROOM-A")
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", PASSWORD)
    ticks = itertools.count(1_000_000, 2)
    return classroom.open_board(
        url,
        class_code="ROOM-A",
        expected_code="ROOM-A",
        teacher_password=PASSWORD,
        clock=lambda: float(next(ticks)),
    )


def ada_drew(board: classroom.Board, count: int) -> dict:
    """Ada's session state after she joined and drew `count` digits: a bar per label, at a
    place of its own (a style MNIST has not seen)."""
    student = board.claim("Ada")
    for index in range(count):
        label = index % 10
        image = np.zeros((28, 28), np.float32)
        image[4 + index % 3 : 24, 2 + 2 * label : 5 + 2 * label] = 1.0
        board.add_digit(student.token, student.nickname, image, label)
    return {
        "class_member": {"nickname": "Ada", "class_code": "ROOM-A", "token": student.token},
        "class_tokens": {("ROOM-A", "Ada"): student.token},
    }


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_option_is_offered_with_enough_digits(class_board_database, monkeypatch, language):
    state = ada_drew(open_class(class_board_database, monkeypatch), MIN_CLASS_DIGITS)
    at = open_page(TRAINING, language, **state)
    assert_no_exception(at)
    toggle = at.toggle(key="train_class_digits")
    assert toggle.label == translate("train.class_digits", language, count=MIN_CLASS_DIGITS)
    assert toggle.value is False


def test_too_few_digits_say_how_many_are_needed(class_board_database, monkeypatch):
    state = ada_drew(open_class(class_board_database, monkeypatch), MIN_CLASS_DIGITS - 1)
    at = open_page(TRAINING, **state)
    assert_no_exception(at)
    assert "train_class_digits" not in [toggle.key for toggle in at.toggle]
    expected = translate(
        "train.class_digits_too_few", count=MIN_CLASS_DIGITS - 1, needed=MIN_CLASS_DIGITS
    )
    assert expected in [caption.value for caption in at.caption]


def test_the_teachers_switch_takes_the_option_away(class_board_database, monkeypatch):
    board = open_class(class_board_database, monkeypatch)
    state = ada_drew(board, MIN_CLASS_DIGITS)
    board.set_class_training(PASSWORD, False)
    at = open_page(TRAINING, **state)
    assert_no_exception(at)
    assert "train_class_digits" not in [toggle.key for toggle in at.toggle]
    assert translate("train.class_digits_forbidden") in [caption.value for caption in at.caption]


def test_outside_a_class_there_is_no_option():
    at = open_page(TRAINING)
    assert_no_exception(at)
    assert "train_class_digits" not in [toggle.key for toggle in at.toggle]


@pytest.mark.slow
def test_a_training_with_the_class_digits_shows_before_and_after(class_board_database, monkeypatch):
    state = ada_drew(open_class(class_board_database, monkeypatch), 60)
    at = open_page(TRAINING, **state)
    at.segmented_control(key="train_preset").set_value("quick").run()
    at.slider(key="train_epochs").set_value(1).run()
    at.toggle(key="train_class_digits").set_value(True).run()
    at.button(key="train_start").click().run()
    assert_no_exception(at)
    run = at.session_state["trained"]
    assert "60 class digits" not in run.data.source  # only the training half is added
    assert "30 class digits" in run.data.source
    assert translate("train.class_results_title") in [header.value for header in at.subheader]
    labels = [metric.label for metric in at.metric]
    for key in ("train.class_before", "train.class_after", "train.class_mnist"):
        assert translate(key) in labels
    assert translate("train.domain_shift") in [info.value for info in at.info]
