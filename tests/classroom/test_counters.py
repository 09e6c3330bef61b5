"""`classroom.counters`: the limits, claimed in the write's own transaction: a digit a second
and 200 per student, an entry every 10 s, a full board refuses and drops nothing, racing
requests pass once, and a write that fails midway advances no counter. On SQLite and
PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from board_helpers import PASSWORD, FakeClock, digit_image, entry_fields, total_digits

import classroom


def test_one_digit_a_second_per_student(make_board):
    clock = FakeClock()
    board = make_board(clock=clock)
    board.add_digit("s1", "Ada", digit_image(0), 0)
    clock.advance(0.4)
    with pytest.raises(classroom.RateLimitError, match="wait 0.6 s") as caught:
        board.add_digit("s1", "Ada", digit_image(1), 1)
    assert caught.value.reason == "too_fast"
    assert caught.value.details["retry_after"] == pytest.approx(0.6)
    assert isinstance(caught.value, classroom.LimitExceededError)
    assert total_digits(board) == 1
    board.add_digit("s2", "Bob", digit_image(1), 1)  # another student is not held up
    clock.advance(0.6)
    board.add_digit("s1", "Ada", digit_image(1), 1)
    assert total_digits(board) == 3


def test_a_student_stores_at_most_200_digits(make_board):
    clock = FakeClock()
    board = make_board(clock=clock)
    for i in range(200):
        board.add_digit("s1", "Ada", digit_image(i), i % 10)
        clock.advance(1)
    with pytest.raises(classroom.StudentQuotaError, match="200") as caught:
        board.add_digit("s1", "Ada", digit_image(0), 0)
    assert caught.value.reason == "student_quota"
    assert total_digits(board) == 200
    with pytest.raises(classroom.NicknameTakenError):  # another browser cannot be Ada
        board.add_digit("s2", "Ada", digit_image(0), 0)
    board.add_digit("s2", "Bob", digit_image(0), 0)
    assert total_digits(board) == 201


def test_one_leaderboard_entry_every_10_seconds_per_session(make_board):
    clock = FakeClock()
    board = make_board(clock=clock)
    board.submit_entry("s1", "Ada", **entry_fields())
    clock.advance(9)
    with pytest.raises(classroom.RateLimitError, match="every 10 s") as caught:
        board.submit_entry("s1", "Ada", **entry_fields())
    assert caught.value.details["retry_after"] == pytest.approx(1)
    assert len(board.leaderboard()) == 1
    board.submit_entry("s2", "Bob", **entry_fields())
    clock.advance(1)
    board.submit_entry("s1", "Ada", **entry_fields())
    assert len(board.leaderboard()) == 3


def test_a_full_board_refuses_new_digits_and_drops_nothing(make_board):
    limits = classroom.Limits(digit_interval_s=0, digits_per_board=5)
    board = make_board(class_code="A", expected_code=["A", "B"], limits=limits)
    other = make_board(class_code="B", expected_code=["A", "B"], limits=limits)
    other_ids = [other.add_digit("s2", "Bob", digit_image(i), 1) for i in range(3)]
    ids = [board.add_digit("s1", "Ada", digit_image(i), i) for i in range(5)]
    with pytest.raises(classroom.BoardFullError, match="5 digits") as caught:
        board.add_digit("s3", "Cy", digit_image(0), 0)
    assert caught.value.reason == "board_full" and caught.value.details["kind"] == "digits"
    assert [d.id for d in board.list_digits()] == ids[::-1]  # nobody's digit pushed out
    assert board.capacity()["digits"] == (5, 5)
    assert [d.id for d in other.list_digits()] == other_ids[::-1]
    board.remove_digit(PASSWORD, ids[0])  # the teacher makes room
    board.add_digit("s3", "Cy", digit_image(0), 0)
    assert board.capacity()["digits"] == (5, 5)


def test_a_full_leaderboard_refuses_new_entries_and_drops_nothing(make_board):
    limits = classroom.Limits(entry_interval_s=0, entries_per_board=3)
    board = make_board(limits=limits)
    ids = [
        board.submit_entry("s1", "Ada", **entry_fields(test_accuracy=1 - i / 10)) for i in range(3)
    ]
    with pytest.raises(classroom.BoardFullError) as caught:
        board.submit_entry("s1", "Ada", **entry_fields())
    assert caught.value.details["kind"] == "entries"
    with pytest.raises(classroom.BoardFullError):  # said before the model is even scored
        board.check_submit("s2", "Bob")
    assert board.leaderboard()["id"].tolist() == ids


@pytest.mark.timeout(120)
def test_racing_requests_of_one_session_store_one_digit(make_board):
    board = make_board(clock=FakeClock())  # every request at the same instant
    outcomes: list[str] = []
    barrier = threading.Barrier(16)

    def send(i: int) -> None:
        barrier.wait()
        try:
            board.add_digit("same-session", "Ada", digit_image(i), i % 10)
            outcomes.append("stored")
        except classroom.RateLimitError:
            outcomes.append("refused")

    threads = [threading.Thread(target=send, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 15 + ["stored"]
    assert total_digits(board) == 1


def test_a_write_that_fails_midway_leaves_nothing_behind(board, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full, say")

    with monkeypatch.context() as patch:
        patch.setattr(classroom.counters, "claim_capacity", broken)
        with pytest.raises(RuntimeError):
            board.add_digit("s1", "Ada", digit_image(0), 0)
        with pytest.raises(RuntimeError):
            board.submit_entry("s1", "Ada", **entry_fields())
    assert total_digits(board) == 0 and board.leaderboard().empty
    quota = classroom.Limits(digit_interval_s=60, digits_per_student=1, entry_interval_s=60)
    strict = classroom.open_board(board._engine.url, limits=quota)
    strict.add_digit("s1", "Ada", digit_image(0), 0)  # neither counter was advanced
    strict.submit_entry("s1", "Ada", **entry_fields())
