"""The NumPy engine against Keras: the same probabilities, activations and saliency on the
shipped model and on small models of every kind the app builds or accepts, and a clear
refusal of what it does not run."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras_graphs import skip_connection, two_heads

import cnn
from cnn.inference.engine import (
    NumpyModel,
    UnsupportedModelError,
    WeightShapeError,
)
from cnn.inference.keras_config import from_keras_config, from_keras_model
from cnn.inference.model_io import DEFAULT_MODEL_PATH, load_model_file

PROBABILITY_ATOL = 1e-5
FEATURE_ATOL = 1e-4
GRADIENT_RTOL = 1e-4  # of the gradient's largest magnitude
FEATURE_DIGITS = (0, 1, 2)
SALIENCY_DIGITS = 5  # how many digits
# Where the top probability is 1 - 1e-6, float32 keeps only a few bits of 1 - p, which the
# gradient of p is proportional to: TensorFlow's gradient itself is then ~10% off the exact
# one, and no two float32 implementations agree to 1e-4. The saliency comparison uses digits
# the model is less sure of.
UNSATURATED = 0.999
SEED = 3


# ---------------------------------------------------------------- the models compared


def _cnn(**config):
    return lambda: cnn.build_model(cnn.ModelConfig(**config), seed=SEED)


def _with_batch_norm():
    """BatchNormalization (after a bias-free conv, and a plain one with neither centre nor
    scale) and separate Activation layers, with moving statistics far from 0 and 1."""
    keras.utils.set_random_seed(SEED)
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(6, 3, use_bias=False, name="conv"),
            layers.BatchNormalization(name="bn_conv"),
            layers.Activation("relu", name="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(16),
            layers.BatchNormalization(center=False, scale=False, epsilon=0.01, name="bn_dense"),
            layers.Activation("tanh"),
            layers.Dropout(0.3),
            layers.Dense(10),
            layers.Activation("softmax"),
        ],
        name="batch_norm",
    )
    rng = np.random.default_rng(SEED)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            shapes = [w.shape for w in layer.get_weights()]
            stats = [rng.normal(0.3, 0.5, shapes[-2]), rng.uniform(0.2, 3.0, shapes[-1])]
            affine = [
                rng.uniform(0.5, 1.5, s) if i == 0 else rng.normal(0, 0.5, s)
                for i, s in enumerate(shapes[:-2])
            ]
            layer.set_weights(affine + stats)
    return model


def _functional_chain():
    keras.utils.set_random_seed(SEED)
    layers = keras.layers
    inputs = keras.Input(shape=(28, 28, 1), name="pixels")
    x = layers.Conv2D(5, 4, padding="same", activation="relu")(inputs)
    x = layers.AveragePooling2D(2)(x)
    x = layers.Conv2D(7, 3, activation="sigmoid")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(12, activation="tanh")(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="chain")


def _shipped():
    if not DEFAULT_MODEL_PATH.is_file():
        pytest.skip(f"The shipped model {DEFAULT_MODEL_PATH} is missing.")
    return keras.saving.load_model(DEFAULT_MODEL_PATH, compile=False)


MODELS = {
    "shipped": _shipped,
    "1block-k3-valid-max-relu": _cnn(filters=(4,), kernel_size=3, padding="valid"),
    "1block-k1-same-average-sigmoid": _cnn(
        filters=(3,), kernel_size=1, pooling="average", activation="sigmoid"
    ),
    "2blocks-k4-same-max-tanh": _cnn(filters=(4, 6), kernel_size=4, activation="tanh"),
    "2blocks-k4-valid-average-relu": _cnn(
        filters=(4, 6), kernel_size=4, padding="valid", pooling="average"
    ),
    "2blocks-k5-same-max-relu": _cnn(filters=(4, 8), dense_units=16),
    "3blocks-k3-valid-max-sigmoid": _cnn(
        filters=(3, 4, 5), kernel_size=3, padding="valid", activation="sigmoid"
    ),
    "3blocks-k5-same-average-tanh": _cnn(
        filters=(3, 4, 5), kernel_size=5, pooling="average", activation="tanh"
    ),
    "mlp": lambda: cnn.build_mlp(32, seed=SEED),
    "batch-norm-and-activation-layers": _with_batch_norm,
    "functional-chain": _functional_chain,
}


class Case:
    """A Keras model, its predictions on the 1,000 test digits, and its engine twins. Keras'
    reference layer outputs and gradients are computed once per model and digit (the module
    fixture keeps them), whichever engine twin and test asks."""

    def __init__(self, keras_model, digits: np.ndarray, tmp_path):
        self.keras = keras_model
        self.x = cnn.to_4d_float(digits)
        self.probabilities = keras_model.predict(self.x, batch_size=250, verbose=0)
        self.converted = from_keras_model(keras_model)
        path = tmp_path / "model.keras"
        keras_model.save(path)
        self.saved = load_model_file(path)
        self._outputs: dict[int, list] = {}
        self._gradients: dict[tuple[int, int], np.ndarray] = {}

    def layer_outputs(self, index: int, image: np.ndarray) -> list[tuple[str, np.ndarray]]:
        if index not in self._outputs:
            self._outputs[index] = keras_layer_outputs(self.keras, image)
        return self._outputs[index]

    def gradient(self, index: int, image: np.ndarray, digit: int) -> np.ndarray:
        if (index, digit) not in self._gradients:
            self._gradients[index, digit] = keras_gradient(self.keras, image, digit)
        return self._gradients[index, digit]


@pytest.fixture(scope="module", params=list(MODELS), ids=list(MODELS))
def case(request, sample, tmp_path_factory):
    keras_model = MODELS[request.param]()
    result = Case(keras_model, sample.x_test, tmp_path_factory.mktemp(request.param))
    if request.param == "shipped":
        result.saved = cnn.load_default_model()  # what the `default_model` fixture gives
    return result


@pytest.fixture(params=["converted", "saved"])
def engine(request, case) -> NumpyModel:
    """The engine's model: converted in memory (`from_keras_model`), or saved with
    `model.save` and read back with `load_model_file` (for the shipped model: the app's)."""
    return getattr(case, request.param)


def keras_gradient(model, image: np.ndarray, digit: int) -> np.ndarray:
    x = tf.constant(cnn.to_4d_float(image))
    with tf.GradientTape() as tape:
        tape.watch(x)
        probability = model(x, training=False)[0, digit]
    return tape.gradient(probability, x).numpy()[0, ..., 0]


def keras_layer_outputs(model, image: np.ndarray) -> list[tuple[str, np.ndarray]]:
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    extractor = keras.Model(model.inputs, [layer.output for layer in layers])
    outputs = extractor([cnn.to_4d_float(image)], training=False)
    return [(layer.name, np.asarray(out)[0]) for layer, out in zip(layers, outputs, strict=True)]


# ---------------------------------------------------------------- same answers as Keras


def test_probabilities_match_keras_on_the_test_digits(case, engine, sample):
    probabilities = engine.predict(sample.x_test)
    assert probabilities.shape == (1000, 10) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities, case.probabilities, rtol=0, atol=PROBABILITY_ATOL)
    np.testing.assert_array_equal(probabilities.argmax(axis=1), case.probabilities.argmax(axis=1))
    np.testing.assert_array_equal(engine.predict_on_batch(case.x), probabilities)


