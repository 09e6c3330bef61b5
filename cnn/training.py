"""Training with a progress hook, a stop check and resuming, as the app and CLI need."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np

from cnn.config import IMAGE_SIZE, NUM_CLASSES
from cnn.data import Dataset, check_labels, to_4d_float
from cnn.memory import trim_heap
from cnn.model import make_optimizer

HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")
SCHEDULES = ("constant", "cosine")
# Augmentation: rotation as a fraction of a full turn (about 10 degrees), shift as a fraction of
# the side (about 2 pixels), zoom as a fraction of the size.
AUGMENT_ROTATION, AUGMENT_SHIFT, AUGMENT_ZOOM = 0.03, 0.08, 0.1


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


def empty_history() -> dict:
    """A history with no epochs: the four lists of the seed plus seconds per epoch."""
    return {key: [] for key in (*HISTORY_KEYS, "epoch_seconds")}


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


def _augmenter(seed):
    """Random small rotations, shifts and zooms: the ways handwriting varies."""
    return keras.Sequential(
        [
            keras.layers.RandomRotation(AUGMENT_ROTATION, fill_mode="constant", seed=seed),
            keras.layers.RandomTranslation(
                AUGMENT_SHIFT, AUGMENT_SHIFT, fill_mode="constant", seed=seed
            ),
            keras.layers.RandomZoom(AUGMENT_ZOOM, fill_mode="constant", seed=seed),
        ]
    )


def _batches(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    *,
    shuffle: bool,
    seed,
    augment: bool = False,
):
    """Batches made on the fly: (B, 28, 28, 1) float32 in [0, 1] and one-hot (B, 10) labels.

    Equivalent to `to_4d_float` and `one_hot` on the whole set, as the seed does, but only one
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
    if augment:
        augmenter = _augmenter(seed)
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


def train(
    model,
    data: Dataset,
    epochs: int = 10,
    batch_size: int = 200,
    validation_split: float = 0.2,
    *,
    initial_epoch: int = 0,
    history: dict | None = None,
    seed: int | None = None,
    progress: Callable[[TrainingProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress_every: int = 20,
    schedule: str = "constant",
    warmup_fraction: float = 0.1,
    augment: bool = False,
) -> dict:
    """Train `model` on `data.x_train` as the seed does, with hooks for a live UI.

    The last `validation_split` of the training set is held out for validation (as Keras'
    `validation_split`). The model's weights change in place, so stopping (or an exception
    in a hook) keeps everything learnt up to the last completed batch.

    Args:
        model: a compiled model from `build_model` or `build_mlp`.
        data: the `Dataset` to train on.
        epochs: the epoch to stop after (counted from 0, as Keras' `fit`).
        batch_size: samples per gradient step.
        validation_split: fraction held out for validation, 0 to 0.5.
        initial_epoch: resume from this epoch (use `len(history["loss"])`).
        history: the history of earlier runs of this model; new epochs are appended to a copy.
        seed: makes shuffling (and dropout) reproducible.
        progress: called with a `TrainingProgress` after every `progress_every` batches and
            after every epoch.
        should_stop: checked after every batch; True ends training cleanly.
        progress_every: batches between progress calls.
        schedule: "constant", or "cosine": warm-up to the optimizer's learning rate, then
            cosine decay to 0 over all `epochs` (set up when `initial_epoch` is 0).
        warmup_fraction: with "cosine", the share of steps spent warming up.
        augment: train on randomly rotated, shifted and zoomed copies of the digits (a
            new variation every epoch); validation digits stay as they are.

    Returns:
        The history: lists `loss`, `accuracy`, `val_loss`, `val_accuracy` and
        `epoch_seconds`, one value per epoch (an epoch ended early by `should_stop` counts).

    Example:
        >>> history = train(build_model(), load_mnist(), epochs=1)  # doctest: +SKIP
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs = {epochs!r}: expected a positive integer, e.g. 10.")
    if not isinstance(initial_epoch, int) or not 0 <= initial_epoch < epochs:
        raise ValueError(
            f"initial_epoch = {initial_epoch!r} with epochs = {epochs}: expected 0 <= "
            "initial_epoch < epochs (to resume, raise epochs)."
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size = {batch_size!r}: expected a positive integer, e.g. 200.")
    if not 0 <= validation_split <= 0.5:
        raise ValueError(f"validation_split = {validation_split!r}: expected 0 to 0.5, e.g. 0.2.")
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule = {schedule!r}: expected one of {SCHEDULES}.")
    images, labels = _as_uint8_or_float(data.x_train), check_labels(data.y_train)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} training images but {len(labels)} labels.")
    n_val = int(len(images) * validation_split)
    n_train = len(images) - n_val
    if n_train < 1:
        raise ValueError(f"{len(images)} training images are too few to train on.")
    batches_per_epoch = -(-n_train // batch_size)
    _skip_single_replica_all_reduce()
    if seed is not None:
        keras.utils.set_random_seed(seed)
    if schedule == "cosine" and initial_epoch == 0:
        optimizer = model.optimizer
        peak = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        name = type(optimizer).__name__.lower()
        lr = _cosine_with_warmup(peak, epochs * batches_per_epoch, warmup_fraction)
        model.compile(optimizer=make_optimizer(name, lr), loss=model.loss, metrics=["accuracy"])
    full_history = {key: list(values) for key, values in (history or empty_history()).items()}
    for key in empty_history():
        full_history.setdefault(key, [])
    callback = _ProgressCallback(
        history=full_history,
        epochs=epochs,
        initial_epoch=initial_epoch,
        batches_per_epoch=batches_per_epoch,
        progress=progress,
        should_stop=should_stop,
        progress_every=progress_every,
    )
    model.fit(
        _batches(
            images[:n_train],
            labels[:n_train],
            batch_size,
            shuffle=True,
            seed=seed,
            augment=augment,
        ),
        epochs=epochs,
        initial_epoch=initial_epoch,
        validation_data=(
            _batches(images[n_train:], labels[n_train:], batch_size, shuffle=False, seed=None)
            if n_val
            else None
        ),
        callbacks=[callback],
        shuffle=False,  # the batches above are shuffled already
        verbose=0,
    )
    return full_history
