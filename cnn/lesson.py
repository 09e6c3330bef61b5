"""The course's checks: one question per step of the lesson, computed by `cnn` itself.

Each student gets their own variant of every check (another kernel size, another filter
count, other pixel values...), drawn from a per-student seed, so an answer cannot be copied
from a neighbour; the right answer is always computed by the package from the variant's own
numbers (`count_params`' layer specs, `conv_output_size`, `convolve2d`, `pool2d`,
`TrainingRecipe.batches_per_epoch`...), never typed in. Kaggle Learn's pattern: a check, a
hint after a wrong try, the worked solution after two.

No Streamlit and no TensorFlow here; the texts (question, hint, solution) are the UI's, keyed
by step, with the check's `values` as placeholders.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from cnn.config import IMAGE_SIZE, ModelConfig, conv_output_size
from cnn.inference.operations import activate, convolve2d, pool2d
from cnn.layer_table import layer_specs
from cnn.recipe import TrainingRecipe

# The steps, in the handout's order.
STEPS = (
    "local",
    "data",
    "convolution",
    "padding",
    "pooling",
    "activation",
    "parameters",
    "network",
    "training",
    "testing",
    "predict",
)
HINT_AFTER = 1  # wrong tries before the hint shows
SOLUTION_AFTER = 2  # wrong tries before the worked solution shows


@dataclass(frozen=True)
class Check:
    """One student's question of a step.

    Attributes:
        step: one of `STEPS`.
        values: the variant's numbers, for the question, hint and solution texts.
        answer: the right answer: a number, or one of `choices`.
        choices: the options of a choice question (empty for a number).
        tolerance: how far a number may be from the answer (rounding).
    """

    step: str
    values: dict = field(default_factory=dict)
    answer: float | str = 0
    choices: tuple[str, ...] = ()
    tolerance: float = 0.0

    def is_right(self, given) -> bool:
        """Whether `given` (a number or a choice, as the student entered it) is right."""
        if self.choices:
            return given == self.answer
        try:
            number = float(given)
        except (TypeError, ValueError):
            return False
        return bool(np.isfinite(number)) and abs(number - float(self.answer)) <= self.tolerance


def student_seed(name: str) -> int:
    """A stable seed from a student's name (or a session's id): the same variants on every
    visit of the same student."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big")


def _rng(step: str, seed: int) -> np.random.Generator:
    return np.random.default_rng([seed, STEPS.index(step)])


def _spec(config: ModelConfig, name: str):
    return next(spec for spec in layer_specs(config) if spec.name == name)


def _local(rng) -> Check:
    k = int(rng.choice([3, 5, 7]))
    one_filter = _spec(ModelConfig(filters=(1,), kernel_size=k), "conv_1").params - 1  # no bias
    return Check("local", {"k": k, "pixels": IMAGE_SIZE * IMAGE_SIZE}, one_filter)


def _data(rng) -> Check:
    value = int(rng.integers(1, 255))
    scaled = float(np.float32(value) / np.float32(255.0))
    return Check("data", {"value": value}, round(scaled, 2), tolerance=0.005)


def _convolution(rng) -> Check:
    window = rng.integers(0, 4, (3, 3))
    kernel = rng.integers(-1, 2, (3, 3))
    # The output at the centre of a 3x3 image with "valid" padding: the window under the
    # kernel, multiplied position by position and summed.
    total = float(convolve2d(window.astype(np.float32), kernel.astype(np.float32), "valid")[0, 0])
    values = {"window": _grid(window), "kernel": _grid(kernel)}
    return Check("convolution", values, total)


def _padding(rng) -> Check:
    k = int(rng.choice([3, 5, 7]))
    padding = str(rng.choice(["valid", "same"]))
    size = int(rng.choice([28, 24, 14]))
    return Check(
        "padding", {"size": size, "k": k, "padding": padding}, conv_output_size(size, k, padding)
    )


def _pooling(rng) -> Check:
    patch = rng.integers(0, 10, (4, 4))
    pooled = pool2d(patch.astype(np.float32), 2, "max")
    row, col = (int(v) for v in rng.integers(0, 2, 2))
    values = {"patch": _grid(patch), "row": row + 1, "col": col + 1}
    return Check("pooling", values, float(pooled[row, col]))


def _activation(rng) -> Check:
    x = float(rng.choice([-3.0, -2.0, -1.5, -0.5, 0.5, 1.5, 2.0, 3.0]))
    return Check("activation", {"x": x}, float(activate(np.array([x]), "relu")[0]))


def _parameters(rng) -> Check:
    k = int(rng.choice([3, 5]))
    first, second = int(rng.choice([8, 16, 32])), int(rng.choice([16, 32, 36, 64]))
    config = ModelConfig(filters=(first, second), kernel_size=k)
    values = {"k": k, "channels": first, "filters": second}
    return Check("parameters", values, _spec(config, "conv_2").params)


def _network(rng) -> Check:
    second = int(rng.choice([16, 24, 32, 36, 48]))
    config = ModelConfig(filters=(16, second))
    return Check("network", {"filters": second}, _spec(config, "flatten").output_shape[-1])


def _training(rng) -> Check:
    split = float(rng.choice([0.1, 0.2, 0.25]))
    batch = int(rng.choice([100, 128, 200, 256]))
    recipe = TrainingRecipe(validation_split=split, batch_size=batch)
    values = {"images": 60_000, "split": split, "batch_size": batch}
    return Check("training", values, recipe.batches_per_epoch(60_000))


def _testing(rng) -> Check:
    choices = ["cnn", "mlp"]
    rng.shuffle(choices)
    return Check("testing", {}, "cnn", tuple(choices))


def _predict(rng) -> Check:
    """Done, not answered: a drawing on the Predict page that the model reads as `digit`."""
    digit = int(rng.integers(0, 10))
    return Check("predict", {"digit": digit}, digit)


_MAKERS = {
    "local": _local,
    "data": _data,
    "convolution": _convolution,
    "padding": _padding,
    "pooling": _pooling,
    "activation": _activation,
    "parameters": _parameters,
    "network": _network,
    "training": _training,
    "testing": _testing,
    "predict": _predict,
}


def _grid(array: np.ndarray) -> str:
    """A small integer matrix as text, a row per line: `[1 0 2]`."""
    return "\n".join("[" + " ".join(f"{int(v):>2}" for v in row) + "]" for row in array)


def check_for(step: str, seed: int) -> Check:
    """The check of `step` for the student with `seed` (the same every time)."""
    if step not in _MAKERS:
        raise ValueError(f"step = {step!r}: expected one of {', '.join(STEPS)}")
    return _MAKERS[step](_rng(step, seed))


@dataclass
class StepProgress:
    """A student's progress on one step: tries, whether solved, and when it began and ended
    (seconds since the epoch)."""

    tries: int = 0
    solved: bool = False
    started: float | None = None
    finished: float | None = None

    def record(self, right: bool, now: float) -> None:
        """One more answer: a wrong one counts a try; the first right one solves the step."""
        if self.solved:
            return
        if self.started is None:
            self.started = now
        self.tries += 1
        if right:
            self.solved, self.finished = True, now

    @property
    def wrong(self) -> int:
        return self.tries - (1 if self.solved else 0)

    def shows_hint(self) -> bool:
        return not self.solved and self.wrong >= HINT_AFTER

    def shows_solution(self) -> bool:
        return not self.solved and self.wrong >= SOLUTION_AFTER
