"""Loading models: the shipped one, and a user's upload, safely and without Keras.

A `.keras` file is a zip holding `config.json` (the architecture) and `model.weights.h5`.
Keras can run code while deserializing a config (a Lambda layer holds Python bytecode; a
custom class imports a module), so the config is read as plain JSON and refused unless every
object in it is a built-in Keras one. It is then never deserialized by Keras at all: the
NumPy engine (`cnn.inference.engine`) builds its own layers from the JSON, and the weights are
read as arrays with h5py. Neither can run code from the file.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from cnn.config import INPUT_SHAPE, NUM_CLASSES
from cnn.inference import model_archive, model_weights
from cnn.inference.engine import (
    SUPPORTED_LAYERS,
    NumpyModel,
    UnsupportedModelError,
    WeightShapeError,
)
from cnn.inference.keras_config import from_keras_config
from cnn.inference.model_archive import MAX_MODEL_BYTES, WEIGHTS_FILE, ModelFileError

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
DEFAULT_MODEL_PATH = MODELS_DIR / "mnist_cnn.keras"
SHIPPED_MLP_PATH = MODELS_DIR / "mnist_mlp.keras"
COURSE_MODEL_PATH = MODELS_DIR / "mnist_cnn_course.keras"

# Modules of objects a plain Keras model config holds.
_SAFE_MODULES = {
    "keras",
    "keras.layers",
    "keras.models",
    "keras.initializers",
    "keras.regularizers",
    "keras.constraints",
    "keras.optimizers",
    "keras.optimizers.schedules",
    "keras.losses",
    "keras.metrics",
    "keras.activations",
    "keras.src.models.functional",
    "keras.src.models.sequential",
    "keras.src.engine.functional",
    "keras.src.engine.sequential",
}
# Built-in layers that still run arbitrary code or load other files.
_UNSAFE_LAYERS = {"Lambda", "TFSMLayer", "JaxLayer", "FlaxLayer", "TorchModuleWrapper"}


def _read_bytes(path_or_bytes) -> tuple[bytes, str]:
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        return bytes(path_or_bytes), "the uploaded file"
    if hasattr(path_or_bytes, "read"):  # a file object, e.g. Streamlit's UploadedFile
        name = getattr(path_or_bytes, "name", "the uploaded file")
        if not str(name).lower().endswith(".keras"):
            raise _wrong_format(name)
        return path_or_bytes.read(MAX_MODEL_BYTES + 1), str(name)  # bounded: never more
    path = Path(path_or_bytes)
    if path.suffix.lower() != ".keras":
        raise _wrong_format(path.name)
    if not path.is_file():
        raise ModelFileError(f"Model file {path} does not exist.", "missing", name=str(path))
    if path.stat().st_size > MAX_MODEL_BYTES:
        raise _too_large(path.stat().st_size)
    return path.read_bytes(), str(path)


def _wrong_format(name, *, hdf5: bool = False) -> ModelFileError:
    if hdf5 or str(name).lower().endswith((".h5", ".hdf5")):
        return ModelFileError(
            f"{name} is a legacy HDF5 (.h5) model, which is not accepted. Save your model "
            "with model.save('model.keras') and upload that.",
            "hdf5",
            name=str(name),
        )
    return ModelFileError(
        f"{name} is not a .keras model file. Save your model with model.save('model.keras').",
        "wrong_format",
        name=str(name),
    )


def _too_large(size: int) -> ModelFileError:
    return ModelFileError(
        f"The model file is {size / 1e6:.1f} MB; the limit is {MAX_MODEL_BYTES / 1e6:.0f} MB. "
        "An MNIST model needs far less: check you saved the right model.",
        "too_large",
        size=f"{size / 1e6:.1f}",
        limit=f"{MAX_MODEL_BYTES / 1e6:.0f}",
    )


def _check_config_objects(node, where: str = "config") -> None:
    """Refuse anything in a model config that is not a built-in, code-free Keras object."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            _check_config_objects(item, f"{where}[{index}]")
        return
    if not isinstance(node, dict):
        return
    class_name = node.get("class_name")
    if isinstance(class_name, str):
        module = node.get("module")
        registered = node.get("registered_name")
        if class_name in _UNSAFE_LAYERS:
            raise ModelFileError(
                f"The model contains a {class_name} layer ({where}), which can run arbitrary "
                "code, so it is refused. Rebuild the model from standard layers only.",
                "unsafe_layer",
                layer=class_name,
            )
        if class_name in ("function", "__lambda__") or module in ("builtins", "__main__"):
            raise ModelFileError(
                f"The model contains Python code ({where}: {class_name}), so it is refused. "
                "Use only standard Keras layers and built-in activations.",
                "python_code",
            )
        if module is not None and module not in _SAFE_MODULES:
            raise ModelFileError(
                f"The model uses {class_name} from {module!r} ({where}), which is not a "
                "built-in Keras class, so it is refused. Use only standard Keras layers.",
                "custom_class",
                layer=class_name,
            )
        if registered not in (None, class_name):
            raise ModelFileError(
                f"The model uses a custom class {registered!r} ({where}), which "
                "is refused. Use only standard Keras layers.",
                "custom_class",
                layer=str(registered),
            )
        if module == "keras.layers" and class_name not in SUPPORTED_LAYERS:
            raise _unsupported(UnsupportedModelError(class_name))
    for key, value in node.items():
        _check_config_objects(value, f"{where}.{key}")


