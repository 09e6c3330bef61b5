"""Looking inside a model: fast prediction, feature maps, filters and saliency, from a
`NumpyModel` (the shipped model, an upload) or a Keras model trained in the session."""

from __future__ import annotations

import numpy as np
import pytest

import cnn
from cnn.inference.engine import NumpyModel
from cnn.inference.inspection import as_numpy_model
from cnn.inference.keras_config import from_keras_model
from cnn.layer_table import layer_specs


@pytest.fixture(scope="module")
def keras_model():
    return cnn.build_model(seed=0)


@pytest.fixture(scope="module")
def engine_model(keras_model):
    return from_keras_model(keras_model)


@pytest.fixture(params=["keras", "numpy"])
def model(request, keras_model, engine_model):
    """The same network, as the Keras model or as the engine's."""
    return keras_model if request.param == "keras" else engine_model


@pytest.fixture(scope="module")
def image(sample):
    return sample.x_test[0]


def test_as_numpy_model(keras_model, engine_model):
    assert as_numpy_model(engine_model) is engine_model
    converted = as_numpy_model(keras_model)
    assert isinstance(converted, NumpyModel)
    assert converted.count_params() == keras_model.count_params()


def test_keras_and_numpy_models_give_the_same_results(keras_model, engine_model, sample):
    for digit in sample.x_test[:3]:
        np.testing.assert_array_equal(
            cnn.predict_digit(keras_model, digit), cnn.predict_digit(engine_model, digit)
        )
        for (name, mine), (other, theirs) in zip(
            cnn.feature_maps(engine_model, digit),
            cnn.feature_maps(keras_model, digit),
            strict=True,
        ):
            assert name == other
            np.testing.assert_array_equal(mine, theirs, err_msg=name)
        for which in (None, 3):
            np.testing.assert_array_equal(
                cnn.saliency_map(keras_model, digit, which),
                cnn.saliency_map(engine_model, digit, which),
            )
    for (name, mine), (other, theirs) in zip(
        cnn.conv_filters(engine_model), cnn.conv_filters(keras_model), strict=True
    ):
        assert name == other
        np.testing.assert_array_equal(mine, theirs)


def test_predict_digit_equals_keras_predict(model, keras_model, sample):
    for digit in sample.x_test[:3]:
        expected = keras_model.predict(cnn.to_4d_float(digit), verbose=0)[0]
        probabilities = cnn.predict_digit(model, digit)
        assert probabilities.shape == (10,)
        assert probabilities.dtype == np.float32
        np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6)


