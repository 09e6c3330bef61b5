"""cnn.memory: releasing replaced models and reading the process' memory."""

import gc
import math
import weakref

import cnn


def test_release_memory_frees_a_dropped_model():
    model = cnn.build_model(cnn.ModelConfig(filters=(4,), dense_units=8))
    gc.disable()  # only release_memory may collect the model's reference cycles
    try:
        ref = weakref.ref(model)
        del model
        cnn.release_memory()
        assert ref() is None
    finally:
        gc.enable()


def test_process_rss_is_a_positive_number_of_megabytes():
    rss = cnn.process_rss_mb()
    assert math.isnan(rss) or 10 < rss < 100_000