def _unsupported(error: UnsupportedModelError) -> ModelFileError:
    option = f" {error.option}={error.value!r}" if error.option else ""
    return ModelFileError(
        str(error),
        "unsupported",
        layer=f"{error.layer}{option}",
        supported=", ".join(SUPPORTED_LAYERS[1:]),
    )


def _check_archive_bytes(data: bytes) -> None:
    if len(data) > MAX_MODEL_BYTES:
        raise _too_large(len(data))
    if data[:8] == b"\x89HDF\r\n\x1a\n":
        raise _wrong_format("This file", hdf5=True)
    if data[:4] not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise ModelFileError(
            "This is not a .keras model: a .keras file is a zip archive, and this one is not. "
            "Save your model with model.save('model.keras').",
            "not_zip",
        )


def _config_of(members: dict) -> dict:
    config = model_archive.parse_config(members[model_archive.CONFIG_FILE])
    _check_config_objects(config)
    return config


def inspect_model_archive(data: bytes) -> dict:
    """Check a `.keras` archive without deserializing anything; return its config as JSON.

    The archive is read as untrusted data (`cnn.inference.model_archive`): sizes counted while
    inflating, names, zip features and the JSON's depth checked.

    Raises:
        ModelFileError: not a zip, not a Keras archive, too large, or holding code or
            classes that are not built-in Keras ones.
    """
    _check_archive_bytes(data)
    return _config_of(model_archive.read_archive(data))


def check_mnist_shapes(model) -> None:
    """Refuse a model that does not take (28, 28, 1) images or does not output 10 classes."""
    input_shape = tuple(model.input_shape)[1:]
    output_shape = tuple(model.output_shape)[1:]
    if input_shape != INPUT_SHAPE:
        raise ModelFileError(
            f"The model takes input of shape {input_shape}; an MNIST model must take "
            f"{INPUT_SHAPE} images.",
            "input_shape",
            shape=str(input_shape),
        )
    if output_shape != (NUM_CLASSES,):
        raise ModelFileError(
            f"The model outputs shape {output_shape}; an MNIST model must output "
            f"{NUM_CLASSES} probabilities, one per digit.",
            "output_shape",
            shape=str(output_shape),
        )


def read_weights(data: bytes) -> dict[str, list[np.ndarray]]:
    """Every layer's weight arrays in a `.keras` archive, keyed as Keras names them there
    ("conv2d", "conv2d_1", "dense", ...), read with h5py from memory: plain arrays, no
    code, nothing outside the file (`cnn.inference.model_weights.read_weights`).

    Raises:
        ModelFileError: no weights file, or one that is refused or damaged.
    """
    _check_archive_bytes(data)
    return model_weights.read_weights(_weights_of(model_archive.read_archive(data)))


