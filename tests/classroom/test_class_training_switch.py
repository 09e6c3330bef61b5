"""The teacher's switch "students may train on the class's digits"
(`Board.class_training_allowed`, `Board.set_class_training`): allowed by default, set only
with the teacher password (a wrong one counts toward the class's lockout), a bool and nothing
else, one board's switch apart from another's. On SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy
from board_helpers import PASSWORD, FakeClock

import classroom
from classroom import schema

CODES = ["MON", "TUE"]


def test_a_new_board_allows_class_training_and_reading_it_writes_nothing(board, database_url):
    assert board.class_training_allowed() is True
    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(sqlalchemy.select(schema.boards)).all()
    engine.dispose()
    assert rows == []  # a read: no counters row made for it


def test_the_teacher_forbids_then_allows_class_training(board):
    board.set_class_training(PASSWORD, False)
    assert board.class_training_allowed() is False
    board.set_class_training(PASSWORD, False)  # twice: still forbidden
    assert board.class_training_allowed() is False
    board.set_class_training(PASSWORD, True)
    assert board.class_training_allowed() is True
    assert board.capacity()["digits"][0] == 0  # the counters row it made counts nothing


def test_the_switch_holds_for_every_server(make_board):
    first = make_board(class_code="MON", expected_code=CODES)
    first.set_class_training(PASSWORD, False)
    classroom.dispose_engines()  # a second server: its own engine and pool
    second = make_board(class_code="MON", expected_code=CODES)
    assert second.class_training_allowed() is False


def test_a_wrong_password_changes_nothing_and_counts_toward_the_lockout(make_board):
    clock = FakeClock()
    board = make_board(clock=clock, limits=classroom.Limits(teacher_attempts=3))
    board.set_class_training(PASSWORD, False)
    for guess in ("guess", PASSWORD + " ", ""):
        clock.advance(5)
        with pytest.raises(classroom.WrongPasswordError) as caught:
            board.set_class_training(guess, True)
        assert caught.value.reason == "wrong_password"
        assert board.class_training_allowed() is False
    with pytest.raises(classroom.TeacherLockedError) as caught:  # even the right one waits
        board.set_class_training(PASSWORD, True)
    assert caught.value.reason == "teacher_locked"
    assert board.class_training_allowed() is False
    clock.advance(60)
    board.set_class_training(PASSWORD, True)
    assert board.class_training_allowed() is True


def test_without_a_teacher_password_nobody_sets_the_switch(make_board):
    board = make_board(teacher_password=None)
    with pytest.raises(classroom.WrongPasswordError) as caught:
        board.set_class_training("", False)
    assert caught.value.reason == "teacher_disabled"
    assert board.class_training_allowed() is True


def test_one_boards_switch_leaves_anothers_alone(make_board):
    monday = make_board(class_code="MON", expected_code=CODES)
    tuesday = make_board(class_code="TUE", expected_code=CODES)
    monday.set_class_training(PASSWORD, False)
    assert monday.class_training_allowed() is False
    assert tuesday.class_training_allowed() is True
    tuesday.set_class_training(PASSWORD, False)
    monday.set_class_training(PASSWORD, True)
    assert monday.class_training_allowed() is True
    assert tuesday.class_training_allowed() is False


@pytest.mark.parametrize("value", [0, 1, "no", "False", None, 1.0, np.bool_(False)])
def test_only_a_bool_sets_the_switch(make_board, value):
    """A truthy "no" or a 0 is a mistake, never read as on or off; it costs no password try
    (refused before the password is checked)."""
    board = make_board(limits=classroom.Limits(teacher_attempts=1))
    board.set_class_training(PASSWORD, False)
    with pytest.raises(classroom.InvalidInputError) as caught:
        board.set_class_training(PASSWORD, value)
    assert caught.value.reason == "bad_switch" and isinstance(caught.value, ValueError)
    assert caught.value.text_prefix + caught.value.text_reason() == "class.error_bad_switch"
    assert board.class_training_allowed() is False
    board.set_class_training(PASSWORD, True)  # not locked: the refusal counted no try
    assert board.class_training_allowed() is True
