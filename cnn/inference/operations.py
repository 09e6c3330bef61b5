"""Convolution, pooling and activations in plain numpy, for explaining them step by step.

These match what Keras computes (Conv2D is a cross-correlation: the kernel is not flipped),
so a student can compare a hand computation with the layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnn.config import PADDINGS, POOLINGS, conv_output_size, same_padding

ACTIVATION_FUNCTIONS = {
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "tanh": np.tanh,
}

EXAMPLE_KERNELS: dict[str, np.ndarray] = {
    # Responds where brightness changes from left to right: vertical edges.
    "vertical_edge": np.array(
        [
            [-1, -1, 0, 1, 1],
            [-2, -2, 0, 2, 2],
            [-3, -3, 0, 3, 3],
            [-2, -2, 0, 2, 2],
            [-1, -1, 0, 1, 1],
        ],
        dtype=np.float32,
    )
    / 12.0,
    "horizontal_edge": np.array(
        [
            [-1, -2, -3, -2, -1],
            [-1, -2, -3, -2, -1],
            [0, 0, 0, 0, 0],
            [1, 2, 3, 2, 1],
            [1, 2, 3, 2, 1],
        ],
        dtype=np.float32,
    )
    / 12.0,
    # Averages the neighbourhood: a blur.
    "blur": np.full((5, 5), 1 / 25, dtype=np.float32),
}


def convolve2d(image: np.ndarray, kernel: np.ndarray, padding: str = "same") -> np.ndarray:
    """Slide `kernel` over a 2-D `image` and sum the products at each place (no bias).

    Args:
        image: (height, width) array.
        kernel: (k, k) array.
        padding: "same" (zero-pad so the output is as large as the input, as Keras) or
            "valid" (only places where the kernel fits).

    Returns:
        The feature map, float32.
    """
    image = np.asarray(image, dtype=np.float32)
    kernel = np.asarray(kernel, dtype=np.float32)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(
            f"convolve2d takes a 2-D image and kernel; got {image.shape} and {kernel.shape}."
        )
    windows = np.lib.stride_tricks.sliding_window_view(
        pad_for(image, kernel, padding), kernel.shape
    )
    return np.einsum("ijkl,kl->ij", windows, kernel).astype(np.float32)


def pad_for(image: np.ndarray, kernel: np.ndarray, padding: str) -> np.ndarray:
    """`image` zero-padded as a convolution with `kernel` and `padding` pads it ("valid":
    not at all)."""
    if padding not in PADDINGS:
        raise ValueError(f"padding = {padding!r}: expected 'same' or 'valid'.")
    if padding == "valid":
        return image
    return np.pad(image, tuple(same_padding(side) for side in np.shape(kernel)))


@dataclass(frozen=True)
class ConvolutionStep:
    """One output value of a convolution, taken apart for a student.

    Attributes:
        window: the (k, k) pixels under the kernel (zeros where it hangs over the edge).
        products: `window * kernel`, element by element.
        value: the sum of the products: the feature map's value at (row, column).
        top, left: where the window's top-left corner lies in the unpadded image (negative
            where "same" padding lets the window hang over the edge).
    """

    window: np.ndarray
    products: np.ndarray
    value: float
    top: int
    left: int


def convolution_step(
    image: np.ndarray, kernel: np.ndarray, row: int, column: int, padding: str = "same"
) -> ConvolutionStep:
    """The window, products and sum behind `convolve2d(image, kernel, padding)[row, column]`.

    Raises:
        ValueError: (row, column) outside the feature map.
    """
    image = np.asarray(image, dtype=np.float32)
    kernel = np.asarray(kernel, dtype=np.float32)
    size = kernel.shape[0]
    out_rows = conv_output_size(image.shape[0], size, padding)
    out_columns = conv_output_size(image.shape[1], kernel.shape[1], padding)
    if not (0 <= row < out_rows and 0 <= column < out_columns):
        raise ValueError(
            f"(row, column) = ({row}, {column}) is outside the {out_rows}x{out_columns} "
            "feature map."
        )
    window = pad_for(image, kernel, padding)[row : row + size, column : column + kernel.shape[1]]
    products = window * kernel
    offset = same_padding(size)[0] if padding == "same" else 0
    return ConvolutionStep(window, products, float(products.sum()), row - offset, column - offset)


def pool2d(feature_map: np.ndarray, size: int = 2, mode: str = "max") -> np.ndarray:
    """2-D pooling with a `size` x `size` window and stride `size` (rows/columns that do not
    fill a window are dropped, as Keras' "valid" pooling).

    Args:
        mode: "max" (largest value of each window) or "average" (mean).
    """
    feature_map = np.asarray(feature_map, dtype=np.float32)
    if mode not in POOLINGS:
        raise ValueError(f"mode = {mode!r}: expected 'max' or 'average'.")
    height, width = (feature_map.shape[0] // size) * size, (feature_map.shape[1] // size) * size
    blocks = feature_map[:height, :width].reshape(height // size, size, width // size, size)
    return blocks.max(axis=(1, 3)) if mode == "max" else blocks.mean(axis=(1, 3))


def activate(values: np.ndarray, name: str) -> np.ndarray:
    """Apply "relu", "sigmoid" or "tanh" element-wise."""
    if name not in ACTIVATION_FUNCTIONS:
        raise ValueError(f"activation = {name!r}: expected one of {sorted(ACTIVATION_FUNCTIONS)}.")
    return ACTIVATION_FUNCTIONS[name](np.asarray(values, dtype=np.float32)).astype(np.float32)