def _weights_of(members: dict) -> bytes:
    if WEIGHTS_FILE not in members:
        raise ModelFileError(
            f"The model archive has no {WEIGHTS_FILE}, so it holds no trained weights. "
            "Save the model again with model.save('model.keras').",
            "weights_missing",
        )
    return members[WEIGHTS_FILE]


def _build(config: dict, weights: dict, name: str) -> NumpyModel:
    try:
        model = from_keras_config(config, weights)
    except UnsupportedModelError as error:
        raise _unsupported(error) from error
    except WeightShapeError as error:
        found = "nothing" if error.found is None else str(error.found)
        raise ModelFileError(
            f"{error} The weights do not fit the architecture in {name}: save the model "
            "again with model.save('model.keras').",
            "weights_shape",
            layer=model_archive.shown_name(error.layer),
            expected=str(error.expected),
            found=found,
        ) from error
    except (ValueError, KeyError, TypeError, IndexError, OverflowError) as error:
        raise ModelFileError(
            f"The model archive's config.json cannot be read as a model ({type(error).__name__}).",
            "damaged",
        ) from error
    check_mnist_shapes(model)
    return model


def model_from_archive(data: bytes, name: str = "the model") -> NumpyModel:
    """Check a `.keras` archive and build the NumPy engine's model from it.

    Everything is checked before the weights' data is read: the archive, the config, the
    weights file's structure, and the shapes the config implies (a first build with
    zero-cost placeholder arrays); then the arrays are read and the model built.

    Raises:
        ModelFileError: anything `inspect_model_archive` refuses; a layer or option the
            engine does not run; weights missing, refused, damaged or of the wrong shape;
            not an MNIST model.
    """
    _check_archive_bytes(data)
    members = model_archive.read_archive(data)
    config = _config_of(members)
    weights = model_weights.read_weights(
        _weights_of(members), check_shapes=lambda shapes: _build(config, shapes, name)
    )
    return _build(config, weights, name)


def load_model_file(path_or_bytes) -> NumpyModel:
    """Load a user's `.keras` model safely, without Keras.

    Only the `.keras` zip format; `.h5` and anything else is refused. The config is checked
    as plain JSON (no Lambda, no custom or unknown classes) and read by the NumPy engine,
    which refuses layers it cannot run; the weights are read as arrays. The model must take
    (28, 28, 1) input and output 10 classes.

    Args:
        path_or_bytes: a path, the file's bytes, or a file object with `.name` and `.read()`.

    Returns:
        A `NumpyModel` (`predict`, `layer_outputs`, `input_gradient`, `conv_kernels`).

    Raises:
        ModelFileError: a `ValueError` whose message says what is wrong and what to do.
    """
    data, name = _read_bytes(path_or_bytes)
    return model_from_archive(data, name)


def _load_shipped(path: Path, command: str) -> NumpyModel:
    if not path.is_file():
        raise FileNotFoundError(f"The shipped model {path} is missing. Train one with `{command}`.")
    return model_from_archive(path.read_bytes(), str(path))


@functools.cache
def load_default_model() -> NumpyModel:
    """The shipped CNN (`models/mnist_cnn.keras`: the course's network trained to read every
    hand, preset "robust") as a `NumpyModel`, loaded once per process (read-only arrays: safe
    to share)."""
    return _load_shipped(
        DEFAULT_MODEL_PATH, f"python -m cnn train --preset robust --out {DEFAULT_MODEL_PATH}"
    )


@functools.cache
def load_course_model() -> NumpyModel:
    """The course's own model (`models/mnist_cnn_course.keras`: the handout's network and
    recipe, 99.18 % on MNIST's test set), kept for comparison with the shipped one."""
    return _load_shipped(
        COURSE_MODEL_PATH, f"python -m cnn train --preset course --out {COURSE_MODEL_PATH}"
    )


@functools.cache
def load_shipped_mlp() -> NumpyModel:
    """The shipped MLP baseline (`models/mnist_mlp.keras`: the course's multilayer perceptron,
    trained on the same changed digits as the shipped CNN) as a `NumpyModel`, loaded once per
    process (read-only arrays: safe to share). The invariance lab compares the two."""
    return _load_shipped(
        SHIPPED_MLP_PATH,
        f"python -m cnn train --network mlp --preset robust --out {SHIPPED_MLP_PATH}",
    )
