"""The lesson's checks (`cnn.lesson`): every step's answer is what the arithmetic of the
course gives for that student's own numbers, right answers pass and wrong ones do not, and
students get different variants."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnn import lesson

SEEDS = range(20)


def by_hand(check: lesson.Check):
    """The answer, worked out as a student would, from the question's numbers."""
    v = check.values
    grid = {
        name: np.array([[int(x) for x in row.strip("[]").split()] for row in v[name].split("\n")])
        for name in ("window", "kernel", "patch")
        if name in v
    }
    if check.step == "local":
        return v["k"] * v["k"]
    if check.step == "data":
        return round(v["value"] / 255, 2)
    if check.step == "convolution":
        return float((grid["window"] * grid["kernel"]).sum())
    if check.step == "padding":
        return v["size"] if v["padding"] == "same" else v["size"] - v["k"] + 1
    if check.step == "pooling":
        r, c = v["row"] - 1, v["col"] - 1
        return float(grid["patch"][2 * r : 2 * r + 2, 2 * c : 2 * c + 2].max())
    if check.step == "activation":
        return max(0.0, v["x"])
    if check.step == "parameters":
        return (v["k"] * v["k"] * v["channels"] + 1) * v["filters"]
    if check.step == "network":
        return 7 * 7 * v["filters"]
    if check.step == "training":
        trained = v["images"] - int(v["images"] * v["split"])
        return math.ceil(trained / v["batch_size"])
    if check.step == "predict":
        return v["digit"]
    return "cnn"


@pytest.mark.parametrize("step", lesson.STEPS)
def test_each_check_is_the_courses_arithmetic_on_the_students_numbers(step):
    for seed in SEEDS:
        check = lesson.check_for(step, seed)
        expected = by_hand(check)
        if isinstance(expected, str):
            assert check.answer == expected
        else:
            assert check.answer == pytest.approx(expected, abs=0.006), check


@pytest.mark.parametrize("step", lesson.STEPS)
def test_the_right_answer_passes_and_a_wrong_one_does_not(step):
    for seed in SEEDS:
        check = lesson.check_for(step, seed)
        assert check.is_right(check.answer)
        if check.choices:
            wrong = next(choice for choice in check.choices if choice != check.answer)
            assert not check.is_right(wrong)
        else:
            assert check.is_right(str(check.answer))  # as typed
            assert not check.is_right(float(check.answer) + 1)
            assert not check.is_right("")
            assert not check.is_right(float("nan"))


@pytest.mark.parametrize("step", [s for s in lesson.STEPS if s != "testing"])
def test_students_get_different_variants_and_each_the_same_every_time(step):
    answers = {lesson.check_for(step, seed).answer for seed in SEEDS}
    assert len(answers) >= 2, answers
    assert lesson.check_for(step, 7) == lesson.check_for(step, 7)


def test_a_students_seed_comes_from_their_name():
    assert lesson.student_seed("ROOM-A/Ada") == lesson.student_seed("ROOM-A/Ada")
    assert lesson.student_seed("ROOM-A/Ada") != lesson.student_seed("ROOM-A/Bob")


def test_a_hint_after_one_wrong_try_the_solution_after_two_and_solved_stays_solved():
    record = lesson.StepProgress()
    assert not record.shows_hint()
    record.record(False, now=10.0)
    assert record.shows_hint() and not record.shows_solution() and record.started == 10.0
    record.record(False, now=20.0)
    assert record.shows_solution() and record.tries == 2
    record.record(True, now=30.0)
    assert record.solved and record.finished == 30.0 and record.tries == 3
    assert not record.shows_hint() and not record.shows_solution()
    record.record(False, now=40.0)
    assert record.tries == 3 and record.solved


def test_an_unknown_step_is_refused():
    with pytest.raises(ValueError, match="step"):
        lesson.check_for("recurrence", 0)
