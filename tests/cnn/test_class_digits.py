"""Learning from the class's digits (`cnn.class_digits`): the split, the mix, the comparison,
and a training that reads the held-out class digits better for it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import cnn
from cnn import class_digits as cd
from cnn.images import augment


def class_like(digits: np.ndarray) -> np.ndarray:
    """Digits drawn another way than MNIST's: much thicker and slanted 31°, as uint8."""
    thick = augment.stroke_width(digits.astype(np.float32) / 255.0, 2.5)
    rows = np.arange(28)[None, :, None]
    cols = np.arange(28)[None, None, :]
    source_cols = np.clip(cols + (rows - 13.5) * 0.6, 0, 27).astype(int)
    sheared = np.take_along_axis(thick, np.broadcast_to(source_cols, thick.shape), axis=2)
    return np.round(sheared * 255).astype(np.uint8)


@pytest.fixture(scope="module")
def class_set(sample):
    x = class_like(sample.x_test[:400])
    return x, sample.y_test[:400]


def test_the_split_is_per_label_disjoint_and_the_same_every_time(class_set):
    x, y = class_set
    split = cd.split_class_digits(x, y, seed=3)
    again = cd.split_class_digits(x, y, seed=3)
    np.testing.assert_array_equal(split.train_x, again.train_x)
    assert len(split.train_x) + len(split.held_x) == len(x)
    for label in range(10):
        total = int((y == label).sum())
        trained = int((split.train_y == label).sum())
        assert trained == min(total // 2, total - 1)
        assert (split.held_y == label).sum() >= 1
    trained = {image.tobytes() for image in split.train_x}
    assert not any(image.tobytes() in trained for image in split.held_x)
    other = cd.split_class_digits(x, y, seed=4)
    assert not np.array_equal(other.train_x, split.train_x)


def test_too_few_class_digits_are_refused(class_set):
    x, y = class_set
    with pytest.raises(ValueError, match="at least 20"):
        cd.split_class_digits(x[:19], y[:19])
    with pytest.raises(ValueError, match="labels"):
        cd.split_class_digits(x[:30], y[:29])


def test_the_mix_adds_only_the_training_share_in_front(sample, class_set):
    split = cd.split_class_digits(*class_set)
    mixed = cd.with_class_digits(sample, split, weight=0.1)
    added = len(mixed.x_train) - len(sample.x_train)
    copies = added // len(split.train_x)
    assert added == copies * len(split.train_x) and copies == round(0.1 * 4000 / 200)
    np.testing.assert_array_equal(mixed.x_train[: len(split.train_x)], split.train_x)
    # MNIST's digits follow unchanged: the validation share (taken from the end) is MNIST's.
    np.testing.assert_array_equal(mixed.x_train[added:], sample.x_train)
    np.testing.assert_array_equal(mixed.x_test, sample.x_test)
    trained = {image.tobytes() for image in mixed.x_train}
    assert not any(image.tobytes() in trained for image in split.held_x)
    assert "class digits" in mixed.source


class Fixed:
    """A stand-in model that answers `digit` for every image."""

    def __init__(self, digit: int):
        self.digit = digit

    def predict_on_batch(self, x):
        out = np.zeros((len(x), 10), np.float32)
        out[:, self.digit] = 1.0
        return out


def test_the_comparison_counts_the_digits_each_model_reads(class_set):
    split = cd.split_class_digits(*class_set)
    result = cd.compare_on_held_out(Fixed(1), Fixed(7), split)
    ones, sevens = split.held_y == 1, split.held_y == 7
    assert result.before == pytest.approx(ones.mean()) and result.after == pytest.approx(
        sevens.mean()
    )
    np.testing.assert_array_equal(result.fixed, np.flatnonzero(sevens))
    np.testing.assert_array_equal(result.broken, np.flatnonzero(ones))
    assert result.count == len(split.held_y)


@pytest.mark.slow
def test_training_with_the_class_share_reads_the_held_out_class_digits_better(
    sample, class_set, small_config
):
    split = cd.split_class_digits(*class_set, seed=0)
    data = sample.subset(2000, 200)
    recipe = replace(cnn.TrainingRecipe(model=small_config), epochs=5, batch_size=100)
    without = cnn.train(cnn.build_model(small_config, seed=0), data, recipe, seed=0)
    mixed = cd.with_class_digits(data, split, weight=0.1)
    with_class = cnn.train(cnn.build_model(small_config, seed=0), mixed, recipe, seed=0)
    result = cd.compare_on_held_out(
        cnn.as_numpy_model(without.model), cnn.as_numpy_model(with_class.model), split
    )
    assert result.after > result.before + 0.2, result  # 0.26 -> 0.64 on a Xeon
    assert len(result.fixed) > len(result.broken)
