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
from cnn.memory import trim_heap
from cnn.model import compile_model
from cnn.recipe import AugmentConfig, TrainingRecipe
from cnn.run import HISTORY_KEYS, RunStatus, TrainingRun, empty_history

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


class _ProgressCallback(keras.callbacks.Callback):
    def __init__(
        self,
        *,
        history: dict,
        epochs: int,
        initial_epoch: int,
        batches_per_epoch: int,
        progress: Callable[[TrainingProgress], None] | None,
        should_stop: Callable[[], bool] | None,
        progress_every: int,
    ):
        super().__init__()
        self.history = history
        self.epochs = epochs
        self.initial_epoch = initial_epoch
        self.batches_per_epoch = batches_per_epoch
        self.progress = progress
        self.should_stop = should_stop
        self.progress_every = max(1, progress_every)
        self.total_batches = max(1, (epochs - initial_epoch) * batches_per_epoch)
        self.batches_done = 0
        self.stopped = False
        self.start = time.perf_counter()
        self.epoch_start = self.start
        self.current_epoch = initial_epoch

    def _report(self, batch: int, logs: dict, epoch_end: bool) -> None:
        if self.progress is None:
            return
        seconds = time.perf_counter() - self.start
        fraction = self.batches_done / self.total_batches
        eta = seconds / fraction - seconds if self.batches_done else None
        self.progress(
            TrainingProgress(
                epoch=self.current_epoch + 1,
                epochs=self.epochs,
                batch=batch,
                batches_per_epoch=self.batches_per_epoch,
                logs={k: float(v) for k, v in (logs or {}).items()},
                seconds=seconds,
                eta_seconds=eta,
                history=self.history,
                epoch_end=epoch_end,
                fraction=min(1.0, fraction),
            )
        )

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch
        self.epoch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.batches_done += 1
        if self.should_stop is not None and self.should_stop():
            self.stopped = True
            self.model.stop_training = True
            return
        if (batch + 1) % self.progress_every == 0:
            self._report(batch + 1, logs, epoch_end=False)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        for key in HISTORY_KEYS:
            self.history[key].append(float(logs.get(key, np.nan)))
        self.history["epoch_seconds"].append(time.perf_counter() - self.epoch_start)
        trim_heap()  # after validation, before the next epoch's first batch
        self._report(self.batches_per_epoch, logs, epoch_end=True)


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


def _batches(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    *,
    shuffle: bool,
    seed,
    augment: AugmentConfig | None = None,
):
    """Batches made on the fly: (B, 28, 28, 1) float32 in [0, 1] and one-hot (B, 10) labels.

    Equivalent to `to_4d_float` and `one_hot` on the whole set, as the course does, but only one
    batch at a time is float32: a float copy of full MNIST (and the copy Keras makes of it for
    `fit`) would cost about 400 MB more per training, which is what a small server lacks.
    """
    import tensorflow as tf

    count = len(images)
    scale = 1.0 / 255.0 if images.dtype == np.uint8 else 1.0
    image_dtype = tf.as_dtype(images.dtype)

    def gather(indices):
        # Numpy, not a tf.constant of the whole set: TensorFlow keeps about twice an array's
        # size when it makes a constant of it (measured: +72 MB for 48,000 uint8 digits).
        return images[indices], labels[indices]

    def make_batch(indices):
        x, y = tf.numpy_function(gather, [indices], (image_dtype, tf.as_dtype(labels.dtype)))
        x = tf.ensure_shape(x, (None, IMAGE_SIZE, IMAGE_SIZE))
        y = tf.ensure_shape(y, (None,))
        x = tf.cast(x, tf.float32) * scale
        return x[..., None], tf.one_hot(y, NUM_CLASSES, dtype=tf.float32)

    batches = (
        tf.data.Dataset.range(count).shuffle(count, seed=seed, reshuffle_each_iteration=True)
        if shuffle
        else tf.data.Dataset.range(count)
    )
    batches = batches.batch(batch_size).map(make_batch)
    if augment is not None and augment.enabled:
        augmenter = _augmenter(augment, seed)
        batches = batches.map(lambda x, y: (augmenter(x, training=True), y))
    # No autotuning: nothing here is AUTOTUNE, and on 2 cores its background thread slowed
    # whole epochs by ~45 % at random (float32 epochs of ~7 s or ~10.3 s; always ~7 s without).
    options = tf.data.Options()
    options.autotune.enabled = False
    return batches.prefetch(2).with_options(options)


def _skip_single_replica_all_reduce() -> None:
    """Stop every training from leaving its traced step in memory (about 13 MB each).

    Keras' TensorFlow optimizers sum the gradients over replicas with `all_reduce` whenever
    a training step is traced, even without a distribution strategy, where the sum over the
    one replica is the gradients themselves. That `all_reduce` registers a custom gradient in
    TensorFlow's process-wide gradient registry, which is never emptied and holds the whole
    traced step: a server where users train again and again grew by ~13 MB per training.
    Without a strategy the gradients are now passed on as they are. Idempotent; if a Keras
    version lacks the method, nothing is changed (and `tests/test_training.py` says so).
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
        should_stop: checked after every batch; True ends training cleanly (STOPPED).
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
    images, labels = _as_uint8_or_float(run.data.x_train), check_labels(run.data.y_train)
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
    if initial_epoch == 0:
        _compile_for(run.model, recipe, epochs * batches_per_epoch)
    for key, values in empty_history().items():  # a history kept from elsewhere may lack some
        run.history.setdefault(key, values)
    callback = _ProgressCallback(
        history=run.history,
        epochs=epochs,
        initial_epoch=initial_epoch,
        batches_per_epoch=batches_per_epoch,
        progress=progress,
        should_stop=should_stop,
        progress_every=progress_every,
    )
    run.recipe, run.status, run.evaluation = recipe, RunStatus.RUNNING, None
    try:
        run.model.fit(
            _batches(
                images[:n_train],
                labels[:n_train],
                recipe.batch_size,
                shuffle=True,
                seed=run.seed,
                augment=recipe.augment,
            ),
            epochs=epochs,
            initial_epoch=initial_epoch,
            validation_data=(
                _batches(
                    images[n_train:], labels[n_train:], recipe.batch_size, shuffle=False, seed=None
                )
                if n_val
                else None
            ),
            callbacks=[callback],
            shuffle=False,  # the batches above are shuffled already
            verbose=0,
        )
    finally:
        # Stopped, or cut short by an exception (a rerun of the page): it can continue.
        finished = not callback.stopped and run.epochs_done >= epochs
        run.status = RunStatus.DONE if finished else RunStatus.STOPPED
    return run
