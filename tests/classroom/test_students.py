"""A class can trust the board (`classroom.board_students`): a student is a nickname claimed
once with a token, stored only as its hash, per class; limits count per student in the
database (across sessions, reloads and servers); a class takes at most its number of
students. On SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import threading

import pytest
import sqlalchemy
from board_helpers import digit_image, total_digits

import classroom
from classroom import schema


def test_a_nickname_is_claimed_once_and_its_token_takes_it_up_again(make_board):
    board = make_board()
    ada = board.claim("  Ada ")
    assert ada.nickname == "Ada" and len(ada.token) >= 32 and ada.token not in repr(ada)
    assert board.claim("Ada", ada.token) == ada  # the same browser, after a reload
    assert board.resume(ada.token) == "Ada"
    with pytest.raises(classroom.NicknameTakenError) as caught:
        board.claim("Ada")  # another browser, without Ada's token
    assert caught.value.reason == "nickname_taken" and isinstance(caught.value, ValueError)
    with pytest.raises(classroom.NicknameTakenError):
        board.claim("Ada", "someone-elses-token")
    assert board.resume("never-issued") is None
    assert board.resume("\ud800" * 3) is None and board.resume(None) is None
    assert board.capacity()["students"] == (1, 500)


def test_the_token_is_stored_only_as_a_hash(make_board, database_url):
    ada = make_board().claim("Ada")
    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as conn:
        stored = conn.execute(sqlalchemy.select(schema.students)).one()
    engine.dispose()
    assert ada.token not in repr(tuple(stored)) and len(stored.token_hash) == 64


def test_a_nickname_is_per_class(make_board):
    monday = make_board(class_code="MON", expected_code=["MON", "TUE"])
    tuesday = make_board(class_code="TUE", expected_code=["MON", "TUE"])
    first = monday.claim("Ada")
    second = tuesday.claim("Ada")  # another class: another student
    assert first.token != second.token and tuesday.resume(first.token) is None


def test_one_student_from_many_sessions_stays_in_quota_and_pushes_out_nobody(make_board):
    """Mallory reloads 52 times (the link keeps her token) and sends 10 digits from each; new
    browsers without her token cannot be Mallory; Bob's digits stay."""
    limits = classroom.Limits(digit_interval_s=0, digits_per_student=200, digits_per_board=300)
    board = make_board(limits=limits)
    bob = board.claim("Bob")
    bobs = [board.add_digit(bob.token, "Bob", digit_image(i), 7) for i in range(5)]
    mallory = board.claim("Mallory")
    stored, refused, taken = 0, 0, 0
    for session in range(52):
        for i in range(10):
            try:
                board.add_digit(mallory.token, "Mallory", digit_image(i), session % 10)
                stored += 1
            except classroom.StudentQuotaError:
                refused += 1
        try:
            board.add_digit(f"new-browser-{session}", "Mallory", digit_image(0), 1)
        except classroom.NicknameTakenError:
            taken += 1
    assert (stored, refused, taken) == (200, 320, 52)
    assert total_digits(board) == 205
    assert {d.id for d in board.list_digits(label=7, limit=None)} >= set(bobs)
    board.add_digit(bob.token, "Bob", digit_image(9), 7)  # Bob is not held up by Mallory


@pytest.mark.timeout(120)
def test_racing_browsers_claim_a_nickname_exactly_once(make_board):
    board = make_board()
    winners: list[str] = []
    barrier = threading.Barrier(12)

    def claim(i: int) -> None:
        barrier.wait()
        with contextlib.suppress(classroom.NicknameTakenError):
            winners.append(board.claim("Ada", f"token-{i}").token)

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1 and board.resume(winners[0]) == "Ada"


def test_a_class_takes_at_most_its_number_of_students(make_board):
    board = make_board(limits=classroom.Limits(students_per_board=2))
    board.claim("Ada")
    board.claim("Bob")
    with pytest.raises(classroom.BoardFullError) as caught:
        board.claim("Cy")
    assert caught.value.details["kind"] == "students"
    assert board.capacity()["students"] == (2, 2)
