"""Training: the history, the progress hook, stopping, resuming, seeds and schedules.

600 training digits with batches of 100 and a 20 % validation split: 480 to train on,
so 5 batches per epoch (the last one of 80).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from networks import SMALL_CONFIG

import cnn
from cnn.config import ModelConfig
from cnn.recipe import AugmentConfig, OptimizerConfig, TrainingRecipe
from cnn.run import HISTORY_KEYS, RunStatus, TrainingRun, empty_history
from cnn.training.loop import (
    TrainingProgress,
    _augmenter,
    _CompiledSteps,
    _epoch_order,
    continue_training,
    train,
)

SMALL = SMALL_CONFIG
OPTIMIZER = OptimizerConfig(learning_rate=0.01)
BATCHES_PER_EPOCH = 5


def recipe(**settings) -> TrainingRecipe:
    """SMALL trained with Adam at 0.01, with `settings` (the recipe's flat names) changed."""
    return TrainingRecipe(model=SMALL, optimizer=OPTIMIZER).with_settings(**settings)


def test_empty_history():
    assert empty_history() == {
        "loss": [],
        "accuracy": [],
        "val_loss": [],
        "val_accuracy": [],
        "epoch_seconds": [],
    }


@pytest.mark.slow
def test_history_has_one_value_per_epoch(tiny_data):
    model = cnn.build_model(SMALL, seed=0)
    history = train(model, tiny_data, recipe(epochs=2, batch_size=100), seed=0).history
    assert set(history) == {*HISTORY_KEYS, "epoch_seconds"}
    for key, values in history.items():
        assert len(values) == 2, key
        assert all(isinstance(v, float) and math.isfinite(v) for v in values), key
    assert all(0 <= v <= 1 for v in history["accuracy"] + history["val_accuracy"])
    assert all(v > 0 for v in history["loss"] + history["epoch_seconds"])
    # The optimizer took exactly 2 epochs of 5 steps.
    assert int(model.optimizer.iterations) == 2 * BATCHES_PER_EPOCH


@pytest.mark.slow
def test_progress_is_reported_at_batch_intervals_and_epoch_ends(tiny_data):
    # The history is live (later epochs are appended), so note what it held at each call.
    calls: list[tuple[TrainingProgress, list[float]]] = []
    model = cnn.build_model(SMALL, seed=0)
    train(
        model,
        tiny_data,
        recipe(epochs=2, batch_size=100),
        seed=0,
        progress=lambda p: calls.append((p, list(p.history["loss"]))),
        progress_every=2,
    )
    seen = [(p.epoch, p.batch, p.epoch_end) for p, _ in calls]
    assert seen == [
        (1, 2, False),
        (1, 4, False),
        (1, 5, True),
        (2, 2, False),
        (2, 4, False),
        (2, 5, True),
    ]
    fractions = [p.fraction for p, _ in calls]
    assert fractions == pytest.approx([0.2, 0.4, 0.5, 0.7, 0.9, 1.0])
    for progress, losses in calls:
        assert progress.epochs == 2
        assert progress.batches_per_epoch == BATCHES_PER_EPOCH
        assert progress.eta_seconds is not None and progress.eta_seconds >= 0
        assert progress.seconds > 0
        assert "loss" in progress.logs and "accuracy" in progress.logs
        if progress.epoch_end:
            assert "val_loss" in progress.logs and "val_accuracy" in progress.logs
            # The history already holds the epoch that just ended.
            assert len(losses) == progress.epoch
            assert losses[-1] == pytest.approx(progress.logs["loss"])
        else:
            assert len(losses) == progress.epoch - 1
    # Time passes, so the time still to go shrinks to nothing at the end.
    assert calls[-1][0].eta_seconds == pytest.approx(0.0, abs=1e-9)
    assert calls[-1][0].seconds >= calls[0][0].seconds


@pytest.mark.slow
def test_should_stop_ends_training_mid_epoch(tiny_data):
    model = cnn.build_model(SMALL, seed=0)
    before = [w.copy() for w in model.get_weights()]
    checks = []

    def should_stop() -> bool:
        checks.append(1)
        return len(checks) >= 3

    history = train(
        model, tiny_data, recipe(epochs=3, batch_size=100), seed=0, should_stop=should_stop
    ).history
    assert len(checks) == 3  # checked after every batch, and no batch after the stop
    assert int(model.optimizer.iterations) == 3
    assert len(history["loss"]) == 1  # the epoch ended early still counts
    after = model.get_weights()
    assert any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))


