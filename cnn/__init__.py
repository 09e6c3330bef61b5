"""CNN Lab: the course's MNIST convolutional network as a tested library.

The package is grouped along the TensorFlow line:

- `cnn.inference`: the NumPy engine, the Keras-config converter, model files, predictions,
  saliency and feature maps, evaluation, the layer operations. Never imports TensorFlow.
- `cnn.images`: drawings and photos into MNIST's 28x28 format, the geometry they share, and the
  invariance lab's transforms. Never imports TensorFlow.
- `cnn.training`: Keras models, the training loop, the hardware choices, the trainings'
  concurrency and the TensorFlow preload: the only place TensorFlow is imported.
- At the top: the configs (`config`, `recipe`), a training's record (`run`), the data
  (`data`), the layer table (`layer_table`), the command line (`cli`) and the one error base
  (`errors`).

`import cnn` is light: the names below that need TensorFlow (building or training a Keras
model) import it when first used.

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
from cnn.images.drawing import (  # noqa: E402
    BlankCanvasError,
    CanvasFullError,
    canvas_to_mnist,
    ink_strength,
    redraw_as_canvas,
)
from cnn.images.photo import PhotoError, photo_to_mnist  # noqa: E402
from cnn.inference.engine import NumpyModel  # noqa: E402
from cnn.inference.evaluation import (  # noqa: E402
    Evaluation,
    evaluate,
    evaluate_digits,
    misclassified_examples,
    predict_probabilities,
)
from cnn.inference.inspection import (  # noqa: E402
    as_engine,
    conv_filters,
    feature_maps,
    predict_digit,
    saliency_map,
)
from cnn.inference.keras_config import from_keras_model  # noqa: E402
from cnn.inference.model_io import (  # noqa: E402
    ModelFileError,
    load_default_model,
    load_model_file,
    load_shipped_mlp,
)
from cnn.layer_table import count_params, layer_specs, layer_table  # noqa: E402
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
    "build_model": "cnn.training.model",
    "build_for": "cnn.training.model",
    "build_mlp": "cnn.training.model",
    "compile_model": "cnn.training.model",
    "cpu_has_native_bf16": "cnn.training.hardware",
    "train": "cnn.training.loop",
    "continue_training": "cnn.training.loop",
    "TrainingProgress": "cnn.training.loop",
    "save_model_bytes": "cnn.inference.model_io",
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
    "NumpyModel",
    "OptimizerConfig",
    "PhotoError",
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
    "ink_strength",
    "layer_specs",
    "layer_table",
    "load_mnist",
    "load_mnist_file",
    "load_default_model",
    "load_model_file",
    "load_shipped_mlp",
    "misclassified_examples",
    "load_sample",
    "one_hot",
    "photo_to_mnist",
    "predict_digit",
    "predict_probabilities",
    "redraw_as_canvas",
    "saliency_map",
    "to_4d_float",
    "with_running_point",
    *_LAZY,
]
