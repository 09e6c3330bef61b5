"""The training loop: a `TrainingRecipe` applied to a model, with a progress hook, a stop
check and resuming, filling a `TrainingRun` as it goes (what the app, the CLI and the
benchmarks all call)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import keras
import numpy as np

from cnn.config import IMAGE_SIZE, NUM_CLASSES
from cnn.data import Dataset, check_labels, to_4d_float
from cnn.images.augment import RobustAugment, augment_batch
from cnn.recipe import AugmentConfig, TrainingRecipe
from cnn.run import HISTORY_KEYS, RunStatus, TrainingRun, empty_history
from cnn.training.memory import trim_heap
from cnn.training.model import compile_model

# Progress reports per epoch when the caller does not choose (a live chart's pace).
PROGRESS_CALLS_PER_EPOCH = 25


@dataclass(frozen=True)
class TrainingProgress:
    """What the progress hook receives, after every few batches and after every epoch.

    Attributes:
        epoch: the current epoch, counted from 1 (including epochs of earlier runs).
        epochs: the epoch training stops after.
        batch: batches done in this epoch.
        batches_per_epoch: batches in a full epoch.
        logs: the latest metrics (`loss`, `accuracy`, and `val_*` at an epoch's end).
        seconds: seconds since this `train` call started.
        eta_seconds: estimated seconds left in this call (None before the first batch).
        history: the history so far, completed epochs only.
        epoch_end: True when called at the end of an epoch.
        fraction: progress of this call from 0 to 1, for a progress bar.
    """

    epoch: int
    epochs: int
    batch: int
    batches_per_epoch: int
    logs: dict
    seconds: float
    eta_seconds: float | None
    history: dict = field(repr=False)
    epoch_end: bool = False
    fraction: float = 0.0


class _Progress:
    """Counts batches, keeps the epoch's running metrics, and calls the progress hook."""

    def __init__(
        self,
        *,
        history: dict,
        epochs: int,
        initial_epoch: int,
        batches_per_epoch: int,
        progress: Callable[[TrainingProgress], None] | None,
    ):
        self.history = history
        self.epochs = epochs
        self.batches_per_epoch = batches_per_epoch
        self.progress = progress
        self.total_batches = max(1, (epochs - initial_epoch) * batches_per_epoch)
        self.batches_done = 0
        self.start = time.perf_counter()
        self.epoch = initial_epoch
        self.epoch_start = self.start
        self.loss_sum = self.correct = 0.0
        self.seen = 0

    def begin_epoch(self, epoch: int) -> None:
        self.epoch, self.epoch_start = epoch, time.perf_counter()
        self.loss_sum = self.correct = 0.0
        self.seen = 0

    def add(self, batches: int, digits: int, loss_sum: float, correct: float) -> None:
        self.batches_done += batches
        self.seen += digits
        self.loss_sum += loss_sum
        self.correct += correct

    def logs(self) -> dict:
        """The epoch's running loss and accuracy, as Keras' `fit` logs them (the mean over
        the digits trained on so far in this epoch)."""
        seen = max(1, self.seen)
        return {"loss": self.loss_sum / seen, "accuracy": self.correct / seen}

    def end_epoch(self, validation: dict) -> dict:
        logs = {**self.logs(), **validation}
        for key in HISTORY_KEYS:
            self.history[key].append(float(logs.get(key, np.nan)))
        self.history["epoch_seconds"].append(time.perf_counter() - self.epoch_start)
        return logs

    def report(self, batch: int, logs: dict, epoch_end: bool) -> None:
        if self.progress is None:
            return
        seconds = time.perf_counter() - self.start
        fraction = self.batches_done / self.total_batches
        eta = seconds / fraction - seconds if self.batches_done else None
        self.progress(
            TrainingProgress(
                epoch=self.epoch + 1,
                epochs=self.epochs,
                batch=batch,
                batches_per_epoch=self.batches_per_epoch,
                logs={k: float(v) for k, v in logs.items()},
                seconds=seconds,
                eta_seconds=eta,
                history=self.history,
                epoch_end=epoch_end,
                fraction=min(1.0, fraction),
            )
        )


def _as_uint8_or_float(images) -> np.ndarray:
    """The training images as (N, 28, 28): uint8 stays uint8 (4x less memory than float32)."""
    images = np.asarray(images)
    if images.dtype == np.uint8 and images.shape[1:] == (IMAGE_SIZE, IMAGE_SIZE):
        return images
    return to_4d_float(images)[..., 0]


def _augmenter(augment: AugmentConfig, seed):
    """Random small rotations, shifts and zooms: the ways handwriting varies."""
    return keras.Sequential(
        [
            keras.layers.RandomRotation(augment.rotation, fill_mode="constant", seed=seed),
            keras.layers.RandomTranslation(
                augment.shift, augment.shift, fill_mode="constant", seed=seed
            ),
            keras.layers.RandomZoom(augment.zoom, fill_mode="constant", seed=seed),
        ]
    )


def _hands(augment: AugmentConfig) -> RobustAugment:
    """The recipe's rotation, shift and zoom in `RobustAugment`'s units (degrees, pixels, a
    relative size) and its coarse share, with its defaults for the slant, the wobble and the
    pens."""
    return RobustAugment(
        rotation=augment.rotation * 360.0,
        shift=augment.shift * IMAGE_SIZE,
        scale=augment.zoom,
        coarse=augment.coarse,
    )


class _CompiledSteps:
    """The training step and the validation pass, each one compiled TensorFlow function.

    `train(images, labels)` takes a stack of batches, (steps, batch, 28, 28) digits (uint8
    0-255 or floats 0-1) and (steps, batch) integer labels, and runs all those steps in one
    call: one Python round trip per call instead of per batch, and no `tf.data` pipeline
    (the batches are slices of the arrays in memory). Each digit is scaled, one-hot labelled
    and, with augmentation, randomly moved inside the step, exactly as the course prepares
    them (`to_4d_float`, `one_hot`). The loss is the model's compiled one (categorical
    cross-entropy), plus any layer losses; with `label_smoothing`, the gradients are those of
    the cross-entropy with smoothed targets. Returns the summed (plain) loss and the right
    answers.
    """

    def __init__(
        self, model, image_dtype, augment: AugmentConfig | None, seed, label_smoothing=0.0
    ):
        import tensorflow as tf

        scale = 1.0 / 255.0 if image_dtype == np.uint8 else 1.0
        augmenting = augment is not None and augment.enabled
        # Other hands and pens: every change in NumPy before the batch (`augment_hands`).
        self.hands = _hands(augment) if augmenting and augment.hands else None
        self._hands_rng = np.random.default_rng(seed)
        augmenter = _augmenter(augment, seed) if augmenting and self.hands is None else None
        variables = model.trainable_variables
        optimizer = model.optimizer
        if not optimizer.built:  # its slots made now, not while tracing (that traces twice)
            optimizer.build(variables)
        image_spec = tf.TensorSpec((None, None, IMAGE_SIZE, IMAGE_SIZE), tf.as_dtype(image_dtype))
        label_spec = tf.TensorSpec((None, None), tf.int32)

        def prepare(images, labels):
            x = (tf.cast(images, tf.float32) * scale)[..., None]
            return x, tf.one_hot(labels, NUM_CLASSES, dtype=tf.float32)

        def scores(y, probabilities):
            loss = keras.losses.categorical_crossentropy(y, probabilities)
            hits = tf.cast(tf.argmax(probabilities, -1) == tf.argmax(y, -1), tf.float32)
            return loss, hits

        def trained_loss(y, probabilities, loss):
            """What the gradients are taken of: the loss, or with smoothed targets."""
            if not label_smoothing:
                return loss
            return keras.losses.categorical_crossentropy(
                y, probabilities, label_smoothing=label_smoothing
            )

        @tf.function(input_signature=[image_spec, label_spec])
        def train_steps(images, labels):
            loss_sum, correct = tf.constant(0.0), tf.constant(0.0)
            for step in tf.range(tf.shape(images)[0]):
                x, y = prepare(images[step], labels[step])
                if augmenter is not None:
                    x = augmenter(x, training=True)
                with tf.GradientTape() as tape:
                    probabilities = model(x, training=True)
                    loss, hits = scores(y, probabilities)
                    objective = tf.reduce_mean(trained_loss(y, probabilities, loss))
                    if model.losses:
                        objective += tf.add_n(model.losses)
                gradients = tape.gradient(objective, variables)
                optimizer.apply_gradients(zip(gradients, variables, strict=True))
                loss_sum += tf.reduce_sum(loss)
                correct += tf.reduce_sum(hits)
            return loss_sum, correct

        @tf.function(input_signature=[image_spec, label_spec])
        def validate(images, labels):
            x, y = prepare(images[0], labels[0])
            loss, hits = scores(y, model(x, training=False))
            return tf.reduce_sum(loss), tf.reduce_sum(hits)

        self.train = train_steps
        self.validate = validate

    def augment_hands(self, images: np.ndarray) -> np.ndarray:
        """A stack of batches (steps, batch, 28, 28) changed as other hands would write them;
        unchanged without `AugmentConfig.hands`."""
        if self.hands is None:
            return images
        flat = images.reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
        return augment_batch(flat, self._hands_rng, self.hands).reshape(images.shape)

    def evaluate(self, images: np.ndarray, labels: np.ndarray, batch_size: int) -> dict:
        """`val_loss` and `val_accuracy` on held-out digits, `batch_size` at a time."""
        loss_sum = correct = 0.0
        for begin in range(0, len(images), batch_size):
            part = slice(begin, begin + batch_size)
            loss, hits = self.validate(images[None, part], labels[None, part])
            loss_sum, correct = loss_sum + float(loss), correct + float(hits)
        return {"val_loss": loss_sum / len(images), "val_accuracy": correct / len(images)}


# A call of the compiled step runs as many batches as take about this long (at most
# MAX_STEPS_PER_CALL): few Python round trips, and a Stop is seen within a fraction of a second.
SECONDS_PER_CALL = 0.25
MAX_STEPS_PER_CALL = 16


def _epoch_order(count: int, seed: int | None, epoch: int) -> np.ndarray:
    """The digits of an epoch in random order: the same for the same seed and epoch (a run
    continued later shuffles as an uninterrupted one would)."""
    rng = np.random.default_rng(None if seed is None else [seed, epoch])
    return rng.permutation(count)


def _skip_single_replica_all_reduce() -> None:
    """Stop every training from leaving its traced step in memory (about 13 MB each).

    Keras' TensorFlow optimizers sum the gradients over replicas with `all_reduce` whenever
    a training step is traced, even without a distribution strategy, where the sum over the
    one replica is the gradients themselves. That `all_reduce` registers a custom gradient in
    TensorFlow's process-wide gradient registry, which is never emptied and holds the whole
    traced step: a server where users train again and again grew by ~13 MB per training.
    Without a strategy the gradients are now passed on as they are. Idempotent; if a Keras
    version lacks the method, nothing is changed, and `tests/cnn/test_keras_private_api.py`
    fails with the reason.
    """
    try:
        import tensorflow as tf
        from keras.src.backend.tensorflow.optimizer import TFOptimizer, filter_empty_gradients
    except ImportError:
        return
    original = getattr(TFOptimizer, "_all_reduce_sum_gradients", None)
    if original is None or getattr(original, "single_replica_skipped", False):
        return

    def all_reduce_sum_gradients(self, grads_and_vars):
        if tf.distribute.has_strategy():
            return original(self, grads_and_vars)
        grads_and_vars = list(grads_and_vars)
        filter_empty_gradients(grads_and_vars)  # its clear error when no gradient exists
        return grads_and_vars

    all_reduce_sum_gradients.single_replica_skipped = True
    all_reduce_sum_gradients.original = original
    TFOptimizer._all_reduce_sum_gradients = all_reduce_sum_gradients


def _cosine_with_warmup(peak: float, total_steps: int, warmup_fraction: float):
    warmup = int(total_steps * warmup_fraction)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak / 100 if warmup else peak,
        decay_steps=max(1, total_steps - warmup),
        warmup_target=peak if warmup else None,
        warmup_steps=warmup,
    )


