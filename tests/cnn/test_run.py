"""`TrainingRun` without training: epochs, seconds, where Continue goes, the comparison."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import cnn
from cnn.recipe import TrainingRecipe
from cnn.run import RunStatus, TrainingRun, compare_runs, empty_history, with_running_point


class FakeModel:
    def __init__(self, params: int):
        self.params = params

    def count_params(self) -> int:
        return self.params


def history(*accuracies: tuple[float, float]) -> dict:
    result = empty_history()
    for train, validation in accuracies:
        result["loss"].append(1 - train)
        result["accuracy"].append(train)
        result["val_loss"].append(1 - validation)
        result["val_accuracy"].append(validation)
        result["epoch_seconds"].append(2.5)
    return result


def run(epochs: int, done: int, **fields) -> TrainingRun:
    return TrainingRun(
        model=FakeModel(100),
        recipe=TrainingRecipe(epochs=epochs),
        data=None,
        history=history(*[(0.9, 0.8)] * done),
        **fields,
    )


def test_a_new_run():
    fresh = run(epochs=3, done=0)
    assert fresh.status is RunStatus.NEW
    assert fresh.epochs_done == 0 and fresh.seconds == 0
    assert fresh.evaluation is None and fresh.name == "CNN"
    assert math.isnan(fresh.last("accuracy"))


def test_continue_goes_to_the_recipe_end_then_one_more():
    assert run(epochs=3, done=1).continue_to == 3
    assert run(epochs=3, done=3).continue_to == 4
    assert run(epochs=3, done=5).continue_to == 6


def test_seconds_and_last_values():
    three = run(epochs=3, done=3)
    assert three.seconds == pytest.approx(7.5)
    assert three.last("val_accuracy") == pytest.approx(0.8)


def test_running_point_appends_the_current_epoch_without_touching_the_history():
    original = history((0.9, 0.8))
    shown = with_running_point(original, {"loss": 0.05, "accuracy": 0.97})
    assert shown["accuracy"] == [0.9, 0.97] and shown["loss"] == [pytest.approx(0.1), 0.05]
    assert shown["val_accuracy"] == [0.8]
    assert original["accuracy"] == [0.9]
    assert with_running_point(original, {"loss": 0.05}) == original  # no accuracy yet


def test_compare_runs():
    class Result:
        accuracy = 0.99

    cnn_run = run(epochs=1, done=1, evaluation=Result())
    mlp = TrainingRun(FakeModel(795_010), TrainingRecipe(epochs=1), None, name="MLP")
    mlp.history = history((0.99, 0.97))
    mlp.evaluation = Result()
    table = compare_runs([cnn_run, mlp])
    assert list(table["model"]) == ["CNN", "MLP"]
    assert list(table["params"]) == [100, 795_010]
    np.testing.assert_allclose(table["gap"], [0.1, 0.02])
    assert list(table.columns) == [
        "model",
        "params",
        "test_accuracy",
        "train_accuracy",
        "validation_accuracy",
        "gap",
    ]


def test_compare_runs_refuses_an_untested_run():
    with pytest.raises(ValueError, match="CNN run has not been tested"):
        compare_runs([run(epochs=1, done=1)])


def test_a_run_is_plain_python():
    # The pages that only show a run must not need TensorFlow to read it.
    code = "import cnn.run, cnn.recipe, sys; print('tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_the_package_exports_the_run():
    assert cnn.TrainingRun is TrainingRun and cnn.RunStatus is RunStatus
