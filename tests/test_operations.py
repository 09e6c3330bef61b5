"""Plain-numpy convolution, pooling and activations, checked against Keras' layers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnn.operations import EXAMPLE_KERNELS, activate, convolve2d, pool2d

RNG = np.random.default_rng(0)
IMAGE = RNG.random((28, 28)).astype(np.float32)


def keras_conv(image: np.ndarray, kernel: np.ndarray, padding: str) -> np.ndarray:
    layer = keras.layers.Conv2D(1, kernel.shape, padding=padding, use_bias=False)
    layer.build((1, *image.shape, 1))
    layer.set_weights([kernel[:, :, None, None].astype(np.float32)])
    return np.asarray(layer(image[None, :, :, None]))[0, :, :, 0]


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_convolve2d_equals_keras_conv2d(padding, size):
    kernel = RNG.normal(size=(size, size)).astype(np.float32)
    ours = convolve2d(IMAGE, kernel, padding)
    expected = keras_conv(IMAGE, kernel, padding)
    assert ours.dtype == np.float32
    assert ours.shape == expected.shape
    assert ours.shape == ((28, 28) if padding == "same" else (29 - size, 29 - size))
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(EXAMPLE_KERNELS))
def test_example_kernels_equal_keras(name):
    kernel = EXAMPLE_KERNELS[name]
    np.testing.assert_allclose(
        convolve2d(IMAGE, kernel), keras_conv(IMAGE, kernel, "same"), rtol=1e-5, atol=1e-6
    )


def test_convolve2d_by_hand():
    image = np.arange(9, dtype=np.float32).reshape(3, 3)
    # Not flipped: a kernel picking the right neighbour shifts the image left.
    kernel = np.zeros((3, 3), np.float32)
    kernel[1, 2] = 1
    np.testing.assert_array_equal(convolve2d(image, kernel), [[1, 2, 0], [4, 5, 0], [7, 8, 0]])
    np.testing.assert_array_equal(convolve2d(image, np.ones((3, 3)), "valid"), [[36]])


def test_vertical_edge_kernel_finds_vertical_edges():
    image = np.zeros((10, 10), np.float32)
    image[:, 5:] = 1.0
    response = convolve2d(image, EXAMPLE_KERNELS["vertical_edge"], "valid")
    assert response[:, 2:4].min() > 0.5  # windows across the edge
    np.testing.assert_allclose(response[:, 0], 0, atol=1e-6)  # all dark
    np.testing.assert_allclose(response[:, -1], 0, atol=1e-6)  # all bright
    assert np.abs(convolve2d(image, EXAMPLE_KERNELS["horizontal_edge"], "valid")).max() < 1e-6


@pytest.mark.parametrize(
    ("image", "kernel", "padding", "match"),
    [
        (np.zeros((3, 3, 1)), np.ones((3, 3)), "same", "2-D"),
        (np.zeros((3, 3)), np.ones(3), "same", "2-D"),
        (np.zeros((3, 3)), np.ones((3, 3)), "full", "padding"),
    ],
)
def test_convolve2d_errors(image, kernel, padding, match):
    with pytest.raises(ValueError, match=match):
        convolve2d(image, kernel, padding)


@pytest.mark.parametrize("shape", [(28, 28), (7, 9)])
@pytest.mark.parametrize("size", [2, 3])
@pytest.mark.parametrize(
    ("mode", "layer"),
    [("max", keras.layers.MaxPooling2D), ("average", keras.layers.AveragePooling2D)],
)
def test_pool2d_equals_keras(shape, size, mode, layer):
    feature_map = RNG.normal(size=shape).astype(np.float32)
    ours = pool2d(feature_map, size, mode)
    expected = np.asarray(layer(pool_size=size)(feature_map[None, :, :, None]))[0, :, :, 0]
    assert ours.shape == expected.shape == (shape[0] // size, shape[1] // size)
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-6)


def test_pool2d_by_hand():
    feature_map = np.array([[1, 2, 5, 0], [3, 4, 1, 1]], np.float32)
    np.testing.assert_array_equal(pool2d(feature_map), [[4, 5]])
    np.testing.assert_array_equal(pool2d(feature_map, mode="average"), [[2.5, 1.75]])


def test_pool2d_rejects_unknown_modes():
    with pytest.raises(ValueError, match="'min'"):
        pool2d(IMAGE, mode="min")


def test_activate_matches_the_formulas():
    values = np.linspace(-6, 6, 101)
    np.testing.assert_allclose(activate(values, "relu"), np.where(values > 0, values, 0))
    np.testing.assert_allclose(activate(values, "sigmoid"), 1 / (1 + np.exp(-values)), rtol=1e-6)
    np.testing.assert_allclose(
        activate(values, "tanh"),
        (np.exp(values) - np.exp(-values)) / (np.exp(values) + np.exp(-values)),
        rtol=1e-5,
        atol=1e-7,
    )
    assert activate(values, "relu").dtype == np.float32
    # And Keras agrees.
    for name in ("relu", "sigmoid", "tanh"):
        expected = np.asarray(keras.activations.get(name)(values.astype(np.float32)))
        np.testing.assert_allclose(activate(values, name), expected, rtol=1e-5, atol=1e-6)


def test_activate_rejects_unknown_names():
    with pytest.raises(ValueError, match="'softmax'"):
        activate(np.zeros(3), "softmax")