@pytest.mark.slow
def test_the_heap_is_trimmed_after_each_epoch(tiny_data, monkeypatch):
    import cnn.training.loop

    calls = []
    monkeypatch.setattr(cnn.training.loop, "trim_heap", lambda: calls.append(1))
    train(cnn.build_model(SMALL), tiny_data, recipe(epochs=2, batch_size=256))
    assert len(calls) == 2


@pytest.mark.slow
def test_resume_appends_to_the_history(tiny_data):
    model = cnn.build_model(SMALL, seed=0)
    run = train(model, tiny_data, recipe(epochs=1, batch_size=100), seed=0)
    # `continue_training` appends to `run.history` in place: keep the first epoch's values.
    first = {key: list(values) for key, values in run.history.items()}
    first_copy = {key: list(values) for key, values in first.items()}
    epochs_seen = []
    resumed = continue_training(
        run,
        epochs=3,
        progress=lambda p: epochs_seen.append(p.epoch) if p.epoch_end else None,
    ).history
    assert epochs_seen == [2, 3]
    # The earlier epoch's values are not changed.
    assert {key: values[: len(first["loss"])] for key, values in resumed.items()} == first_copy
    for key in first:
        assert len(resumed[key]) == 3
        assert resumed[key][0] == first[key][0]
    assert int(model.optimizer.iterations) == 3 * BATCHES_PER_EPOCH
    # It kept learning from where it was rather than starting again.
    assert resumed["loss"][2] < resumed["loss"][0]


@pytest.mark.slow
def test_same_seed_gives_the_same_history(tiny_data):
    histories = []
    for _ in range(2):
        model = cnn.build_model(SMALL, seed=5)
        histories.append(train(model, tiny_data, recipe(epochs=2, batch_size=100), seed=5).history)
    for key in HISTORY_KEYS:
        np.testing.assert_allclose(histories[0][key], histories[1][key], rtol=1e-3, atol=1e-4)
    other = train(
        cnn.build_model(SMALL, seed=6), tiny_data, recipe(epochs=2, batch_size=100), seed=6
    ).history
    assert not np.allclose(other["loss"], histories[0]["loss"], rtol=1e-3, atol=1e-4)


@pytest.mark.slow
def test_cosine_schedule_warms_up_and_decays(tiny_data):
    model = cnn.build_model(SMALL, seed=0)
    history = train(
        model,
        tiny_data,
        recipe(epochs=2, batch_size=100, schedule="cosine", warmup_fraction=0.2),
        seed=0,
    ).history
    assert len(history["loss"]) == 2
    optimizer = model.optimizer
    assert isinstance(optimizer._learning_rate, keras.optimizers.schedules.CosineDecay)
    schedule = optimizer._learning_rate
    steps = 2 * BATCHES_PER_EPOCH
    rate = [float(schedule(step)) for step in range(steps + 1)]
    peak = OPTIMIZER.learning_rate
    assert rate[0] == pytest.approx(peak / 100)  # warm-up starts low
    assert max(rate) == pytest.approx(peak)  # reaches the configured rate
    assert rate[steps] == pytest.approx(0.0, abs=1e-9)  # and decays to nothing
    assert float(optimizer.learning_rate) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.slow
def test_validation_split_zero_has_no_validation(tiny_data):
    model = cnn.build_model(SMALL, seed=0)
    history = train(
        model, tiny_data, recipe(epochs=1, batch_size=200, validation_split=0.0)
    ).history
    assert math.isnan(history["val_loss"][0]) and math.isnan(history["val_accuracy"][0])
    assert int(model.optimizer.iterations) == 3  # 600 images in batches of 200


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": 1.5}, "epochs"),
        ({"epochs": True}, "epochs"),
        ({"epochs": 2, "initial_epoch": 2}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 10.0}, "batch_size"),
        ({"validation_split": 0.6}, "validation_split"),
        ({"validation_split": -0.1}, "validation_split"),
        ({"schedule": "linear"}, "ScheduleConfig.name"),
    ],
)
def test_bad_arguments_raise(tiny_data, kwargs, match):
    model = cnn.build_model(SMALL, seed=0)
    before = model.get_weights()
    settings = dict(kwargs)
    initial_epoch = settings.pop("initial_epoch", None)
    with pytest.raises(ValueError, match=match):
        if initial_epoch is None:
            train(model, tiny_data, recipe(**settings))
        else:
            # Resuming from `initial_epoch`: a run with that many epochs done, continued.
            run = TrainingRun(
                model,
                recipe(**settings),
                tiny_data,
                history={key: [0.5] * initial_epoch for key in empty_history()},
                status=RunStatus.STOPPED,
            )
            continue_training(run, epochs=run.recipe.epochs)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_too_few_images_raise(tiny_data):
    empty = cnn.Dataset(
        tiny_data.x_train[:0], tiny_data.y_train[:0], tiny_data.x_test, tiny_data.y_test, "none"
    )
    with pytest.raises(ValueError, match="too few"):
        train(cnn.build_model(SMALL), empty, recipe(epochs=1))


