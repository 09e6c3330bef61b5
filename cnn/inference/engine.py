"""Inference in plain NumPy: the app's models without TensorFlow.

A trained MNIST network here has at most a few million weights; one prediction is a few
MFLOP. NumPy does it in well under a millisecond, without TensorFlow's ~650 MB and ~5 s
import. `NumpyModel` runs the layers this app builds and accepts (see `SUPPORTED_LAYERS`),
forward (probabilities, every layer's activations) and backward (the saliency map: the
gradient of a class' probability with respect to the input pixels, by hand).

A model comes from a Keras config (the `.keras` archive's `config.json`, or
`model.get_config()` of a model in memory) and its weights, through `from_keras_config`;
`cnn.inference.model_io` reads the archive and `from_keras_model` converts a model trained in this
session. Nothing here imports TensorFlow or Keras.

Example:
    >>> model = cnn.load_default_model()  # doctest: +SKIP
    >>> model.predict(images).argmax(axis=1)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from cnn.config import INPUT_SHAPE, NUM_CLASSES, same_padding
from cnn.data import to_4d_float

SUPPORTED_LAYERS = (
    "InputLayer",
    "Conv2D",
    "MaxPooling2D",
    "AveragePooling2D",
    "Dropout",
    "Flatten",
    "Dense",
    "Activation",
    "BatchNormalization",
)
SUPPORTED_ACTIVATIONS = ("relu", "sigmoid", "tanh", "softmax", "linear")
# Digits per forward pass: a batch's im2col copy of the second convolution stays ~20 MB.
PREDICT_BATCH = 128


class UnsupportedModelError(ValueError):
    """A layer or option the engine does not run. `cnn.inference.model_io` turns it into a
    `ModelFileError` with reason "unsupported".

    Attributes:
        layer: the layer's class name; `option`: the option ("" for the layer itself).
    """

    def __init__(self, layer: str, option: str = "", value=None):
        what = f"a {layer} layer" if not option else f"{layer} with {option}={value!r}"
        super().__init__(
            f"The model uses {what}, which CNN Lab cannot run. Supported layers: "
            f"{', '.join(SUPPORTED_LAYERS[1:])}; activations: {', '.join(SUPPORTED_ACTIVATIONS)}"
            "; convolution and pooling with stride equal to 1 (pooling: its size), "
            "channels_last."
        )
        self.layer = layer
        self.option = option
        self.value = value


class WeightShapeError(ValueError):
    """A weight tensor whose shape does not fit its layer (or a missing one)."""

    def __init__(self, layer: str, expected: tuple, found: tuple | None):
        found_text = "nothing" if found is None else str(tuple(found))
        super().__init__(
            f"Layer {layer!r} needs weights of shape {tuple(expected)}; the file has {found_text}."
        )
        self.layer = layer
        self.expected = tuple(expected)
        self.found = None if found is None else tuple(found)


# --- activations ---------------------------------------------------------------------------


def _activate(name: str, z: np.ndarray) -> np.ndarray:
    """activation(z), computed in `z`'s own memory (z is a fresh array nothing else holds)."""
    if name == "relu":
        return np.maximum(z, 0.0, out=z)
    if name == "sigmoid":
        np.negative(z, out=z)
        np.exp(z, out=z)
        z += 1.0
        return np.reciprocal(z, out=z)
    if name == "tanh":
        return np.tanh(z, out=z)
    if name == "softmax":
        z -= z.max(axis=-1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=-1, keepdims=True)
        return z
    return z  # linear