def test_shapes_and_parameter_count_match_keras(case, engine):
    assert engine.count_params() == case.keras.count_params()
    assert tuple(engine.input_shape) == tuple(case.keras.input_shape) == (None, 28, 28, 1)
    assert tuple(engine.output_shape) == tuple(case.keras.output_shape) == (None, 10)
    kernels = [
        (layer.name, layer.get_weights()[0])
        for layer in case.keras.layers
        if isinstance(layer, keras.layers.Conv2D)
    ]
    assert [name for name, _ in engine.conv_kernels()] == [name for name, _ in kernels]
    for (_, mine), (_, theirs) in zip(engine.conv_kernels(), kernels, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_every_layer_output_matches_keras(case, engine, sample):
    for index in FEATURE_DIGITS:
        image = sample.x_test[index]
        expected = case.layer_outputs(index, image)
        found = engine.layer_outputs(image)
        assert [name for name, _ in found] == [name for name, _ in expected]
        for (name, mine), (_, theirs) in zip(found, expected, strict=True):
            assert mine.shape == theirs.shape, name
            np.testing.assert_allclose(mine, theirs, rtol=0, atol=FEATURE_ATOL, err_msg=name)


def saliency_digits(case) -> np.ndarray:
    """The first test digits whose top probability (Keras') is below `UNSATURATED`."""
    indices = np.flatnonzero(case.probabilities.max(axis=1) < UNSATURATED)[:SALIENCY_DIGITS]
    assert len(indices) == SALIENCY_DIGITS
    return indices


def test_input_gradient_matches_gradient_tape(case, engine, sample):
    for index in saliency_digits(case):
        image = sample.x_test[index]
        gradient, digit = engine.input_gradient(image)
        assert digit == int(case.probabilities[index].argmax())
        expected = case.gradient(index, image, digit)
        assert gradient.shape == (28, 28) and gradient.dtype == np.float32
        peak = np.abs(expected).max()
        assert peak > 0
        assert np.abs(gradient - expected).max() <= GRADIENT_RTOL * peak, index
        # The saliency map is |gradient| scaled to a maximum of 1.
        saliency = cnn.saliency_map(engine, image)
        np.testing.assert_array_equal(saliency, np.abs(gradient) / np.abs(gradient).max())
        np.testing.assert_allclose(saliency, np.abs(expected) / peak, rtol=0, atol=3e-4)


def test_input_gradient_for_another_class_matches_gradient_tape(case, sample):
    index = saliency_digits(case)[0]
    image = sample.x_test[index]
    other = (int(case.probabilities[index].argmax()) + 3) % 10
    gradient, explained = case.converted.input_gradient(image, other)
    assert explained == other
    expected = case.gradient(index, image, other)
    assert np.abs(gradient - expected).max() <= GRADIENT_RTOL * np.abs(expected).max()


# ---------------------------------------------------------------- a model trained further


@pytest.mark.parametrize("change", ["train-one-step", "set-weights"])
def test_converting_again_picks_up_new_weights(change, sample):
    model = cnn.build_model(cnn.ModelConfig(filters=(4,), dense_units=8), seed=SEED)
    x = cnn.to_4d_float(sample.x_test[:200])
    before_keras = model.predict(x, verbose=0)
    before = from_keras_model(model)
    if change == "train-one-step":
        labels = keras.utils.to_categorical(sample.y_test[:64], 10)
        model.optimizer.learning_rate.assign(0.05)
        model.train_on_batch(cnn.to_4d_float(sample.x_test[:64]), labels)
    else:
        model.set_weights([w * 0.5 + 0.01 for w in model.get_weights()])
    after_keras = model.predict(x, verbose=0)
    after = from_keras_model(model)
    assert np.abs(after_keras - before_keras).max() > 1e-3  # the change is visible
    np.testing.assert_allclose(after.predict(x), after_keras, rtol=0, atol=PROBABILITY_ATOL)
    # The first conversion kept a copy of the old weights, read-only.
    np.testing.assert_allclose(before.predict(x), before_keras, rtol=0, atol=PROBABILITY_ATOL)
    assert all(not w.flags.writeable for layer in before.layers for w in layer.weights)
    # And the inspection functions follow the Keras model as it is now.
    np.testing.assert_allclose(
        cnn.predict_digit(model, sample.x_test[0]), after_keras[0], rtol=0, atol=PROBABILITY_ATOL
    )


# ---------------------------------------------------------------- the engine on its own


def test_predict_takes_one_image_floats_and_any_batch_size(sample):
    model = from_keras_model(MODELS["2blocks-k5-same-max-relu"]())
    digits = sample.x_test[:300]
    whole = model.predict(digits)
    np.testing.assert_allclose(model.predict(digits, batch_size=7), whole, rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.predict(digits[5]), whole[5:6], rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.predict(digits / 255.0), whole, rtol=0, atol=1e-6)
    assert model.predict(digits[:0]).shape == (0, 10)
    with pytest.raises(ValueError, match=r"output = 10"):
        model.input_gradient(digits[0], 10)
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        model.predict(np.zeros((2, 27, 28)))


def test_the_weights_are_read_only_and_copied(sample):
    keras_model = MODELS["1block-k3-valid-max-relu"]()
    model = from_keras_model(keras_model)
    kernel = model.layers[0].weights[0]
    assert not kernel.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        kernel[0, 0, 0, 0] = 1.0
    assert not np.shares_memory(kernel, keras_model.layers[0].kernel.numpy())


def test_wrong_weight_shapes_are_refused_naming_the_layer():
    keras_model = MODELS["2blocks-k5-same-max-relu"]()
    config = {"class_name": "Sequential", "config": keras_model.get_config()}
    weights = {
        "conv2d": [np.zeros((5, 5, 1, 4)), np.zeros(4)],
        "conv2d_1": [np.zeros((3, 3, 4, 8)), np.zeros(8)],  # 3x3 where the config says 5x5
        "dense": [np.zeros((392, 16)), np.zeros(16)],
        "dense_1": [np.zeros((16, 10)), np.zeros(10)],
    }
    with pytest.raises(
        WeightShapeError, match=r"'conv_2'.*\(5, 5, 4, 8\).*\(3, 3, 4, 8\)"
    ) as error:
        from_keras_config(config, weights)
    assert error.value.layer == "conv_2"
    del weights["dense_1"]
    with pytest.raises(WeightShapeError, match="'output'.*nothing") as error:
        weights["conv2d_1"] = [np.zeros((5, 5, 4, 8)), np.zeros(8)]
        from_keras_config(config, weights)
    assert error.value.found is None


# ---------------------------------------------------------------- refused, by name


def _sequential(*layers, input_shape=(28, 28, 1)):
    return keras.Sequential([keras.Input(shape=input_shape), *layers])


L = keras.layers
UNSUPPORTED = {
    "conv-strides-2": (
        lambda: _sequential(L.Conv2D(4, 3, strides=2), L.Flatten(), L.Dense(10)),
        ("Conv2D", "strides", "strides"),
    ),
    "conv-dilation-2": (
        lambda: _sequential(L.Conv2D(4, 3, dilation_rate=2), L.Flatten(), L.Dense(10)),
        ("Conv2D", "dilation_rate", "dilation_rate"),
    ),
    "conv-groups-2": (
        lambda: _sequential(L.Conv2D(2, 3), L.Conv2D(4, 3, groups=2), L.Flatten(), L.Dense(10)),
        ("Conv2D", "groups", "groups"),
    ),
    "conv-rectangular-kernel": (
        lambda: _sequential(L.Conv2D(4, (3, 5)), L.Flatten(), L.Dense(10)),
        ("Conv2D", "kernel_size", "kernel_size"),
    ),
    "conv-gelu": (
        lambda: _sequential(L.Conv2D(4, 3, activation="gelu"), L.Flatten(), L.Dense(10)),
        ("Conv2D", "activation", "gelu"),
    ),
    "dense-elu": (
        lambda: _sequential(L.Flatten(), L.Dense(8, activation="elu"), L.Dense(10)),
        ("Dense", "activation", "elu"),
    ),
    "activation-layer-silu": (
        lambda: _sequential(L.Flatten(), L.Dense(10), L.Activation("silu")),
        ("Activation", "activation", "silu"),
    ),
    "pool-stride-1": (
        lambda: _sequential(L.MaxPooling2D(2, strides=1), L.Flatten(), L.Dense(10)),
        ("MaxPooling2D", "strides", "strides"),
    ),
    "pool-same-padding": (
        lambda: _sequential(L.AveragePooling2D(3, padding="same"), L.Flatten(), L.Dense(10)),
        ("AveragePooling2D", "padding", "padding"),
    ),
    "global-average-pooling": (
        lambda: _sequential(L.Conv2D(4, 3), L.GlobalAveragePooling2D(), L.Dense(10)),
        ("GlobalAveragePooling2D", "", "GlobalAveragePooling2D layer"),
    ),
    "conv1d": (
        lambda: _sequential(L.Conv1D(4, 3), L.Flatten(), L.Dense(10), input_shape=(28, 28)),
        ("Conv1D", "", "Conv1D layer"),
    ),
    "lstm": (
        lambda: _sequential(L.LSTM(8), L.Dense(10), input_shape=(28, 28)),
        ("LSTM", "", "LSTM layer"),
    ),
    "skip-connection": (skip_connection, ("Functional", "layer graph", "not a simple chain")),
    "two-heads": (two_heads, ("Functional", "layer graph", "not a simple chain")),
}


@pytest.mark.parametrize(("build", "expected"), list(UNSUPPORTED.values()), ids=list(UNSUPPORTED))
def test_unsupported_models_are_refused_by_name(build, expected):
    layer, option, text = expected
    with pytest.raises(UnsupportedModelError, match="cannot run") as error:
        from_keras_model(build())
    assert (error.value.layer, error.value.option) == (layer, option)
    assert layer in str(error.value) and text in str(error.value)
    assert isinstance(error.value, ValueError)


@pytest.mark.slow
def test_the_fingerprint_follows_the_weights(sample, tmp_path):
    """The same weights give the same fingerprint (converted or saved and loaded); a changed
    weight or another network gives another."""
    keras_model = _cnn(filters=(4,), kernel_size=3)()
    converted = from_keras_model(keras_model)
    path = tmp_path / "m.keras"
    keras_model.save(path)
    assert converted.fingerprint() == load_model_file(path).fingerprint()
    assert len(converted.fingerprint()) == 64
    weights = keras_model.get_weights()
    weights[0] = weights[0] + 1e-3
    keras_model.set_weights(weights)
    assert from_keras_model(keras_model).fingerprint() != converted.fingerprint()
    assert _cnn(filters=(5,), kernel_size=3)().count_params() != keras_model.count_params()
