"""Convolution, pooling and activations in plain numpy, for explaining them step by step.

These match what Keras computes (Conv2D is a cross-correlation: the kernel is not flipped),
so a student can compare a hand computation with the layer.
"""

from __future__ import annotations

import numpy as np

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
    if padding not in ("same", "valid"):
        raise ValueError(f"padding = {padding!r}: expected 'same' or 'valid'.")
    kh, kw = kernel.shape
    if padding == "same":
        # Keras/TensorFlow put the extra row/column of padding at the bottom/right.
        top, left = (kh - 1) // 2, (kw - 1) // 2
        image = np.pad(image, ((top, kh - 1 - top), (left, kw - 1 - left)))
    windows = np.lib.stride_tricks.sliding_window_view(image, (kh, kw))
    return np.einsum("ijkl,kl->ij", windows, kernel).astype(np.float32)


def pool2d(feature_map: np.ndarray, size: int = 2, mode: str = "max") -> np.ndarray:
    """2-D pooling with a `size` x `size` window and stride `size` (rows/columns that do not
    fill a window are dropped, as Keras' "valid" pooling).

    Args:
        mode: "max" (largest value of each window) or "average" (mean).
    """
    feature_map = np.asarray(feature_map, dtype=np.float32)
    if mode not in ("max", "average"):
        raise ValueError(f"mode = {mode!r}: expected 'max' or 'average'.")
    height, width = (feature_map.shape[0] // size) * size, (feature_map.shape[1] // size) * size
    blocks = feature_map[:height, :width].reshape(height // size, size, width // size, size)
    return blocks.max(axis=(1, 3)) if mode == "max" else blocks.mean(axis=(1, 3))


def activate(values: np.ndarray, name: str) -> np.ndarray:
    """Apply "relu", "sigmoid" or "tanh" element-wise."""
    if name not in ACTIVATION_FUNCTIONS:
        raise ValueError(f"activation = {name!r}: expected one of {sorted(ACTIVATION_FUNCTIONS)}.")
    return ACTIVATION_FUNCTIONS[name](np.asarray(values, dtype=np.float32)).astype(np.float32)