def _compile_for(model, recipe: TrainingRecipe, steps: int) -> None:
    """Compile `model` with the recipe's optimizer and learning-rate schedule over `steps`."""
    rate = recipe.optimizer.learning_rate
    if recipe.schedule.name == "cosine":
        rate = _cosine_with_warmup(rate, steps, recipe.schedule.warmup_fraction)
    compile_model(model, recipe.optimizer, learning_rate=rate)


def train(
    model,
    data: Dataset,
    recipe: TrainingRecipe | None = None,
    *,
    seed: int | None = None,
    progress: Callable[[TrainingProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress_every: int | None = None,
) -> TrainingRun:
    """Train `model` on `data.x_train` with `recipe` (the course's by default), as the course
    does, with hooks for a live UI.

    Compiles the model with the recipe's optimizer and schedule, then trains it for
    `recipe.epochs` (see `continue_training` for the hooks).

    Args:
        model: a model from `build_model` or `build_mlp`.
        data: the `Dataset` to train on.
        recipe: how to train (`recipe.model` is not read: the model is built already).
        seed: makes shuffling, dropout and augmentation reproducible.

    Returns:
        The `TrainingRun`: history, status DONE (or STOPPED by `should_stop`).

    Example:
        >>> run = train(build_model(), load_mnist(), PRESETS["quick"])  # doctest: +SKIP
        >>> run.history["val_accuracy"][-1]  # doctest: +SKIP
        0.99
    """
    run = TrainingRun(model=model, recipe=recipe or TrainingRecipe(), data=data, seed=seed)
    return continue_training(
        run, progress=progress, should_stop=should_stop, progress_every=progress_every
    )


def continue_training(
    run: TrainingRun,
    *,
    epochs: int | None = None,
    progress: Callable[[TrainingProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress_every: int | None = None,
) -> TrainingRun:
    """Train `run.model` on from its last completed epoch, filling `run` as it goes.

    A run with no epochs yet starts as `train` does (compiled with its recipe's optimizer
    and schedule over all its epochs); a run with some goes on with its optimizer as it is.
    The last `validation_split` of the training set is held out for validation (as Keras'
    `validation_split`). Weights change in place and `run.history` gets each epoch as it
    ends, so stopping, or an exception in a hook (a Streamlit rerun), keeps all that was
    learnt; the run is then STOPPED and can continue.

    Args:
        run: the run; with status NEW, STOPPED or DONE.
        epochs: the epoch to stop after, counted from 0 as Keras' `fit` (default
            `run.continue_to`: the recipe's last, or one more when that is reached). The
            run's recipe is updated to it.
        progress: called with a `TrainingProgress` every `progress_every` batches and after
            every epoch.
        should_stop: checked after each call of the compiled step (one batch, or as many as
            take about `SECONDS_PER_CALL`); True ends training cleanly (STOPPED) after the
            epoch's validation.
        progress_every: batches between progress calls (default: about
            `PROGRESS_CALLS_PER_EPOCH` times an epoch).

    Returns:
        `run`, with status DONE or STOPPED.

    Raises:
        ValueError: data that cannot be trained on, or `epochs` not beyond those done.
    """
    epochs = run.continue_to if epochs is None else epochs
    initial_epoch = run.epochs_done
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs <= initial_epoch:
        raise ValueError(
            f"epochs = {epochs!r} with {initial_epoch} epochs done: expected more epochs "
            "than are done (to resume, raise epochs)."
        )
    recipe = run.recipe if epochs == run.recipe.epochs else replace(run.recipe, epochs=epochs)
    images = _as_uint8_or_float(run.data.x_train)
    labels = check_labels(run.data.y_train).astype(np.int32)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} training images but {len(labels)} labels.")
    n_train, n_val = recipe.split_sizes(len(images))
    if n_train < 1:
        raise ValueError(f"{len(images)} training images are too few to train on.")
    batches_per_epoch = recipe.batches_per_epoch(len(images))
    if progress_every is None:
        progress_every = max(1, batches_per_epoch // PROGRESS_CALLS_PER_EPOCH)
    _skip_single_replica_all_reduce()
    if run.seed is not None:
        keras.utils.set_random_seed(run.seed)
    if initial_epoch == 0 or run.model.optimizer is None:
        _compile_for(run.model, recipe, epochs * batches_per_epoch)
    for key, values in empty_history().items():  # a history kept from elsewhere may lack some
        run.history.setdefault(key, values)
    steps = _CompiledSteps(
        run.model, images.dtype, recipe.augment, run.seed, recipe.label_smoothing
    )
    tracker = _Progress(
        history=run.history,
        epochs=epochs,
        initial_epoch=initial_epoch,
        batches_per_epoch=batches_per_epoch,
        progress=progress,
    )
    run.recipe, run.status, run.evaluation = recipe, RunStatus.RUNNING, None
    stopped = False
    try:
        for epoch in range(initial_epoch, epochs):
            tracker.begin_epoch(epoch)
            stopped = _train_epoch(
                steps,
                images[:n_train],
                labels[:n_train],
                _epoch_order(n_train, run.seed, epoch),
                recipe.batch_size,
                tracker,
                should_stop,
                progress_every,
            )
            validation = (
                steps.evaluate(images[n_train:], labels[n_train:], recipe.batch_size)
                if n_val
                else {}
            )
            logs = tracker.end_epoch(validation)
            trim_heap()  # after validation, before the next epoch's first batch
            tracker.report(batches_per_epoch, logs, epoch_end=True)
            if stopped:
                break
    finally:
        # Stopped, or cut short by an exception (a rerun of the page): it can continue.
        finished = not stopped and run.epochs_done >= epochs
        run.status = RunStatus.DONE if finished else RunStatus.STOPPED
    return run


def _train_epoch(
    steps: _CompiledSteps,
    images: np.ndarray,
    labels: np.ndarray,
    order: np.ndarray,
    batch_size: int,
    tracker: _Progress,
    should_stop: Callable[[], bool] | None,
    progress_every: int,
) -> bool:
    """One epoch over `images` in `order`, a few batches per call of the compiled step; a
    progress report every `progress_every` batches, `should_stop` checked after each call.
    Returns True when stopped."""
    full_batches, rest = divmod(len(order), batch_size)
    batch, per_call = 0, 1  # the first call traces: one batch, then as many as fit the time
    total = full_batches + (1 if rest else 0)
    while batch < total:
        if batch >= full_batches:  # the smaller last batch, on its own
            count, index = 1, order[full_batches * batch_size :][None]
        else:  # full batches, up to the next progress report
            next_report = (batch // progress_every + 1) * progress_every
            count = min(per_call, next_report - batch, full_batches - batch)
            index = order[batch * batch_size : (batch + count) * batch_size].reshape(count, -1)
        began = time.perf_counter()
        loss_sum, correct = steps.train(steps.augment_hands(images[index]), labels[index])
        tracker.add(count, index.size, float(loss_sum), float(correct))
        seconds = time.perf_counter() - began
        per_call = int(min(MAX_STEPS_PER_CALL, max(1, SECONDS_PER_CALL * count / seconds)))
        batch += count
        if should_stop is not None and should_stop():
            return True
        if batch % progress_every == 0:
            tracker.report(batch, tracker.logs(), epoch_end=False)
    return False