def test_the_compiled_step_is_the_courses_training_step(tiny_data):
    # Same start, same digits: one call of the compiled step over two batches moves the
    # weights as Keras' own `train_on_batch` does on the course's preprocessing (to_4d_float,
    # one_hot), batch after batch. No dropout, so nothing random differs.
    config = ModelConfig(filters=(4, 8), dense_units=16, conv_dropout=0.0, dense_dropout=0.0)
    images, labels = tiny_data.x_train[:128], tiny_data.y_train[:128].astype(np.int32)
    ours, reference = (cnn.build_model(config, optimizer=OPTIMIZER, seed=3) for _ in range(2))
    reference.set_weights(ours.get_weights())
    steps = _CompiledSteps(ours, np.uint8, None, seed=0)
    loss_sum, correct = steps.train(images.reshape(2, 64, 28, 28), labels.reshape(2, 64))
    for half in (slice(0, 64), slice(64, 128)):
        reference.train_on_batch(cnn.to_4d_float(images[half]), cnn.one_hot(labels[half]))
    for a, b in zip(ours.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert int(ours.optimizer.iterations) == 2
    assert float(loss_sum) > 0 and 0 <= float(correct) <= 128


def test_label_smoothing_changes_the_gradients_not_the_loss_reported(tiny_data):
    # The step with smoothing moves the weights as Keras does with a smoothed loss, and
    # reports the plain cross-entropy of its predictions (what the charts and tests show).
    config = ModelConfig(filters=(4, 8), dense_units=16, conv_dropout=0.0, dense_dropout=0.0)
    images, labels = tiny_data.x_train[:128], tiny_data.y_train[:128].astype(np.int32)
    ours, reference, plain = (
        cnn.build_model(config, optimizer=OPTIMIZER, seed=3) for _ in range(3)
    )
    reference.set_weights(ours.get_weights())
    plain.set_weights(ours.get_weights())
    reference.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
    )
    steps = _CompiledSteps(ours, np.uint8, None, seed=0, label_smoothing=0.1)
    loss_sum, _ = steps.train(images.reshape(2, 64, 28, 28), labels.reshape(2, 64))
    expected_loss = 0.0
    for half in (slice(0, 64), slice(64, 128)):
        x, y = cnn.to_4d_float(images[half]), cnn.one_hot(labels[half])
        expected_loss += float(np.sum(keras.losses.categorical_crossentropy(y, reference(x))))
        reference.train_on_batch(x, y)
    for a, b in zip(ours.get_weights(), reference.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert float(loss_sum) == pytest.approx(expected_loss, rel=1e-4)
    # ... and the smoothing did change the step: plain targets move the weights elsewhere.
    _CompiledSteps(plain, np.uint8, None, seed=0).train(
        images.reshape(2, 64, 28, 28), labels.reshape(2, 64)
    )
    pairs = zip(ours.get_weights(), plain.get_weights(), strict=True)
    assert max(np.abs(a - b).max() for a, b in pairs) > 1e-4


@pytest.mark.slow
def test_a_run_trains_with_its_recipes_smoothing_and_adam_moments(tiny_data, monkeypatch):
    smoothing = []
    real_steps = cnn.training.loop._CompiledSteps

    def steps(*args, **kwargs):
        made = real_steps(*args, **kwargs)
        smoothing.append(args[4] if len(args) > 4 else kwargs.get("label_smoothing", 0.0))
        return made

    monkeypatch.setattr(cnn.training.loop, "_CompiledSteps", steps)
    run = train(cnn.build_model(SMALL, seed=0), tiny_data, recipe(epochs=1, beta_2=0.99))
    assert run.model.optimizer.beta_2 == 0.99
    smoothed = recipe(epochs=1, label_smoothing=0.1)
    train(cnn.build_model(SMALL, seed=0), tiny_data, smoothed)
    assert smoothing == [0.0, 0.1]


def test_validation_is_the_mean_loss_and_accuracy(tiny_data):
    model = cnn.build_model(SMALL, seed=0)
    images, labels = tiny_data.x_test[:250], tiny_data.y_test[:250].astype(np.int32)
    logs = _CompiledSteps(model, np.uint8, None, seed=0).evaluate(images, labels, 100)
    probabilities = model.predict(cnn.to_4d_float(images), verbose=0)
    expected_loss = float(
        np.mean(keras.losses.categorical_crossentropy(cnn.one_hot(labels), probabilities))
    )
    assert logs["val_loss"] == pytest.approx(expected_loss, rel=1e-4)
    assert logs["val_accuracy"] == pytest.approx(np.mean(probabilities.argmax(1) == labels))


def test_each_epoch_takes_every_digit_once_in_an_order_of_its_own():
    first, again = _epoch_order(1000, 7, 0), _epoch_order(1000, 7, 0)
    np.testing.assert_array_equal(first, again)  # reproducible: a continued run, a seed
    np.testing.assert_array_equal(np.sort(first), np.arange(1000))
    assert not np.array_equal(first, np.arange(1000))
    assert not np.array_equal(first, _epoch_order(1000, 7, 1))  # each epoch reshuffles
    assert not np.array_equal(_epoch_order(1000, None, 0), _epoch_order(1000, None, 0))


@pytest.mark.slow
def test_a_stop_is_seen_after_each_call_of_the_compiled_step(tiny_data, monkeypatch):
    import cnn.training.loop

    # Batches of 10: 48 per epoch. However fast a batch, a call runs at most
    # MAX_STEPS_PER_CALL of them: the first call one (it traces), the next 16, then the stop.
    monkeypatch.setattr(cnn.training.loop, "SECONDS_PER_CALL", 1e9)
    model = cnn.build_model(SMALL, seed=0)
    checks = []

    def should_stop() -> bool:
        checks.append(1)
        return len(checks) == 2

    run = train(
        model,
        tiny_data,
        recipe(epochs=2, batch_size=10),
        should_stop=should_stop,
        progress_every=100,
    )
    assert run.status is RunStatus.STOPPED
    assert int(model.optimizer.iterations) == 1 + cnn.training.loop.MAX_STEPS_PER_CALL
    assert len(run.history["loss"]) == 1 and not math.isnan(run.history["val_loss"][0])


def test_augmentation_moves_the_ink_but_keeps_the_digit(tiny_data):
    images = cnn.to_4d_float(tiny_data.x_train[:128])
    moved = np.asarray(_augmenter(AugmentConfig(enabled=True), seed=1)(images, training=True))
    assert moved.shape == (128, 28, 28, 1)
    assert moved.min() >= 0 and moved.max() <= 1 + 1e-6
    changed = np.abs(moved - images).reshape(128, -1).max(axis=1) > 0.1
    assert changed.mean() > 0.9  # nearly every digit is rotated, shifted or zoomed
    # ... but still the same digit: roughly as much ink (none pushed off the image).
    ink_before, ink_after = images.reshape(128, -1).sum(1), moved.reshape(128, -1).sum(1)
    assert np.all(np.abs(ink_after / ink_before - 1) < 0.5)


@pytest.mark.slow
def test_training_with_augmentation_learns(tiny_data):
    model = cnn.build_model(SMALL, seed=0)
    history = train(
        model, tiny_data, recipe(epochs=3, batch_size=100, augment=True), seed=0
    ).history
    assert len(history["loss"]) == 3
    assert history["loss"][-1] < history["loss"][0]
    assert int(model.optimizer.iterations) == 3 * BATCHES_PER_EPOCH


@pytest.mark.slow
def test_float_images_train_like_uint8(tiny_data):
    as_float = cnn.Dataset(
        tiny_data.x_train.astype(np.float32) / 255,
        tiny_data.y_train,
        tiny_data.x_test,
        tiny_data.y_test,
        "floats",
    )
    histories = [
        train(
            cnn.build_model(SMALL, seed=0), data, recipe(epochs=1, batch_size=100), seed=0
        ).history
        for data in (tiny_data, as_float)
    ]
    assert histories[0]["loss"] == pytest.approx(histories[1]["loss"], rel=1e-4)


@pytest.mark.parametrize(
    ("labels", "match"),
    [
        (lambda y: y[:-1], "labels"),
        (lambda y: np.where(y == 3, 10, y), "0 to 9"),
    ],
)
def test_bad_labels_raise(tiny_data, labels, match):
    bad = cnn.Dataset(
        tiny_data.x_train, labels(tiny_data.y_train), tiny_data.x_test, tiny_data.y_test, "bad"
    )
    with pytest.raises(ValueError, match=match):
        train(cnn.build_model(SMALL), bad, recipe(epochs=1))


def test_images_of_the_wrong_size_raise(tiny_data):
    images = np.zeros((600, 30, 30), np.uint8)
    wrong = cnn.Dataset(images, tiny_data.y_train, tiny_data.x_test, tiny_data.y_test, "x")
    with pytest.raises(ValueError, match=r"Expected images of shape \(N, 28, 28\)"):
        train(cnn.build_model(SMALL), wrong, recipe(epochs=1))
