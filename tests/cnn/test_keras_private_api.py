"""The one place `cnn` reaches into Keras' private code, checked so that an upgrade that
moves it fails here, loudly, with the reason (README: "Keras' private API").

`cnn/training/loop.py: _skip_single_replica_all_reduce` replaces
`keras.src.backend.tensorflow.optimizer.TFOptimizer._all_reduce_sum_gradients`: without a
distribution strategy Keras still registers a custom gradient per traced training step in
TensorFlow's process-wide gradient registry, which is never emptied and keeps the whole traced
step alive (~13 MB per training on a server where a class trains again and again).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

import cnn
from cnn.training import loop

MOVED = (
    "Keras no longer has TFOptimizer._all_reduce_sum_gradients / filter_empty_gradients where "
    "cnn/training/loop.py:_skip_single_replica_all_reduce replaces it: each training would "
    "again leave ~13 MB in TensorFlow's gradient registry. Find where this Keras version sums "
    "gradients over replicas and patch that instead (README: Keras' private API)."
)

pytestmark = pytest.mark.slow


def test_keras_still_has_the_private_method_the_memory_fix_replaces():
    try:
        from keras.src.backend.tensorflow.optimizer import TFOptimizer, filter_empty_gradients
    except ImportError as error:
        pytest.fail(f"{MOVED} ({error})")
    assert callable(filter_empty_gradients), MOVED
    assert callable(getattr(TFOptimizer, "_all_reduce_sum_gradients", None)), MOVED


def _registry_size() -> int:
    from tensorflow.python.framework import ops

    return len(ops._gradient_registry._registry)


def _train_once(data: cnn.Dataset, config) -> cnn.TrainingRun:
    model = cnn.build_model(config)
    return cnn.train(model, data, replace(cnn.TrainingRecipe(model=config), epochs=1), seed=0)


def test_trainings_leave_nothing_in_tensorflows_gradient_registry(tiny_data, small_config):
    """With the fix, a second and third training register no gradient; without it (as
    `test_without_the_fix_each_training_registers_one` shows) each adds one."""
    _train_once(tiny_data, small_config)  # the first may register Keras' own once
    before = _registry_size()
    run = _train_once(tiny_data, small_config)
    _train_once(tiny_data, small_config)
    assert _registry_size() == before, MOVED
    assert run.history["loss"][0] > 0  # the patched step still trains


def test_without_the_fix_each_training_registers_one(tiny_data, small_config, monkeypatch):
    """The measurement above can fail: with Keras' own method back, the registry grows."""
    from keras.src.backend.tensorflow.optimizer import TFOptimizer

    loop._skip_single_replica_all_reduce()
    patched = TFOptimizer._all_reduce_sum_gradients
    assert patched.single_replica_skipped, MOVED
    monkeypatch.setattr(TFOptimizer, "_all_reduce_sum_gradients", patched.original)
    monkeypatch.setattr(loop, "_skip_single_replica_all_reduce", lambda: None)
    before = _registry_size()
    _train_once(tiny_data, small_config)
    _train_once(tiny_data, small_config)
    assert _registry_size() >= before + 2
