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

`import cnn` is light: each name below is imported when first used, and those that need
TensorFlow (building or training a Keras model) import it then.

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

# Every public name and the module it lives in, imported when first used: `import cnn` itself
# loads nothing else (so `classroom`, which only needs `cnn.errors`, stays light). The
# names from `cnn.training.model`, `cnn.training.loop` and `cnn.training.hardware` import
# TensorFlow when first used.
_EXPORTS = {
    "ModelConfig": "cnn.config",
    "DataError": "cnn.data",
    "Dataset": "cnn.data",
    "DownloadError": "cnn.data",
    "download_mnist": "cnn.data",
    "load_mnist": "cnn.data",
    "load_mnist_file": "cnn.data",
    "load_sample": "cnn.data",
    "one_hot": "cnn.data",
    "to_4d_float": "cnn.data",
    "BlankCanvasError": "cnn.images.drawing",
    "CanvasError": "cnn.images.drawing",
    "CanvasFullError": "cnn.images.drawing",
    "canvas_to_mnist": "cnn.images.drawing",
    "ink_strength": "cnn.images.drawing",
    "redraw_as_canvas": "cnn.images.drawing",
    "PhotoError": "cnn.images.photo",
    "photo_to_mnist": "cnn.images.photo",
    "NumpyModel": "cnn.inference.engine",
    "Evaluation": "cnn.inference.evaluation",
    "evaluate": "cnn.inference.evaluation",
    "evaluate_digits": "cnn.inference.evaluation",
    "misclassified_examples": "cnn.inference.evaluation",
    "predict_probabilities": "cnn.inference.evaluation",
    "as_numpy_model": "cnn.inference.inspection",
    "conv_filters": "cnn.inference.inspection",
    "feature_maps": "cnn.inference.inspection",
    "predict_digit": "cnn.inference.inspection",
    "saliency_map": "cnn.inference.inspection",
    "from_keras_model": "cnn.inference.keras_config",
    "ModelFileError": "cnn.inference.model_io",
    "load_default_model": "cnn.inference.model_io",
    "load_model_file": "cnn.inference.model_io",
    "load_shipped_mlp": "cnn.inference.model_io",
    "load_course_model": "cnn.inference.model_io",
    "count_params": "cnn.layer_table",
    "layer_specs": "cnn.layer_table",
    "layer_table": "cnn.layer_table",
    "PRESETS": "cnn.recipe",
    "AugmentConfig": "cnn.recipe",
    "OptimizerConfig": "cnn.recipe",
    "ScheduleConfig": "cnn.recipe",
    "TrainingRecipe": "cnn.recipe",
    "baseline_recipe": "cnn.recipe",
    "RunStatus": "cnn.run",
    "TrainingRun": "cnn.run",
    "compare_runs": "cnn.run",
    "empty_history": "cnn.run",
    "with_running_point": "cnn.run",
    "build_model": "cnn.training.model",
    "build_for": "cnn.training.model",
    "build_mlp": "cnn.training.model",
    "compile_model": "cnn.training.model",
    "cpu_has_native_bf16": "cnn.training.hardware",
    "train": "cnn.training.loop",
    "continue_training": "cnn.training.loop",
    "TrainingProgress": "cnn.training.loop",
    "save_model_bytes": "cnn.training.model",
}
_SUBPACKAGES = ("inference", "images", "training")
# `cnn.layer_table` is both a module and its main function: the function is bound now (a
# light import: the config only), before any `import cnn.layer_table` elsewhere could make
# the package attribute the module.
from cnn.layer_table import layer_table as layer_table  # noqa: E402

_MODULES = ("config", "recipe", "run", "data", "cli", "errors")


def submodules_on_demand(package: str):
    """A package's module `__getattr__` that imports `<package>.<name>` when first asked for,
    so `cnn.images.invariance` works without importing it first (as `cnn.<name>` does)."""

    def getattr_(name: str):
        try:
            return importlib.import_module(f"{package}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{package}.{name}":
                raise
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None

    return getattr_


def __getattr__(name: str):
    if name in _SUBPACKAGES or name in _MODULES:
        return importlib.import_module(f"cnn.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cnn' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS) | set(_SUBPACKAGES) | set(_MODULES))


__all__ = sorted(_EXPORTS)
