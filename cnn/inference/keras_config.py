"""Keras configs to `NumpyModel`s: the converter between a `.keras` archive's `config.json`
(or `model.get_config()` of a model in memory) and the NumPy engine. Nothing here imports
TensorFlow or Keras; a model in memory brings Keras with it.
"""

from __future__ import annotations

import re

import numpy as np

from cnn.config import INPUT_SHAPE
from cnn.inference.engine import (
    SUPPORTED_LAYERS,
    Activation,
    BatchNormalization,
    Conv2D,
    Dense,
    Flatten,
    Layer,
    NumpyModel,
    Pooling2D,
    UnsupportedModelError,
    _check_activation,
)


def snake_case(class_name: str) -> str:
    """Keras' name for a layer class in a weights file: "MaxPooling2D" -> "max_pooling2d"."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _pair(layer: str, option: str, value) -> int:
    values = [value] * 2 if isinstance(value, int) else list(value or [])
    if len(values) != 2 or values[0] != values[1]:
        raise UnsupportedModelError(layer, option, value)
    return int(values[0])


def _expect(layer: str, config: dict, option: str, allowed: tuple) -> None:
    value = config.get(option, allowed[0])
    if isinstance(value, list):
        value = tuple(value)
    if value not in allowed:
        raise UnsupportedModelError(layer, option, value)


def _build_layer(class_name: str, config: dict, weights: list[np.ndarray]) -> Layer | None:
    name = str(config.get("name", snake_case(class_name)))
    if class_name == "InputLayer":
        return None
    if class_name not in SUPPORTED_LAYERS:
        raise UnsupportedModelError(class_name)
    if class_name in ("Conv2D", "MaxPooling2D", "AveragePooling2D"):
        _expect(class_name, config, "data_format", ("channels_last", None))
    if class_name == "Conv2D":
        _expect(class_name, config, "strides", ((1, 1), 1))
        _expect(class_name, config, "dilation_rate", ((1, 1), 1))
        _expect(class_name, config, "groups", (1,))
        _expect(class_name, config, "padding", ("valid", "same"))
        return Conv2D(
            name,
            "Conv2D",
            weights,
            filters=int(config["filters"]),
            kernel_size=_pair(class_name, "kernel_size", config["kernel_size"]),
            padding=config.get("padding", "valid"),
            activation=_check_activation(class_name, config.get("activation")),
            use_bias=bool(config.get("use_bias", True)),
        )
    if class_name in ("MaxPooling2D", "AveragePooling2D"):
        size = _pair(class_name, "pool_size", config.get("pool_size", 2))
        strides = config.get("strides")
        if strides is not None and _pair(class_name, "strides", strides) != size:
            raise UnsupportedModelError(class_name, "strides", strides)
        _expect(class_name, config, "padding", ("valid",))
        mode = "max" if class_name == "MaxPooling2D" else "average"
        return Pooling2D(name, "Pooling2D", weights, pool_size=size, mode=mode)
    if class_name == "Dense":
        return Dense(
            name,
            "Dense",
            weights,
            units=int(config["units"]),
            activation=_check_activation(class_name, config.get("activation")),
            use_bias=bool(config.get("use_bias", True)),
        )
    if class_name == "Activation":
        activation = _check_activation(class_name, config.get("activation"))
        return Activation(name, "Activation", weights, activation=activation)
    if class_name == "BatchNormalization":
        _expect(class_name, config, "axis", (-1, 3, (-1,), (3,)))
        return BatchNormalization(
            name,
            "BatchNormalization",
            weights,
            epsilon=float(config.get("epsilon", 1e-3)),
            center=bool(config.get("center", True)),
            scale=bool(config.get("scale", True)),
        )
    if class_name == "Flatten":
        return Flatten(name, "Flatten", weights)
    return Layer(name, "Dropout", weights)  # identity when predicting


def _input_shape(model_config: dict, layer_configs: list[dict]) -> tuple:
    for layer in layer_configs:
        config = layer.get("config", {})
        shape = config.get("batch_shape") or config.get("batch_input_shape")
        if shape is None:
            shape = (layer.get("build_config") or {}).get("input_shape")
        if shape is not None:
            return tuple(shape[1:])
    shape = (model_config.get("build_input_shape") or [None, *INPUT_SHAPE])[1:]
    return tuple(shape)


def _sources(node) -> set[str]:
    """The names of the layers whose outputs a Functional layer's inbound nodes read."""
    if isinstance(node, list | tuple):  # tuples in a config from `get_config()` in memory
        return set().union(*map(_sources, node)) if node else set()
    if not isinstance(node, dict):
        return set()
    history = node.get("keras_history")
    found = {str(history[0])} if isinstance(history, list | tuple) and history else set()
    return found.union(*map(_sources, node.values()))


def _check_chain(layer_configs: list[dict]) -> None:
    """A Functional model is accepted when it is a plain chain, each layer fed by the one
    before it."""
    previous = None
    for layer in layer_configs:
        if previous is not None and _sources(layer.get("inbound_nodes")) != {previous}:
            raise UnsupportedModelError("Functional", "layer graph", "not a simple chain")
        previous = layer.get("config", {}).get("name")


def from_keras_config(model_config: dict, weights: dict[str, list[np.ndarray]]) -> NumpyModel:
    """A `NumpyModel` from a Keras model config and its weights.

    Args:
        model_config: `{"class_name": "Sequential" | "Functional", "config": {...}}` as in a
            `.keras` archive's `config.json`.
        weights: each layer's weight arrays, keyed as in the archive's `model.weights.h5`:
            the snake-case class name, numbered per class in layer order ("conv2d",
            "conv2d_1", "dense", ...).

    Raises:
        UnsupportedModelError: a layer or option the engine does not run.
        WeightShapeError: weights missing or of the wrong shape for their layer.
    """
    class_name = model_config.get("class_name")
    if class_name not in ("Sequential", "Functional", "Model"):
        raise UnsupportedModelError(str(class_name))
    config = model_config.get("config", {})
    layer_configs = list(config.get("layers", []))
    if class_name != "Sequential":
        _check_chain(layer_configs)
    counts: dict[str, int] = {}
    layers = []
    for layer_config in layer_configs:
        layer_class = layer_config.get("class_name", "?")
        base = snake_case(layer_class)
        number = counts.get(base, -1) + 1
        counts[base] = number
        key = base if number == 0 else f"{base}_{number}"
        arrays = [np.asarray(array, dtype=np.float32) for array in weights.get(key, [])]
        layer = _build_layer(layer_class, layer_config.get("config", {}), arrays)
        if layer is not None:
            layers.append(layer)
    return NumpyModel(str(config.get("name", "model")), layers, _input_shape(config, layer_configs))


def from_keras_model(model) -> NumpyModel:
    """The same network as a Keras model in memory (e.g. one trained in this session), with
    a copy of its current weights. Keras is not imported here: the model brings it.

    Raises:
        UnsupportedModelError: a layer or option the engine does not run.
    """
    counts: dict[str, int] = {}
    weights = {}
    for layer in model.layers:
        base = snake_case(type(layer).__name__)
        number = counts.get(base, -1) + 1
        counts[base] = number
        weights[base if number == 0 else f"{base}_{number}"] = [
            np.array(w, dtype=np.float32) for w in layer.get_weights()
        ]
    config = {"class_name": type(model).__name__, "config": model.get_config()}
    if config["class_name"] not in ("Sequential", "Functional"):
        config["class_name"] = "Functional"
    return from_keras_config(config, weights)
