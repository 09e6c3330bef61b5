"""`open_board` and `Board` as a whole: each class code its own board, and the class code never
logged when it is the teacher password. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging

import pytest
from board_helpers import PASSWORD, digit_image, entry_fields, total_digits

import classroom


def test_boards_are_isolated_by_class_code(make_board):
    relaxed = classroom.Limits(digit_interval_s=0, entry_interval_s=0)
    codes = ["MON-1", "TUE-2"]
    monday = make_board(class_code="mon-1 ", expected_code=codes, limits=relaxed)
    tuesday = make_board(class_code="TUE-2", expected_code=codes, limits=relaxed)
    open_board = make_board(limits=relaxed)
    assert (monday.class_code, tuesday.class_code, open_board.class_code) == ("MON-1", "TUE-2", "")

    monday_digit = monday.add_digit("s1", "Ada", digit_image(1), 1)
    tuesday_digit = tuesday.add_digit("s2", "Bob", digit_image(2), 2)
    open_board.add_digit("s3", "Cy", digit_image(3), 3)
    monday_entry = monday.submit_entry("s1", "Ada", **entry_fields())
    tuesday_entry = tuesday.submit_entry("s2", "Bob", **entry_fields(test_accuracy=0.5))

    assert [d.id for d in monday.list_digits()] == [monday_digit]
    assert [d.id for d in tuesday.list_digits()] == [tuesday_digit]
    assert monday.digit_counts()[2] == 0 and tuesday.digit_counts()[2] == 1
    assert open_board.digit_counts()[3] == 1 and total_digits(open_board) == 1
    assert monday.leaderboard()["id"].tolist() == [monday_entry]
    assert open_board.leaderboard().empty
    assert monday.class_digits_array()[1].tolist() == [1]

    # A teacher's tools reach their own class only, even given another class's ids.
    assert not monday.remove_digit(PASSWORD, tuesday_digit)
    assert not monday.remove_entry(PASSWORD, tuesday_entry)
    assert monday.clear_board(PASSWORD) == {"digits": 1, "entries": 1}
    assert [d.id for d in tuesday.list_digits()] == [tuesday_digit]
    assert tuesday.leaderboard()["id"].tolist() == [tuesday_entry]
    assert total_digits(open_board) == 1


def test_a_class_code_equal_to_the_teacher_password_is_not_logged(make_board, caplog):
    """A deployment that reuses its teacher password as the class code: the log lines that
    name the board do not write it out."""
    caplog.set_level(logging.DEBUG)
    board = make_board(class_code=PASSWORD, expected_code=PASSWORD)
    with pytest.raises(classroom.WrongPasswordError):
        board.check_teacher("guess")
    board.clear_board(PASSWORD)
    assert "Wrong teacher password" in caplog.text and "cleared" in caplog.text
    assert PASSWORD not in caplog.text and PASSWORD not in repr(board)