def test_predict_digit_accepts_floats_and_a_channel_axis(model, image):
    as_uint8 = cnn.predict_digit(model, image)
    as_float = cnn.predict_digit(model, image / 255.0)
    with_channel = cnn.predict_digit(model, (image / 255.0)[..., None].astype(np.float32))
    np.testing.assert_allclose(as_float, as_uint8, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(with_channel, as_uint8, rtol=1e-5, atol=1e-7)


def test_predict_digit_follows_a_changed_keras_model(image):
    model = cnn.build_model(cnn.ModelConfig(filters=(4,), dense_units=8), seed=0)
    before = cnn.predict_digit(model, image)
    model.set_weights([w * 0.5 for w in model.get_weights()])
    after = cnn.predict_digit(model, image)
    expected = model.predict(cnn.to_4d_float(image), verbose=0)[0]
    np.testing.assert_allclose(after, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(after, before)


@pytest.mark.parametrize("shape", [(28, 27), (1, 28, 28), (784,), (28, 28, 3), (2, 28, 28, 1)])
def test_predict_digit_rejects_other_shapes(model, shape):
    with pytest.raises(ValueError, match=r"one \(28, 28\) image"):
        cnn.predict_digit(model, np.zeros(shape, np.float32))


def test_feature_maps_cover_every_layer(model, image):
    maps = cnn.feature_maps(model, image)
    specs = layer_specs()[1:]  # without the input
    assert [name for name, _ in maps] == [spec.name for spec in specs]
    for (name, values), spec in zip(maps, specs, strict=True):
        assert values.shape == spec.output_shape, name
        assert values.dtype == np.float32
    values = dict(maps)
    assert (values["conv_1"] >= 0).all()  # relu
    # Pooling is the 2x2 maximum of the conv output.
    conv = values["conv_1"]
    np.testing.assert_allclose(
        values["pool_1"], conv.reshape(14, 2, 14, 2, 16).max(axis=(1, 3)), rtol=1e-6
    )
    # The last layer is the prediction.
    np.testing.assert_allclose(values["output"], cnn.predict_digit(model, image), rtol=1e-5)


@pytest.mark.parametrize("kind", ["keras", "numpy"])
def test_feature_maps_for_another_config(image, kind):
    config = cnn.ModelConfig(filters=(3, 5, 7), kernel_size=3, padding="valid", pooling="average")
    model = cnn.build_model(config, seed=0)
    if kind == "numpy":
        model = from_keras_model(model)
    maps = cnn.feature_maps(model, image)
    assert [values.shape for _, values in maps] == [
        spec.output_shape for spec in layer_specs(config)[1:]
    ]


def test_conv_filters(model, keras_model):
    filters = cnn.conv_filters(model)
    assert [name for name, _ in filters] == ["conv_1", "conv_2"]
    assert [kernel.shape for _, kernel in filters] == [(5, 5, 1, 16), (5, 5, 16, 36)]
    np.testing.assert_array_equal(filters[0][1], keras_model.get_layer("conv_1").get_weights()[0])


def test_saliency_map(model, image):
    saliency = cnn.saliency_map(model, image)
    assert saliency.shape == (28, 28)
    assert saliency.dtype == np.float32
    assert saliency.min() >= 0.0
    assert saliency.max() == pytest.approx(1.0)


def test_saliency_follows_the_gradient(model, image):
    """The most salient pixel moves the probability more than the least salient ones."""
    probabilities = cnn.predict_digit(model, image)
    digit = int(probabilities.argmax())
    saliency = cnn.saliency_map(model, image, digit)
    np.testing.assert_array_equal(saliency, cnn.saliency_map(model, image))
    x = image / 255.0

    def change(row: int, col: int, step: float = 0.05) -> float:
        up, down = x.copy(), x.copy()
        up[row, col] += step
        down[row, col] -= step
        return abs(
            float(cnn.predict_digit(model, up)[digit] - cnn.predict_digit(model, down)[digit])
        )

    top = np.unravel_index(saliency.argmax(), saliency.shape)
    bottom = np.unravel_index(np.argsort(saliency, axis=None)[:3], saliency.shape)
    strongest = change(*top)
    assert strongest > 0
    for row, col in zip(*bottom, strict=True):
        assert change(row, col) < strongest


def test_saliency_for_another_digit_differs(model, image):
    digit = int(cnn.predict_digit(model, image).argmax())
    other = (digit + 1) % 10
    assert not np.allclose(
        cnn.saliency_map(model, image, digit), cnn.saliency_map(model, image, other)
    )


def test_the_shipped_model_inside(default_model, sample):
    """The Predict page and the Architecture page's "inside the model" tab on the shipped
    model, a `NumpyModel`."""
    right = 0
    for digit, label in zip(sample.x_test[:20], sample.y_test[:20], strict=True):
        probabilities = cnn.predict_digit(default_model, digit)
        assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)
        right += int(probabilities.argmax()) == label
    assert right >= 19
    maps = cnn.feature_maps(default_model, sample.x_test[0])
    assert [name for name, _ in maps] == [spec.name for spec in layer_specs()[1:]]
    filters = cnn.conv_filters(default_model)
    assert [kernel.shape for _, kernel in filters] == [(5, 5, 1, 16), (5, 5, 16, 36)]
    saliency = cnn.saliency_map(default_model, sample.x_test[0])
    assert saliency.shape == (28, 28) and saliency.max() == pytest.approx(1.0)
