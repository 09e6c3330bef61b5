"""The leaderboard (`classroom.board_entries`): ranked by test accuracy, then class accuracy;
the same weights are one entry, and the rate is checked before the server scores a model.
On SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
from board_helpers import WEIGHTS_A, WEIGHTS_B, FakeClock, entry_fields

import classroom


def test_leaderboard_ranks_by_test_accuracy(board):
    low = board.submit_entry("s1", "Ada", **entry_fields(test_accuracy=0.91, kind="mlp"))
    tie_no_class = board.submit_entry("s2", "Bob", **entry_fields(class_accuracy=None))
    best = board.submit_entry("s3", "Cy", **entry_fields(test_accuracy=0.99, recipe="my notes"))
    tie_class = board.submit_entry("s4", "Di", **entry_fields(class_accuracy=0.9))
    table = board.leaderboard()
    assert list(table.columns) == classroom.LEADERBOARD_COLUMNS
    assert table["id"].tolist() == [best, tie_class, tie_no_class, low]
    assert table["rank"].tolist() == [1, 2, 3, 4]
    first = table.iloc[0]
    assert first["recipe"] == "my notes"
    assert table.iloc[1]["recipe"] == entry_fields()["recipe"]
    assert (first["params"], first["epochs"], first["seconds"]) == (242_062, 3, 12.5)
    assert table.iloc[3]["kind"] == "mlp" and np.isnan(table.iloc[2]["class_accuracy"])
    assert board.leaderboard(limit=2)["id"].tolist() == [best, tie_class]


def test_the_same_weights_are_one_entry_and_said_so_before_scoring(make_board):
    clock = FakeClock()
    board = make_board(clock=clock)
    ada = board.claim("Ada")
    assert board.check_submit(ada.token, "Ada", WEIGHTS_A) is None
    first = board.submit_entry(ada.token, "Ada", weights_hash=WEIGHTS_A, **entry_fields())
    clock.advance(60)
    assert board.check_submit(ada.token, "Ada", WEIGHTS_A) == first
    again = board.submit_entry(ada.token, "Ada", weights_hash=WEIGHTS_A, **entry_fields())
    assert again == first and len(board.leaderboard()) == 1
    bob = board.claim("Bob")  # the same weights from another student: still one entry
    assert board.submit_entry(bob.token, "Bob", weights_hash=WEIGHTS_A, **entry_fields()) == first
    other = board.submit_entry(ada.token, "Ada", weights_hash=WEIGHTS_B, **entry_fields())
    assert other != first and len(board.leaderboard()) == 2
    with pytest.raises(classroom.InvalidEntryError):
        board.submit_entry(ada.token, "Ada", weights_hash="not a hash", **entry_fields())


def test_the_entry_rate_is_checked_before_scoring(make_board):
    clock = FakeClock()
    board = make_board(clock=clock)
    ada = board.claim("Ada")
    board.submit_entry(ada.token, "Ada", weights_hash=WEIGHTS_A, **entry_fields())
    clock.advance(4)
    with pytest.raises(classroom.RateLimitError) as caught:
        board.check_submit(ada.token, "Ada", WEIGHTS_B)
    assert caught.value.details["retry_after"] == pytest.approx(6)
    with pytest.raises(classroom.NicknameTakenError):
        board.check_submit("another-browser", "Ada", WEIGHTS_B)
    clock.advance(6)
    assert board.check_submit(ada.token, "Ada", WEIGHTS_B) is None
