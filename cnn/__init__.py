"""CNN Lab: the course's MNIST convolutional network as a tested library.

`import cnn` is light: TensorFlow is imported only when a function that needs it (building or
training a Keras model) is first used. Everything a model does once trained runs in NumPy
(`cnn.engine`): `cnn.load_default_model()`, `cnn.predict_digit`, `cnn.saliency_map`,
`cnn.feature_maps` and `cnn.load_model_file` never import TensorFlow.

Example:
    >>> import cnn
    >>> int(cnn.layer_table()["params"].sum())
    242062
"""

from __future__ import annotations

import importlib
import os

# Before anything here imports TensorFlow, whichever module does it first: its start-up
# chatter (oneDNN notices, CPU feature lines) stays out of the terminal and the app's log.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from cnn import invariance  # noqa: E402
from cnn.config import ModelConfig  # noqa: E402
from cnn.data import (  # noqa: E402
    DataError,
    Dataset,
    DownloadError,
    download_mnist,
    load_mnist,
    load_mnist_file,
    load_sample,
    one_hot,
    to_4d_float,
)
from cnn.drawing import (  # noqa: E402
    BlankCanvasError,
    CanvasFullError,
    canvas_to_mnist,
    ink_strength,
    redraw_as_canvas,
)
from cnn.engine import NumpyModel, from_keras_model  # noqa: E402
from cnn.evaluation import (  # noqa: E402
    Evaluation,
    evaluate,
    evaluate_digits,
    misclassified_examples,
    predict_probabilities,
)
from cnn.inspection import (  # noqa: E402
    as_engine,
    conv_filters,
    feature_maps,
    predict_digit,
    saliency_map,
)
from cnn.layer_table import count_params, layer_specs, layer_table  # noqa: E402
from cnn.memory import limit_malloc_arenas, process_rss_mb, release_memory  # noqa: E402
from cnn.model_io import (  # noqa: E402
    ModelFileError,
    inspect_model_archive,
    load_default_model,
    load_model_file,
    load_shipped_mlp,
)
from cnn.photo import (  # noqa: E402
    MostlyInkError,
    NoInkError,
    PhotoError,
    PhotoSizeError,
    PhotoSteps,
    PhotoUnreadableError,
    photo_steps,
    photo_to_mnist,
)
from cnn.photo_synth import synthetic_photo  # noqa: E402
from cnn.preload import import_tensorflow_in_background  # noqa: E402
from cnn.recipe import (  # noqa: E402
    PRESETS,
    AugmentConfig,
    OptimizerConfig,
    ScheduleConfig,
    TrainingRecipe,
    baseline_recipe,
)
from cnn.run import (  # noqa: E402
    RunStatus,
    TrainingRun,
    compare_runs,
    empty_history,
    with_running_point,
)

# Names whose modules import TensorFlow, loaded on first use.
_LAZY = {
    "build_model": "cnn.model",
    "build_for": "cnn.model",
    "build_mlp": "cnn.model",
    "compile_model": "cnn.model",
    "cpu_has_native_bf16": "cnn.hardware",
    "train": "cnn.training",
    "continue_training": "cnn.training",
    "TrainingProgress": "cnn.training",
    "save_model_bytes": "cnn.model_io",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cnn' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "PRESETS",
    "AugmentConfig",
    "BlankCanvasError",
    "CanvasFullError",
    "DataError",
    "Dataset",
    "DownloadError",
    "Evaluation",
    "ModelConfig",
    "ModelFileError",
    "MostlyInkError",
    "NoInkError",
    "NumpyModel",
    "OptimizerConfig",
    "PhotoError",
    "PhotoSizeError",
    "PhotoSteps",
    "PhotoUnreadableError",
    "RunStatus",
    "ScheduleConfig",
    "TrainingRecipe",
    "TrainingRun",
    "as_engine",
    "baseline_recipe",
    "canvas_to_mnist",
    "compare_runs",
    "conv_filters",
    "count_params",
    "download_mnist",
    "empty_history",
    "evaluate",
    "evaluate_digits",
    "feature_maps",
    "from_keras_model",
    "import_tensorflow_in_background",
    "ink_strength",
    "inspect_model_archive",
    "invariance",
    "layer_specs",
    "layer_table",
    "limit_malloc_arenas",
    "load_mnist",
    "load_mnist_file",
    "load_default_model",
    "load_model_file",
    "load_shipped_mlp",
    "misclassified_examples",
    "load_sample",
    "one_hot",
    "photo_steps",
    "photo_to_mnist",
    "predict_digit",
    "predict_probabilities",
    "process_rss_mb",
    "redraw_as_canvas",
    "release_memory",
    "saliency_map",
    "synthetic_photo",
    "to_4d_float",
    "with_running_point",
    *_LAZY,
]
