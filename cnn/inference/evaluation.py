"""Test-set evaluation: loss, accuracy, confusion matrix and the digits the model got wrong."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cnn.config import NUM_CLASSES
from cnn.data import Dataset, to_4d_float

# Digits per forward pass when evaluating: the training batch size, so evaluating needs no
# more memory than a training step.
EVAL_BATCH = 200
# Keras clips probabilities the same way in categorical cross-entropy.
_EPSILON = 1e-7


@dataclass(frozen=True)
class Evaluation:
    """The result of `evaluate`.

    Attributes:
        loss: mean categorical cross-entropy on the test set.
        accuracy: share of test digits predicted right.
        confusion: 10x10 counts; row = true digit, column = predicted digit.
        misclassified: one row per wrong prediction: `index` (into `x_test`), `true`,
            `predicted`, `confidence` (the probability of the predicted digit), most confident
            mistakes first.
        probabilities: (N, 10) predicted probabilities.
    """

    loss: float
    accuracy: float
    confusion: np.ndarray
    misclassified: pd.DataFrame
    probabilities: np.ndarray

    def as_list(self) -> list[float]:
        """`[test_loss, test_accuracy]`, as the course prints `model.evaluate`."""
        return [self.loss, self.accuracy]


def predict_probabilities(model, images: np.ndarray, batch_size: int = EVAL_BATCH) -> np.ndarray:
    """Probabilities (N, 10) for MNIST images (N, 28, 28) uint8 or (N, 28, 28, 1) floats.

    Converted to floats one batch at a time: the float copy of the whole test set and a
    large batch's feature maps (1,000 digits: ~150 MB) would raise a training server's peak.
    """
    images = np.asarray(images)
    if images.ndim == 2:  # one digit
        images = images[None]
    parts = [
        np.asarray(
            model.predict_on_batch(to_4d_float(images[start : start + batch_size])),
            dtype=np.float32,
        )
        for start in range(0, len(images), batch_size)
    ]
    return np.concatenate(parts) if parts else np.zeros((0, NUM_CLASSES), np.float32)


def confusion_matrix(true: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """10x10 counts, rows = true digit, columns = predicted digit."""
    matrix = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(matrix, (np.asarray(true, np.int64), np.asarray(predicted, np.int64)), 1)
    return matrix


def evaluate(model, data: Dataset, batch_size: int = EVAL_BATCH) -> Evaluation:
    """Evaluate on `data.x_test` in one pass: the course's `[loss, accuracy]` and more.

    Example:
        >>> result = evaluate(model, load_mnist())  # doctest: +SKIP
        >>> result.as_list()  # doctest: +SKIP
        [0.026, 0.9915]
    """
    if len(data.x_test) == 0:
        raise ValueError("The dataset has no test images to evaluate on.")
    return evaluate_digits(model, data.x_test, data.y_test, batch_size)


def evaluate_digits(model, images, labels, batch_size: int = EVAL_BATCH) -> Evaluation:
    """`evaluate` on any labelled digits (N, 28, 28), e.g. the digits a class drew; the
    misclassified rows index into `images`. N may be 0: accuracy and loss are then NaN."""
    images = np.asarray(images)
    true = np.asarray(labels, dtype=np.int64)
    if len(images) != len(true):
        raise ValueError(f"{len(images)} images but {len(true)} labels: expected one each.")
    probabilities = predict_probabilities(model, images, batch_size)
    predicted = probabilities.argmax(axis=1)
    picked = np.clip(probabilities[np.arange(len(true)), true], _EPSILON, 1.0)
    wrong = np.flatnonzero(predicted != true)
    misclassified = pd.DataFrame(
        {
            "index": wrong,
            "true": true[wrong],
            "predicted": predicted[wrong],
            "confidence": probabilities[wrong, predicted[wrong]],
        }
    ).sort_values("confidence", ascending=False, ignore_index=True)
    return Evaluation(
        loss=float(-np.log(picked).mean()) if len(true) else float("nan"),
        accuracy=float((predicted == true).mean()) if len(true) else float("nan"),
        confusion=confusion_matrix(true, predicted),
        misclassified=misclassified,
        probabilities=probabilities,
    )


def misclassified_examples(
    evaluation: Evaluation, data: Dataset, count: int = 20
) -> tuple[np.ndarray, list[str]]:
    """The `count` most confident mistakes of `evaluation` (made on `data.x_test`): their
    images, and titles "true→predicted" (e.g. "4→9")."""
    mistakes = evaluation.misclassified.head(count)
    images = np.asarray(data.x_test[mistakes["index"].to_numpy()])
    titles = [
        f"{true}→{predicted}"
        for true, predicted in zip(mistakes["true"], mistakes["predicted"], strict=True)
    ]
    return images, titles
