"""Building the CNN and the MLP baseline in Keras."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import cnn
from cnn.config import ModelConfig
from cnn.recipe import OptimizerConfig
from cnn.training.model import LOSS, build_mlp, build_model, compile_model, make_optimizer


def test_default_model_is_the_seed_cnn():
    model = build_model()
    assert model.count_params() == 242_062
    assert [layer.name for layer in model.layers] == [
        "conv_1",
        "pool_1",
        "conv_2",
        "pool_2",
        "dropout_1",
        "flatten",
        "dense",
        "dropout_2",
        "output",
    ]
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2D",
        "MaxPooling2D",
        "Conv2D",
        "MaxPooling2D",
        "Dropout",
        "Flatten",
        "Dense",
        "Dropout",
        "Dense",
    ]
    conv_1 = model.get_layer("conv_1")
    assert conv_1.filters == 16 and conv_1.kernel_size == (5, 5) and conv_1.padding == "same"
    assert model.get_layer("conv_2").filters == 36
    assert model.get_layer("dropout_1").rate == 0.25
    assert model.get_layer("dropout_2").rate == 0.5
    assert model.get_layer("dense").units == 128
    assert model.get_layer("output").units == 10
    assert tuple(model.input_shape) == (None, 28, 28, 1)
    assert tuple(model.output_shape) == (None, 10)


def test_default_model_is_compiled_as_the_seed():
    model = build_model()
    assert model.loss == LOSS == "categorical_crossentropy"
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)


def test_output_is_a_probability_distribution(sample):
    model = build_model(ModelConfig(filters=(4,), dense_units=8), seed=0)
    probabilities = model.predict(cnn.to_4d_float(sample.x_test[:5]), verbose=0)
    assert probabilities.shape == (5, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert (probabilities >= 0).all()


def test_config_choices_reach_the_layers():
    config = ModelConfig(
        filters=(3, 5, 7),
        kernel_size=3,
        padding="valid",
        pooling="average",
        activation="tanh",
    )
    model = build_model(config, optimizer=OptimizerConfig("rmsprop", 0.01))
    assert model.get_layer("pool_3").__class__.__name__ == "AveragePooling2D"
    assert model.get_layer("conv_3").padding == "valid"
    assert model.get_layer("conv_1").activation.__name__ == "tanh"
    assert model.get_layer("dense").activation.__name__ == "tanh"
    assert model.get_layer("output").activation.__name__ == "softmax"
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)


def test_seed_makes_the_initial_weights_reproducible():
    config = ModelConfig(filters=(4,), dense_units=8)
    first = build_model(config, seed=7).get_weights()
    second = build_model(config, seed=7).get_weights()
    third = build_model(config, seed=8).get_weights()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], third[0])


def test_mixed_precision_computes_in_bf16_and_outputs_float32(sample):
    model = build_model(ModelConfig(filters=(4,), dense_units=8), mixed_precision=True, seed=0)
    conv = model.get_layer("conv_1")
    assert conv.compute_dtype == "bfloat16"
    assert conv.variable_dtype == "float32"
    assert model.get_layer("dense").compute_dtype == "bfloat16"
    output = model.get_layer("output")
    assert output.compute_dtype == "float32"
    assert model.outputs[0].dtype == "float32"
    assert model.get_layer("dense").output.dtype == "bfloat16"
    probabilities = model.predict(cnn.to_4d_float(sample.x_test[:3]), verbose=0)
    assert probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    # Without the flag everything is float32.
    assert build_model(ModelConfig(filters=(4,))).get_layer("conv_1").compute_dtype == "float32"


def test_mlp_structure_and_compile():
    model = build_mlp(seed=0)
    assert [layer.name for layer in model.layers] == ["flatten", "dense", "dropout", "output"]
    assert model.get_layer("dense").units == 1000
    assert model.get_layer("dropout").rate == 0.5
    # Hand computed: 784*1000 + 1000 + 1000*10 + 10.
    assert model.count_params() == 795_010
    assert model.loss == "categorical_crossentropy"
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert tuple(model.input_shape) == (None, 28, 28, 1)
    small = build_mlp(hidden_units=32, dropout=0.1, optimizer=OptimizerConfig("sgd", 0.05))
    assert small.count_params() == 784 * 32 + 32 + 32 * 10 + 10
    assert isinstance(small.optimizer, keras.optimizers.SGD)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"hidden_units": 0}, "hidden_units"),
        ({"hidden_units": True}, "hidden_units"),
        ({"hidden_units": 12.5}, "hidden_units"),
        ({"dropout": 1.0}, "dropout"),
        ({"dropout": -0.5}, "dropout"),
        ({"optimizer": "adagrad"}, "adagrad"),
    ],
)
def test_mlp_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        if "optimizer" in kwargs:
            kwargs = {**kwargs, "optimizer": OptimizerConfig(name=kwargs["optimizer"])}
        build_mlp(**kwargs)


@pytest.mark.parametrize(
    ("name", "kind"),
    [("adam", "Adam"), ("sgd", "SGD"), ("rmsprop", "RMSprop")],
)
def test_make_optimizer(name, kind):
    optimizer = make_optimizer(name, 0.02)
    assert type(optimizer).__name__ == kind
    assert float(optimizer.learning_rate) == pytest.approx(0.02)


def test_adams_beta_2_comes_from_the_recipe():
    assert make_optimizer("adam", 0.02).beta_2 == 0.999  # Keras' default, the course's
    assert make_optimizer("adam", 0.02, beta_2=0.99).beta_2 == 0.99
    model = build_model(ModelConfig(filters=(4,), dense_units=8))
    compile_model(model, OptimizerConfig("adam", 0.02, beta_2=0.99))
    assert model.optimizer.beta_2 == 0.99


def test_make_optimizer_rejects_unknown_names():
    with pytest.raises(ValueError, match="'nadam'"):
        make_optimizer("nadam", 0.01)


def test_compile_model_recompiles():
    model = build_model(ModelConfig(filters=(4,), dense_units=8))
    compile_model(model, OptimizerConfig("sgd", 0.5))
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert model.loss == "categorical_crossentropy"
