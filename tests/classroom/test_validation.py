"""`classroom.validation`: every value a student, a teacher or the server hands the board is
checked first (hostile ones included) and refused with a reason, nothing stored; what the
database can hold round-trips. On SQLite and PostgreSQL."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from board_helpers import PASSWORD, digit_image, entry_fields, total_digits

import classroom

IMAGE, LABEL, NICK = (
    classroom.InvalidImageError,
    classroom.InvalidLabelError,
    classroom.InvalidNicknameError,
)


BAD_DIGITS = {  # id: (the argument changed, the exception, its reason)
    "27x28": ({"image": np.zeros((27, 28))}, IMAGE, "image_shape"),
    "flat": ({"image": np.zeros(784)}, IMAGE, "image_shape"),
    "above-1": ({"image": np.full((28, 28), 1.5)}, IMAGE, "image_range"),
    "below-0": ({"image": np.full((28, 28), -0.1)}, IMAGE, "image_range"),
    "nan": ({"image": np.full((28, 28), np.nan)}, IMAGE, "image_range"),
    "text-image": ({"image": np.full((28, 28), "x")}, IMAGE, "bad_image"),
    "bool-image": ({"image": np.ones((28, 28), bool)}, IMAGE, "bad_image"),
    "label-minus-1": ({"label": -1}, LABEL, "bad_label"),
    "label-10": ({"label": 10}, LABEL, "bad_label"),
    "label-float": ({"label": 3.0}, LABEL, "bad_label"),
    "label-bool": ({"label": True}, LABEL, "bad_label"),
    "label-text": ({"label": "3"}, LABEL, "bad_label"),
    "nick-empty": ({"nickname": ""}, NICK, "nickname_empty"),
    "nick-blank": ({"nickname": "   "}, NICK, "nickname_empty"),
    "nick-25": ({"nickname": "x" * 25}, NICK, "nickname_too_long"),
    "nick-newline": ({"nickname": "a\nb"}, NICK, "bad_nickname"),
    "nick-none": ({"nickname": None}, NICK, "bad_nickname"),
    # Hostile input: each of these reached the database (or a crash) before it was checked.
    "nick-lone-surrogate": ({"nickname": "a\ud800"}, NICK, "bad_nickname"),
    "nick-nul": ({"nickname": "a\x00b"}, NICK, "bad_nickname"),
    "nick-bidi-override": ({"nickname": "a\u202eb"}, NICK, "bad_nickname"),
    "nick-zero-width-joiner": ({"nickname": "a\u200db"}, NICK, "bad_nickname"),
    "nick-megabyte": ({"nickname": "x" * 1_000_000}, NICK, "nickname_too_long"),
    "nick-bytes": ({"nickname": b"Ada"}, NICK, "bad_nickname"),
    "image-complex": ({"image": np.zeros((28, 28), complex)}, IMAGE, "bad_image"),
    "image-inf": ({"image": np.full((28, 28), np.inf)}, IMAGE, "image_range"),
    "image-object": ({"image": [[object()] * 28] * 28}, IMAGE, "bad_image"),
    "image-ragged": ({"image": [[0.0] * 28, [0.0]]}, IMAGE, "bad_image"),
    "image-none": ({"image": None}, IMAGE, "bad_image"),
    "label-2**70": ({"label": 2**70}, LABEL, "bad_label"),
    "label-uint64-max": ({"label": np.uint64(2**64 - 1)}, LABEL, "bad_label"),
    "label-nan": ({"label": float("nan")}, LABEL, "bad_label"),
}


@pytest.mark.parametrize(("change", "error", "reason"), BAD_DIGITS.values(), ids=BAD_DIGITS)
def test_bad_digits_are_refused_with_a_reason_and_nothing_stored(board, change, error, reason):
    arguments = {"token": "s1", "nickname": "Ada", "image": digit_image(0), "label": 5}
    arguments.update(change)
    with pytest.raises(error) as caught:
        board.add_digit(**arguments)
    assert isinstance(caught.value, ValueError)
    assert caught.value.reason == reason
    assert str(caught.value)
    assert total_digits(board) == 0
    board.add_digit("s1", "Ada", digit_image(0), 5)  # the refusal did not count as a digit


def test_join_refuses_a_nickname_the_board_could_not_store(board):
    """A lone surrogate passed join before and then crashed add_digit in the database
    (UnicodeEncodeError): now both refuse it, with the reason the UI translates."""
    for call in (
        lambda: board.join("a\ud800"),
        lambda: board.add_digit("s1", "\udfff", digit_image(0), 1),
        lambda: board.submit_entry("s1", "Ada\ud83d", **entry_fields()),
    ):
        with pytest.raises(classroom.InvalidNicknameError) as caught:
            call()
        assert caught.value.reason == "bad_nickname" and isinstance(caught.value, ValueError)
    assert total_digits(board) == 0 and board.leaderboard().empty
    assert board.join("Ada 😀") == "Ada 😀"  # a real astral character is fine


def test_a_session_id_that_cannot_be_stored_is_refused(board):
    for session in ("s\ud800", "x" * 129, "", 42, None):
        with pytest.raises(classroom.InvalidInputError) as caught:
            board.add_digit(session, "Ada", digit_image(0), 1)
        assert caught.value.reason == "bad_session"
    assert total_digits(board) == 0


def test_nicknames_are_trimmed_and_may_have_24_characters(board):
    assert board.join("  Ada Lovelace \t") == "Ada Lovelace"
    assert board.join("é" * 24) == "é" * 24
    with pytest.raises(classroom.InvalidNicknameError, match="at most 24"):
        board.join("é" * 25)


BAD_ENTRIES = [
    pytest.param({"test_accuracy": 1.5}, id="accuracy-above-1"),
    pytest.param({"test_accuracy": None}, id="accuracy-none"),
    pytest.param({"class_accuracy": -0.1}, id="class-accuracy-negative"),
    pytest.param({"params": -1}, id="params-negative"),
    pytest.param({"epochs": 2.5}, id="epochs-float"),
    pytest.param({"seconds": float("nan")}, id="seconds-nan"),
    pytest.param({"kind": "rnn"}, id="kind"),
    pytest.param({"recipe": {"f": object()}}, id="recipe-not-json"),
    pytest.param({"recipe": ["a"]}, id="recipe-list"),
    pytest.param({"recipe": "x" * 30_000}, id="recipe-too-long"),
    # Numbers the database cannot hold: 2**63 raised OverflowError on SQLite, 2**31 a
    # DataError on PostgreSQL's 32-bit INTEGER, before validation refused them.
    pytest.param({"params": 2**63}, id="params-2**63"),
    pytest.param({"params": 2**31}, id="params-2**31"),
    pytest.param({"params": np.uint64(2**64 - 1)}, id="params-uint64-max"),
    pytest.param({"epochs": 2**40}, id="epochs-2**40"),
    pytest.param({"params": "242062"}, id="params-text"),
    pytest.param({"params": 5.0}, id="params-float"),
    pytest.param({"params": True}, id="params-bool"),
    pytest.param({"seconds": float("inf")}, id="seconds-inf"),
    pytest.param({"seconds": -1.0}, id="seconds-negative"),
    pytest.param({"seconds": 1e308}, id="seconds-huge"),
    pytest.param({"seconds": 10**400}, id="seconds-int-beyond-float"),
    pytest.param({"test_accuracy": 10**400}, id="accuracy-int-beyond-float"),
    pytest.param({"test_accuracy": float("nan")}, id="accuracy-nan"),
    pytest.param({"class_accuracy": float("inf")}, id="class-accuracy-inf"),
    pytest.param({"test_accuracy": "0.9"}, id="accuracy-text"),
    pytest.param({"kind": ["cnn"]}, id="kind-list"),
    pytest.param({"kind": "cnn" * 100_000}, id="kind-long"),
    pytest.param({"recipe": {"lr": float("nan")}}, id="recipe-nan"),
    pytest.param(
        {"recipe": {"deep": functools.reduce(lambda x, _: [x], range(5000), [])}},
        id="recipe-nested-5000-deep",
    ),
    pytest.param({"recipe": "x" * 10_000_000}, id="recipe-10-megabytes"),
]


@pytest.mark.parametrize("change", BAD_ENTRIES)
def test_bad_entries_are_refused_and_nothing_stored(board, change):
    with pytest.raises(classroom.InvalidEntryError) as caught:
        board.submit_entry("s1", "Ada", **entry_fields(**change))
    assert isinstance(caught.value, ValueError) and caught.value.reason == "bad_entry"
    assert caught.value.details["field"] in change
    assert len(str(caught.value)) < 200  # quotes at most a little of what it was given
    assert board.leaderboard().empty
    board.submit_entry("s1", "Ada", **entry_fields())  # the refusal did not start the wait


def test_the_largest_numbers_the_database_holds_round_trip(board):
    largest = 2**31 - 1
    board.submit_entry(
        "s1", "Ada", **entry_fields(params=np.int64(largest), epochs=largest, seconds=1e6)
    )
    board.submit_entry("s2", "Bob", **entry_fields(params=0, epochs=0, seconds=0))
    table = board.leaderboard()
    assert sorted(table["params"].tolist()) == [0, largest]
    assert sorted(table["epochs"].tolist()) == [0, largest]
    assert sorted(table["seconds"].tolist()) == [0.0, 1e6]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("WED-3", "wrong_class_code"),
        ("MON-11", "wrong_class_code"),
        (None, "class_code_required"),
        ("  ", "class_code_required"),
    ],
)
def test_a_wrong_or_missing_class_code_is_refused(make_board, typed, reason):
    with pytest.raises(classroom.InvalidClassCodeError) as caught:
        make_board(class_code=typed, expected_code="MON-1")
    assert isinstance(caught.value, ValueError) and caught.value.reason == reason


@pytest.mark.parametrize(
    "typed",
    ["MON-1\ud800", "\udcff", "MON-1\x00", "x" * 1_000_000, "MON-1" * 13, b"MON-1", 7, ["MON-1"]],
    ids=["surrogate", "lone-surrogate", "nul", "megabyte", "65-chars", "bytes", "int", "list"],
)
def test_a_hostile_class_code_is_refused_not_crashed(make_board, typed):
    with pytest.raises(classroom.InvalidClassCodeError) as caught:
        make_board(class_code=typed, expected_code="MON-1")
    assert caught.value.reason in ("wrong_class_code", "class_code_required")
    assert len(str(caught.value)) < 200


def test_a_deployment_class_code_that_cannot_be_stored_is_a_setting_error(make_board):
    for code in ("ROOM\udcff", "x" * 65):  # \udcff: an undecodable byte in the environment
        with pytest.raises(ValueError, match="class code") as caught:
            make_board(class_code=code, expected_code=code)
        assert not isinstance(caught.value, classroom.ClassroomError)


def test_ids_no_row_can_have_remove_nothing_and_others_are_refused(board):
    digit = board.add_digit("s1", "Ada", digit_image(0), 0)
    entry = board.submit_entry("s1", "Ada", **entry_fields())
    for row_id in (0, -1, 2**31, 2**63, 2**70, np.int64(-(2**63))):
        assert board.remove_digit(PASSWORD, row_id) is False
        assert board.remove_entry(PASSWORD, row_id) is False
    for row_id in ("1", 1.0, float("nan"), True, None, [1]):
        for remove in (board.remove_digit, board.remove_entry):
            with pytest.raises(classroom.InvalidInputError) as caught:
                remove(PASSWORD, row_id)
            assert caught.value.reason == "bad_id"
    with pytest.raises(classroom.WrongPasswordError):  # the password is checked first
        board.remove_digit("wrong", "not an id")
    assert [d.id for d in board.list_digits()] == [digit]
    assert board.leaderboard()["id"].tolist() == [entry]
    assert board.remove_digit(PASSWORD, np.int64(digit)) and board.remove_entry(PASSWORD, entry)
