"""Learning from a class's own digits: a share to train on, the rest held out to measure.

A model trained on MNIST reads a class's digits (drawn with a finger or a mouse, on other
screens, by other hands) worse than MNIST's own test digits: the data it meets is not the
data it learnt from (domain shift). The fix is to learn from some of that data too. Here:

- `split_class_digits`: the class's digits split per label into a training share and a
  held-out rest (a digit is in one or the other, never both; the same split every time);
- `with_class_digits`: MNIST's training digits with the training share added in front
  (repeated so that it weighs about `share` of what is trained on; the validation digits,
  which a training takes from the end, stay MNIST's);
- `compare_on_held_out`: two models (before and after) on the held-out digits only.

NumPy only: no TensorFlow here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnn.data import Dataset
from cnn.inference.evaluation import predict_probabilities

MIN_CLASS_DIGITS = 20  # fewer than this: too few to both learn from and measure on
TRAIN_SHARE = 0.5  # of the class's digits, trained on; the rest held out
WEIGHT = 0.1  # the class's digits make about this share of the digits trained on
MAX_COPIES = 50


@dataclass(frozen=True)
class ClassDigits:
    """A class's digits, split: `train_x`/`train_y` to learn from, `held_x`/`held_y` to
    measure on (uint8 (N, 28, 28) 0-255 and uint8 labels)."""

    train_x: np.ndarray
    train_y: np.ndarray
    held_x: np.ndarray
    held_y: np.ndarray


def _as_uint8(images) -> np.ndarray:
    array = np.asarray(images)
    if array.dtype != np.uint8:
        array = np.round(np.clip(array.astype(np.float32), 0.0, 1.0) * 255.0).astype(np.uint8)
    if array.ndim != 3 or array.shape[1:] != (28, 28):
        raise ValueError(f"class digits of shape {array.shape}: expected (N, 28, 28)")
    return array


def split_class_digits(images, labels, *, share: float = TRAIN_SHARE, seed: int = 0):
    """The class's digits split per label: `share` of each label's digits (rounded down, at
    least one held out) to train on, the rest held out. The same split for the same digits
    and seed.

    Raises:
        ValueError: fewer than `MIN_CLASS_DIGITS` digits, or images and labels that differ
            in number.
    """
    x, y = _as_uint8(images), np.asarray(labels).astype(np.uint8)
    if len(x) != len(y):
        raise ValueError(f"{len(x)} class digits but {len(y)} labels")
    if len(x) < MIN_CLASS_DIGITS:
        raise ValueError(f"{len(x)} class digits: at least {MIN_CLASS_DIGITS} are needed")
    if not 0.0 < share < 1.0:
        raise ValueError(f"share = {share!r}: expected a number between 0 and 1")
    rng = np.random.default_rng(seed)
    train, held = [], []
    for label in np.unique(y):
        indices = rng.permutation(np.flatnonzero(y == label))
        cut = min(int(len(indices) * share), len(indices) - 1)
        train.extend(indices[:cut])
        held.extend(indices[cut:])
    train, held = np.sort(np.array(train, int)), np.sort(np.array(held, int))
    return ClassDigits(x[train], y[train], x[held], y[held])


def with_class_digits(
    data: Dataset, digits: ClassDigits, *, weight: float = WEIGHT, what: str = "class digits"
) -> Dataset:
    """`data` with the class's training share in front of MNIST's training digits, repeated
    so it makes about `weight` of the digits trained on (at most `MAX_COPIES` times).
    The held-out digits are never included. `what` names them in the data's source."""
    count = len(digits.train_x)
    if count == 0:
        return data
    copies = int(np.clip(round(weight * len(data.x_train) / count), 1, MAX_COPIES))
    return Dataset(
        np.concatenate([np.tile(digits.train_x, (copies, 1, 1)), _as_uint8(data.x_train)]),
        np.concatenate([np.tile(digits.train_y, copies), np.asarray(data.y_train, np.uint8)]),
        data.x_test,
        data.y_test,
        f"{data.source} + {count} {what} × {copies}",
        data.is_sample,
    )


@dataclass(frozen=True)
class HeldOutComparison:
    """Two models on the held-out class digits: accuracies, and the digits the second reads
    right that the first did not (`fixed`: indices into the held-out digits)."""

    before: float
    after: float
    fixed: np.ndarray
    broken: np.ndarray
    count: int


def compare_on_held_out(before, after, digits: ClassDigits) -> HeldOutComparison:
    """`before` and `after` (anything `predict_probabilities` takes) on the held-out digits."""
    truth = digits.held_y.astype(int)
    right_before = predict_probabilities(before, digits.held_x).argmax(axis=1) == truth
    right_after = predict_probabilities(after, digits.held_x).argmax(axis=1) == truth
    return HeldOutComparison(
        before=float(right_before.mean()),
        after=float(right_after.mean()),
        fixed=np.flatnonzero(right_after & ~right_before),
        broken=np.flatnonzero(right_before & ~right_after),
        count=len(truth),
    )
