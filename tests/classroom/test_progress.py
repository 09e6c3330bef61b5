"""`Board.record_answer`, `student_progress` and `class_progress`: the lesson's progress per
student on the class board. The first answer starts a step, every answer counts a try until
the first right one solves it, a solved step stays solved; only the nickname's own token
answers or reads, only the teacher reads the class; classes are apart; racing answers each
count once. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from board_helpers import PASSWORD, FakeClock

import classroom


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def lesson_board(make_board, clock) -> classroom.Board:
    return make_board(clock=clock)


def test_the_first_answer_starts_the_step_and_counts_a_try(lesson_board, clock):
    ada = lesson_board.claim("Ada")
    assert lesson_board.student_progress(ada.token, "Ada") == {}
    shown = lesson_board.record_answer(ada.token, "Ada", "convolution", False)
    assert shown == {
        "step": "convolution",
        "tries": 1,
        "solved": False,
        "started_at": clock.now,
        "finished_at": None,
    }
    assert lesson_board.student_progress(ada.token, "Ada") == {"convolution": shown}


def test_a_wrong_then_a_right_answer_solves_the_step_in_two_tries(lesson_board, clock):
    ada = lesson_board.claim("Ada")
    started = clock.now
    lesson_board.record_answer(ada.token, "Ada", "pooling", False)
    clock.advance(42)
    shown = lesson_board.record_answer(ada.token, "Ada", "pooling", True)
    assert shown == {
        "step": "pooling",
        "tries": 2,
        "solved": True,
        "started_at": started,
        "finished_at": started + 42,
    }


def test_a_solved_step_stays_solved_and_counts_no_more_tries(lesson_board, clock):
    ada = lesson_board.claim("Ada")
    first = lesson_board.record_answer(ada.token, "Ada", "local", True)
    assert (first["tries"], first["solved"], first["finished_at"]) == (1, True, clock.now)
    clock.advance(60)
    for right in (False, True, False):
        assert lesson_board.record_answer(ada.token, "Ada", "local", right) == first
    table = lesson_board.class_progress(PASSWORD)
    assert table["updated_at"].tolist() == [first["finished_at"]]  # nothing changed since


def test_steps_are_counted_apart_and_read_back_by_step(lesson_board):
    ada = lesson_board.claim("Ada")
    lesson_board.record_answer(ada.token, "Ada", "local", True)
    lesson_board.record_answer(ada.token, "Ada", "data", False)
    lesson_board.record_answer(ada.token, "Ada", "data", False)
    mine = lesson_board.student_progress(ada.token, "Ada")
    assert {step: (row["tries"], row["solved"]) for step, row in mine.items()} == {
        "local": (1, True),
        "data": (2, False),
    }


def test_an_answer_claims_a_nickname_nobody_has_as_a_digit_would(lesson_board):
    shown = lesson_board.record_answer("token-of-bob", "  Bob ", "data", True)
    assert shown["solved"] and lesson_board.resume("token-of-bob") == "Bob"


def test_another_browsers_token_is_refused_and_changes_nothing(lesson_board):
    ada = lesson_board.claim("Ada")
    lesson_board.record_answer(ada.token, "Ada", "local", False)
    with pytest.raises(classroom.NicknameTakenError):
        lesson_board.record_answer("someone-else", "Ada", "local", True)
    with pytest.raises(classroom.NicknameTakenError):
        lesson_board.student_progress("someone-else", "Ada")
    assert lesson_board.student_progress(ada.token, "Ada")["local"]["tries"] == 1
    assert not lesson_board.student_progress(ada.token, "Ada")["local"]["solved"]


@pytest.mark.parametrize(
    "step", ["", "Local", "con-volution", "a" * 33, "pas de deux", "étape", "local\n", 3, None]
)
def test_a_bad_step_is_refused_with_a_reason(lesson_board, step):
    ada = lesson_board.claim("Ada")
    with pytest.raises(classroom.InvalidInputError) as caught:
        lesson_board.record_answer(ada.token, "Ada", step, True)
    assert caught.value.reason == "bad_step" and caught.value.details == {"max": 32}
    assert lesson_board.student_progress(ada.token, "Ada") == {}


def test_the_longest_step_name_is_kept():
    assert classroom.validation.step("a_" * 16) == "a_" * 16


@pytest.mark.parametrize("right", ["no", 1, 0, None])
def test_an_answer_that_is_not_a_bool_is_refused(lesson_board, right):
    ada = lesson_board.claim("Ada")
    with pytest.raises(classroom.InvalidInputError) as caught:
        lesson_board.record_answer(ada.token, "Ada", "local", right)
    assert caught.value.reason == "bad_answer"
    assert lesson_board.student_progress(ada.token, "Ada") == {}


def test_each_class_sees_only_its_own_progress(make_board):
    codes = ["MON", "TUE"]
    monday = make_board(class_code="MON", expected_code=codes)
    tuesday = make_board(class_code="TUE", expected_code=codes)
    ada_monday = monday.claim("Ada")
    ada_tuesday = tuesday.claim("Ada")  # the same nickname, another class: another student
    monday.record_answer(ada_monday.token, "Ada", "local", True)
    tuesday.record_answer(ada_tuesday.token, "Ada", "local", False)
    tuesday.record_answer(ada_tuesday.token, "Ada", "data", False)
    assert monday.student_progress(ada_monday.token, "Ada")["local"]["solved"]
    assert set(tuesday.student_progress(ada_tuesday.token, "Ada")) == {"local", "data"}
    assert monday.class_progress(PASSWORD)[["step", "tries"]].values.tolist() == [["local", 1]]
    assert len(tuesday.class_progress(PASSWORD)) == 2
    with pytest.raises(classroom.NicknameTakenError):  # Monday's token is not Tuesday's Ada
        tuesday.student_progress(ada_monday.token, "Ada")


def test_twenty_racing_answers_of_one_student_count_exactly_twenty_tries(make_board):
    board = make_board()
    ada = board.claim("Ada")
    barrier = threading.Barrier(20)
    failures = []

    def answer() -> None:
        try:
            barrier.wait()
            board.record_answer(ada.token, "Ada", "training", False)
        except Exception as error:  # noqa: BLE001 (reported below)
            failures.append(error)

    threads = [threading.Thread(target=answer) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    mine = board.student_progress(ada.token, "Ada")
    assert mine["training"]["tries"] == 20 and not mine["training"]["solved"]
    assert len(board.class_progress(PASSWORD)) == 1  # one row, however the first ones raced


def test_racing_first_answers_of_new_students_each_make_one_row(make_board):
    board = make_board()
    barrier = threading.Barrier(8)
    failures = []

    def answer(index: int) -> None:
        try:
            barrier.wait()
            board.record_answer(f"token-{index % 4}", f"S{index % 4}", "data", index < 4)
        except Exception as error:  # noqa: BLE001 (reported below)
            failures.append(error)

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    table = board.class_progress(PASSWORD)
    assert sorted(table["nickname"]) == ["S0", "S1", "S2", "S3"]
    assert table["solved"].all() and set(table["tries"]) <= {1, 2}


def test_the_class_table_is_the_teachers_only(lesson_board, clock):
    ada = lesson_board.claim("Ada")
    bob = lesson_board.claim("Bob")
    lesson_board.record_answer(ada.token, "Ada", "local", True)
    clock.advance(5)
    lesson_board.record_answer(bob.token, "Bob", "local", False)
    with pytest.raises(classroom.WrongPasswordError):
        lesson_board.class_progress("not the password")
    with pytest.raises(classroom.WrongPasswordError):
        lesson_board.class_progress(None)
    table = lesson_board.class_progress(PASSWORD)
    assert list(table.columns) == classroom.PROGRESS_COLUMNS == [
        "nickname", "step", "tries", "solved", "started_at", "finished_at", "updated_at",
    ]  # fmt: skip
    assert table[["nickname", "step", "tries", "solved"]].values.tolist() == [
        ["Ada", "local", 1, True],
        ["Bob", "local", 1, False],
    ]
    assert table["started_at"].tolist() == [clock.now - 5, clock.now]
    assert table["finished_at"].iloc[0] == clock.now - 5 and table["finished_at"].isna().iloc[1]


def test_the_teachers_lockout_holds_for_the_class_table(make_board, clock):
    board = make_board(clock=clock, limits=classroom.Limits(teacher_attempts=2))
    for _ in range(2):
        with pytest.raises(classroom.WrongPasswordError):
            board.class_progress("wrong")
    with pytest.raises(classroom.TeacherLockedError):
        board.class_progress(PASSWORD)


def test_an_empty_class_has_an_empty_table_with_its_columns(make_board):
    table = make_board().class_progress(PASSWORD)
    assert table.empty and list(table.columns) == classroom.PROGRESS_COLUMNS
