"""A training run: the model, its recipe, its history so far, and where it stands.

Plain Python (no TensorFlow): the Training page keeps a `TrainingRun` in session state as it
is, and other pages read it without importing Keras. `cnn.training.loop` fills it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cnn.data import Dataset
from cnn.recipe import TrainingRecipe

if TYPE_CHECKING:
    import pandas as pd

HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


def empty_history() -> dict:
    """A history with no epochs: the course's four lists plus seconds per epoch."""
    return {key: [] for key in (*HISTORY_KEYS, "epoch_seconds")}


class RunStatus(enum.Enum):
    """Where a `TrainingRun` stands."""

    NEW = "new"  # built, not trained yet
    RUNNING = "running"  # a training is under way
    STOPPED = "stopped"  # stopped (or interrupted) before its last epoch: it can continue
    DONE = "done"  # trained for all its recipe's epochs


@dataclass
class TrainingRun:
    """One model being trained, and all that belongs to it.

    Attributes:
        model: the Keras model (its weights change in place while it trains).
        recipe: how it is trained; `recipe.epochs` is where this run ends.
        data: the data it is trained and tested on (a reference, not a copy).
        history: the lists of `empty_history()`, one value per completed epoch.
        status: a `RunStatus`.
        evaluation: the test-set `Evaluation` once tested, else None.
        seed: the random seed the training used, if any.
        name: what the run is called in a comparison ("CNN", "MLP").
    """

    model: Any
    recipe: TrainingRecipe
    data: Dataset
    history: dict = field(default_factory=empty_history)
    status: RunStatus = RunStatus.NEW
    evaluation: Any = None
    seed: int | None = None
    name: str = "CNN"

    @property
    def epochs_done(self) -> int:
        """Completed epochs (an epoch ended early by a stop counts)."""
        return len(self.history["loss"])

    @property
    def seconds(self) -> float:
        """Seconds spent training, over all epochs so far."""
        return float(sum(self.history.get("epoch_seconds") or []))

    @property
    def continue_to(self) -> int:
        """The epoch a Continue trains up to: the recipe's last one, or one more once that
        is reached."""
        return max(self.recipe.epochs, self.epochs_done + 1)

    def last(self, key: str) -> float:
        """The latest value of a history list, NaN if there is none."""
        values = self.history.get(key) or [float("nan")]
        return float(values[-1])


def with_running_point(history: dict, logs: dict) -> dict:
    """A copy of `history` plus the current epoch's running training loss and accuracy (from
    a progress report's `logs`), for a chart drawn while the epoch runs."""
    shown = {key: list(values) for key, values in history.items()}
    if "loss" in logs and "accuracy" in logs:
        shown["loss"].append(logs["loss"])
        shown["accuracy"].append(logs["accuracy"])
    return shown


def compare_runs(runs: list[TrainingRun]) -> pd.DataFrame:
    """One row per tested run: `model` (its name), `params`, `test_accuracy`,
    `train_accuracy`, `validation_accuracy` (last epoch) and `gap` (training minus
    validation accuracy: how much it overfits).

    Raises:
        ValueError: a run that has not been tested.
    """
    import pandas as pd

    rows = []
    for run in runs:
        if run.evaluation is None:
            raise ValueError(f"The {run.name} run has not been tested: evaluate it first.")
        train_accuracy, validation_accuracy = run.last("accuracy"), run.last("val_accuracy")
        rows.append(
            {
                "model": run.name,
                "params": int(run.model.count_params()),
                "test_accuracy": run.evaluation.accuracy,
                "train_accuracy": train_accuracy,
                "validation_accuracy": validation_accuracy,
                "gap": train_accuracy - validation_accuracy,
            }
        )
    return pd.DataFrame(rows)