def _activation_backward(name: str, y: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """d score / d z from d score / d y, for y = activation(z): every derivative here can be
    written with y alone."""
    if name == "relu":
        return grad * (y > 0)  # as TensorFlow's ReluGrad: no gradient where y is 0
    if name == "sigmoid":
        return grad * y * (1.0 - y)
    if name == "tanh":
        return grad * (1.0 - y * y)
    if name == "softmax":
        return y * (grad - (grad * y).sum(axis=-1, keepdims=True))
    return grad


def _windows(padded: np.ndarray, k: int) -> np.ndarray:
    """Every k x k window of a (N, H, W, C) array as a view (N, H-k+1, W-k+1, k, k, C): the
    innermost k*C values of a window row are contiguous, so copying it into rows is fast."""
    n, height, width, channels = padded.shape
    s0, s1, s2, s3 = padded.strides
    return np.lib.stride_tricks.as_strided(
        padded,
        shape=(n, height - k + 1, width - k + 1, k, k, channels),
        strides=(s0, s1, s2, s1, s2, s3),
        writeable=False,
    )


def _check_activation(layer: str, name) -> str:
    if name is None:
        return "linear"
    if name not in SUPPORTED_ACTIVATIONS:
        raise UnsupportedModelError(layer, "activation", name)
    return name


# --- layers ----------------------------------------------------------------------------------
# Each layer: `output_shape(input_shape)` (per image, no batch axis; checks its weights fit),
# `forward(x) -> (y, cache)` and `backward(grad_y, cache) -> grad_x`.


@dataclass
class Layer:
    name: str
    kind: str
    weights: list[np.ndarray] = field(default_factory=list, repr=False)

    def output_shape(self, shape: tuple) -> tuple:
        return shape

    def forward(self, x):
        return x, None

    def backward(self, grad, cache):
        return grad

    def count_params(self) -> int:
        return int(sum(w.size for w in self.weights))


@dataclass
class Conv2D(Layer):
    filters: int = 1
    kernel_size: int = 1
    padding: str = "valid"
    activation: str = "linear"
    use_bias: bool = True

    def output_shape(self, shape):
        height, width, channels = shape
        k = self.kernel_size
        _check_weights(self, [(k, k, channels, self.filters)] + [(self.filters,)] * self.use_bias)
        if self.padding == "valid":
            height, width = height - k + 1, width - k + 1
        if height < 1 or width < 1:
            raise ValueError(f"Layer {self.name!r}: a {k}x{k} kernel does not fit {shape}.")
        return (height, width, self.filters)

    def _padded(self, x):
        if self.padding == "valid":
            return x
        before, after = same_padding(self.kernel_size)
        n, height, width, channels = x.shape
        padded = np.zeros(
            (n, height + before + after, width + before + after, channels), dtype=np.float32
        )
        padded[:, before : before + height, before : before + width] = x
        return padded

    def forward(self, x):
        k = self.kernel_size
        # im2col: every k x k x C window as one row, then one matrix multiply.
        windows = _windows(self._padded(x), k)
        n, height, width = windows.shape[:3]
        z = windows.reshape(n * height * width, -1) @ self.weights[0].reshape(-1, self.filters)
        if self.use_bias:
            z += self.weights[1]
        y = _activate(self.activation, z).reshape(n, height, width, self.filters)
        return y, (x.shape, y)

    def backward(self, grad, cache):
        input_shape, y = cache
        grad = _activation_backward(self.activation, y, grad)
        k = self.kernel_size
        n, height, width, _ = grad.shape
        channels = input_shape[3]
        # Each output's gradient goes back to the k x k x C window it was computed from.
        kernel = self.weights[0].reshape(-1, self.filters)
        window_grads = (grad.reshape(-1, self.filters) @ kernel.T).reshape(
            n, height, width, k, k, channels
        )
        before = same_padding(k)[0] if self.padding == "same" else 0
        padded = np.zeros((n, height + k - 1, width + k - 1, channels), dtype=np.float32)
        for row in range(k):
            for column in range(k):
                padded[:, row : row + height, column : column + width] += window_grads[
                    :, :, :, row, column
                ]
        return padded[:, before : before + input_shape[1], before : before + input_shape[2]]


@dataclass
class Pooling2D(Layer):
    pool_size: int = 2
    mode: str = "max"

    def output_shape(self, shape):
        height, width, channels = shape
        p = self.pool_size
        if height < p or width < p:
            raise ValueError(f"Layer {self.name!r}: {p}x{p} pooling does not fit {shape}.")
        return (height // p, width // p, channels)

    def forward(self, x):
        p = self.pool_size
        height, width = x.shape[1] // p * p, x.shape[2] // p * p  # Keras drops the odd edge
        # One strided slice per place in the window, combined: much faster than reducing
        # over two axes of a reshaped array.
        parts = [x[:, i:height:p, j:width:p] for i in range(p) for j in range(p)]
        if self.mode == "max":
            y = parts[0].copy()
            for part in parts[1:]:
                np.maximum(y, part, out=y)
        else:
            y = np.add.reduce(parts) / np.float32(p * p)
        return y, x

    def backward(self, grad, cache):
        x = cache
        p = self.pool_size
        n, out_h, out_w, channels = grad.shape
        windows = x[:, : out_h * p, : out_w * p].reshape(n, out_h, p, out_w, p, channels)
        if self.mode == "max":
            # To the first largest value of each window, as TensorFlow's MaxPoolGrad.
            flat = windows.transpose(0, 1, 3, 5, 2, 4).reshape(n, out_h, out_w, channels, p * p)
            first = flat.argmax(axis=-1)
            routed = np.zeros_like(flat)
            np.put_along_axis(routed, first[..., None], grad[..., None], axis=-1)
            spread = routed.reshape(n, out_h, out_w, channels, p, p).transpose(0, 1, 4, 2, 5, 3)
        else:
            spread = np.broadcast_to(
                (grad / (p * p))[:, :, None, :, None, :], (n, out_h, p, out_w, p, channels)
            )
        result = np.zeros(x.shape, dtype=np.float32)
        result[:, : out_h * p, : out_w * p] = spread.reshape(n, out_h * p, out_w * p, channels)
        return result


@dataclass
class Flatten(Layer):
    def output_shape(self, shape):
        return (int(np.prod(shape)),)

    def forward(self, x):
        return x.reshape(len(x), -1), x.shape

    def backward(self, grad, cache):
        return grad.reshape(cache)


@dataclass
class Dense(Layer):
    units: int = 1
    activation: str = "linear"
    use_bias: bool = True

    def output_shape(self, shape):
        if len(shape) != 1:
            raise UnsupportedModelError("Dense", "input shape", shape)
        _check_weights(self, [(shape[0], self.units)] + [(self.units,)] * self.use_bias)
        return (self.units,)

    def forward(self, x):
        z = x @ self.weights[0]
        if self.use_bias:
            z += self.weights[1]
        y = _activate(self.activation, z)
        return y, y

    def backward(self, grad, cache):
        y = cache
        return _activation_backward(self.activation, y, grad) @ self.weights[0].T


@dataclass
class Activation(Layer):
    activation: str = "linear"

    def forward(self, x):
        y = _activate(self.activation, x.copy())
        return y, y

    def backward(self, grad, cache):
        return _activation_backward(self.activation, cache, grad)


@dataclass
class BatchNormalization(Layer):
    """Inference mode: the moving mean and variance, folded into one scale and shift."""

    epsilon: float = 1e-3
    center: bool = True
    scale: bool = True
    _factor: np.ndarray | None = field(default=None, repr=False)
    _shift: np.ndarray | None = field(default=None, repr=False)

    def output_shape(self, shape):
        channels = (shape[-1],)
        _check_weights(self, [channels] * (int(self.scale) + int(self.center) + 2))
        weights = list(self.weights)
        gamma = weights.pop(0) if self.scale else np.ones(channels, np.float32)
        beta = weights.pop(0) if self.center else np.zeros(channels, np.float32)
        mean, variance = weights
        self._factor = (gamma / np.sqrt(variance + self.epsilon)).astype(np.float32)
        self._shift = (beta - mean * self._factor).astype(np.float32)
        return shape

    def forward(self, x):
        return x * self._factor + self._shift, None

    def backward(self, grad, cache):
        return grad * self._factor


def _check_weights(layer: Layer, expected: list[tuple]) -> None:
    if len(layer.weights) != len(expected):
        found = tuple(layer.weights[0].shape) if layer.weights else None
        raise WeightShapeError(layer.name, expected[0] if expected else (), found)
    for weight, shape in zip(layer.weights, expected, strict=True):
        if tuple(weight.shape) != tuple(shape):
            raise WeightShapeError(layer.name, shape, weight.shape)


# --- the model -------------------------------------------------------------------------------


class NumpyModel:
    """A stack of layers that predicts, shows its activations and explains its answers.

    Read-only once built (its arrays are not writeable), so one instance can serve every
    session of a Streamlit server at once.

    Attributes:
        name: the model's name from its config ("cnn", "mlp", ...).
        layers: the layers in order (without the input layer).
        input_shape, output_shape: Keras-style, with None for the batch axis.
    """

    def __init__(self, name: str, layers: list[Layer], input_shape: tuple = INPUT_SHAPE):
        self.name = name
        self.layers = layers
        shape = tuple(input_shape)
        self.layer_shapes = []
        for layer in layers:
            if layer.kind in ("Conv2D", "Pooling2D") and len(shape) != 3:
                raise UnsupportedModelError(layer.kind, "input shape", shape)
            shape = layer.output_shape(shape)
            self.layer_shapes.append(shape)
            for weight in layer.weights:
                weight.setflags(write=False)
        self.input_shape = (None, *input_shape)
        self.output_shape = (None, *shape)

    def count_params(self) -> int:
        """Number of weights, as Keras' `count_params()`."""
        return sum(layer.count_params() for layer in self.layers)

    def fingerprint(self) -> str:
        """SHA-256 (hex) of the network's layer kinds and weights: the same trained weights
        give the same fingerprint (the class board keeps one leaderboard entry per weights)."""
        digest = hashlib.sha256()
        for layer in self.layers:
            digest.update(f"{layer.kind}:{len(layer.weights)};".encode())
            for weight in layer.weights:
                array = np.ascontiguousarray(weight, dtype=np.float32)
                digest.update(str(array.shape).encode())
                digest.update(array.tobytes())
        return digest.hexdigest()

    def _inputs(self, images) -> np.ndarray:
        return to_4d_float(images)  # (N, 28, 28, 1) float32 in [0, 1], or a ValueError

    def _forward(self, x: np.ndarray, keep: bool = False):
        outputs, caches = [], []
        for layer in self.layers:
            x, cache = layer.forward(x)
            if keep:
                outputs.append(x)
                caches.append(cache)
        return x, outputs, caches

    def predict(self, images, batch_size: int = PREDICT_BATCH) -> np.ndarray:
        """The model's outputs (N, 10) for (N, 28, 28[, 1]) images or one (28, 28) image.

        Images may be uint8 (0-255) or floats in [0, 1].
        """
        x = self._inputs(images)
        parts = [
            self._forward(x[start : start + batch_size])[0]
            for start in range(0, len(x), batch_size)
        ]
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return np.zeros((0, self.output_shape[-1]), np.float32)
        return np.concatenate(parts)

    # The name `cnn.inference.evaluation` calls, shared with Keras models.
    predict_on_batch = predict

    def layer_outputs(self, image) -> list[tuple[str, np.ndarray]]:
        """Every layer's activations for one image: `(name, array)` without the batch axis."""
        _, outputs, _ = self._forward(self._inputs(image)[:1], keep=True)
        return [(layer.name, output[0]) for layer, output in zip(self.layers, outputs, strict=True)]

    def input_gradient(self, image, output: int | None = None) -> tuple[np.ndarray, int]:
        """d output[`output`] / d pixels for one image, by back-propagation through every
        layer; `output` is the largest one (the predicted digit) when None.

        Returns:
            `(gradient, output)`: a (28, 28) float32 array and the output it explains.
        """
        probabilities, _, caches = self._forward(self._inputs(image)[:1], keep=True)
        if output is None:
            output = int(probabilities[0].argmax())
        if not 0 <= output < probabilities.shape[1]:
            raise ValueError(f"output = {output}: expected 0 to {probabilities.shape[1] - 1}.")
        grad = np.zeros_like(probabilities)
        grad[0, output] = 1.0
        for layer, cache in zip(reversed(self.layers), reversed(caches), strict=True):
            grad = layer.backward(grad, cache)
        return grad.reshape(self.input_shape[1:3]).astype(np.float32), output

    def conv_kernels(self) -> list[tuple[str, np.ndarray]]:
        """`(name, kernel)` per Conv2D layer; kernel shape (k, k, in_channels, filters)."""
        return [(layer.name, layer.weights[0]) for layer in self.layers if layer.kind == "Conv2D"]


def check_mnist_model(model: NumpyModel) -> None:
    """Raise `ValueError` unless the model takes (28, 28, 1) images and outputs 10 values."""
    if tuple(model.input_shape[1:]) != INPUT_SHAPE:
        raise ValueError(f"input shape {model.input_shape[1:]}")
    if tuple(model.output_shape[1:]) != (NUM_CLASSES,):
        raise ValueError(f"output shape {model.output_shape[1:]}")
