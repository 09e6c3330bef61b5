"""Looking inside a model: prediction, feature maps, learned filters, saliency, in NumPy.

Every function takes a `NumpyModel` (the shipped model, an upload) or a Keras model trained
in this session, which is converted to one first (`as_numpy_model`), so the Predict page and the
Architecture page's "inside the model" tab run one code path and never need TensorFlow.
"""

from __future__ import annotations

import numpy as np

from cnn.config import IMAGE_SIZE
from cnn.inference.engine import NumpyModel
from cnn.inference.keras_config import from_keras_model


def as_numpy_model(model) -> NumpyModel:
    """`model` itself when it is a `NumpyModel`; a Keras model converted with a copy of its
    current weights otherwise (convert once and keep the result when calling often)."""
    return model if isinstance(model, NumpyModel) else from_keras_model(model)


def _one_image(image) -> np.ndarray:
    image = np.asarray(image)
    if image.shape not in ((IMAGE_SIZE, IMAGE_SIZE), (IMAGE_SIZE, IMAGE_SIZE, 1)):
        raise ValueError(
            f"Expected one (28, 28) image; got shape {image.shape}. "
            "Use canvas_to_mnist to turn a drawing into one."
        )
    return image.reshape(IMAGE_SIZE, IMAGE_SIZE)


def predict_digit(model, image) -> np.ndarray:
    """The 10 probabilities for one (28, 28) image in [0, 1] (or uint8 0-255).

    Example:
        >>> probabilities = predict_digit(model, canvas_to_mnist(drawing))  # doctest: +SKIP
        >>> int(probabilities.argmax())  # doctest: +SKIP
        7
    """
    return as_numpy_model(model).predict(_one_image(image))[0]


def feature_maps(model, image) -> list[tuple[str, np.ndarray]]:
    """The activations of every layer for one digit.

    Returns:
        `(layer_name, activations)` per layer, in order, without the batch axis:
        (height, width, channels) for conv and pooling layers, (units,) for dense ones.
    """
    return as_numpy_model(model).layer_outputs(_one_image(image))


def conv_filters(model) -> list[tuple[str, np.ndarray]]:
    """The learned kernels of every Conv2D layer.

    Returns:
        `(layer_name, kernel)` per conv layer; kernel shape (k, k, in_channels, filters).
    """
    return as_numpy_model(model).conv_kernels()


def saliency_map(model, image, digit: int | None = None) -> np.ndarray:
    """Which pixels drove the answer: |d probability / d pixel|, scaled to [0, 1].

    The gradient is back-propagated by hand through every layer (`NumpyModel.input_gradient`):
    the same quantity as TensorFlow's `GradientTape` on the Keras model.

    Args:
        model: a model with 10 outputs.
        image: one (28, 28) image.
        digit: the class to explain; the predicted one when None.

    Returns:
        A (28, 28) float32 map.
    """
    gradient, _ = as_numpy_model(model).input_gradient(_one_image(image), digit)
    gradient = np.abs(gradient)
    peak = gradient.max()
    return gradient / peak if peak > 0 else gradient
