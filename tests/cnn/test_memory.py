"""cnn.training.memory: releasing replaced models and reading the process' memory."""

import gc
import math
import weakref

import cnn
from cnn.training import memory


def test_release_memory_frees_a_dropped_model():
    model = cnn.build_model(cnn.ModelConfig(filters=(4,), dense_units=8))
    gc.disable()  # only release_memory may collect the model's reference cycles
    try:
        ref = weakref.ref(model)
        del model
        memory.release_memory()
        assert ref() is None
    finally:
        gc.enable()


def test_process_rss_is_a_positive_number_of_megabytes():
    rss = memory.process_rss_mb()
    assert math.isnan(rss) or 10 < rss < 100_000


def test_limit_malloc_arenas_takes_effect_on_glibc():
    import platform

    took = memory.limit_malloc_arenas()
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert took is True
    else:
        assert took is False
    assert memory.limit_malloc_arenas() is took  # once per process
