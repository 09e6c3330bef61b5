"""Plain-numpy convolution, pooling and activations, checked against Keras' layers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnn.config import conv_output_size, same_padding
from cnn.inference.operations import EXAMPLE_KERNELS, activate, convolution_step, convolve2d, pool2d

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


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_convolution_step_takes_one_output_value_apart(padding, size):
    rng = np.random.default_rng(size)
    image = rng.random((12, 12), dtype=np.float32)
    kernel = rng.standard_normal((size, size)).astype(np.float32)
    feature_map = convolve2d(image, kernel, padding=padding)
    assert feature_map.shape[0] == conv_output_size(12, size, padding)
    for row, column in [(0, 0), (feature_map.shape[0] - 1, 3), (5, feature_map.shape[1] - 1)]:
        step = convolution_step(image, kernel, row, column, padding)
        assert step.window.shape == (size, size)
        np.testing.assert_allclose(step.products, step.window * kernel)
        assert step.value == pytest.approx(float(feature_map[row, column]), abs=1e-5)
        # The window's corner in the image: where the unpadded pixels under it come from.
        top, left = step.top, step.left
        for i in range(size):
            for j in range(size):
                inside = 0 <= top + i < 12 and 0 <= left + j < 12
                expected = image[top + i, left + j] if inside else 0.0
                assert step.window[i, j] == pytest.approx(expected)


def test_convolution_step_refuses_a_place_outside_the_map():
    image = np.zeros((10, 10), np.float32)
    with pytest.raises(ValueError, match=r"outside the 6x6 feature map"):
        convolution_step(image, np.ones((5, 5)), 6, 0, "valid")


def test_same_padding_puts_the_odd_row_at_the_bottom():
    assert same_padding(5) == (2, 2)
    assert same_padding(4) == (1, 2)
    assert same_padding(1) == (0, 0)
