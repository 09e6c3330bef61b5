"""ModelConfig and the training presets: the seed's defaults and validation of every field."""

from __future__ import annotations

import pytest

import cnn
from cnn.config import ModelConfig
from cnn.recipe import PRESETS, OptimizerConfig, TrainingRecipe


def test_defaults_are_the_seed_model():
    config = ModelConfig()
    assert config.filters == (16, 36)
    assert config.num_blocks == 2
    assert config.kernel_size == 5
    assert config.padding == "same"
    assert config.pooling == "max"
    assert config.activation == "relu"
    assert config.conv_dropout == 0.25
    assert config.dense_dropout == 0.5
    assert config.dense_units == 128
    recipe = TrainingRecipe()
    assert recipe.optimizer.name == "adam"
    assert recipe.optimizer.learning_rate == 0.001
    assert recipe.mixed_precision is False


@pytest.mark.parametrize(
    ("owner", "field", "value", "named"),
    [
        (ModelConfig, "filters", (), "filters"),
        (ModelConfig, "filters", (8, 8, 8, 8), "filters"),
        (ModelConfig, "filters", "16", "filters"),
        (ModelConfig, "filters", (0,), "filters[0]"),
        (ModelConfig, "filters", (16, 300), "filters[1]"),
        (ModelConfig, "filters", (16, 2.5), "filters[1]"),
        (ModelConfig, "filters", (True,), "filters[0]"),
        (ModelConfig, "kernel_size", 0, "kernel_size"),
        (ModelConfig, "kernel_size", 10, "kernel_size"),
        (ModelConfig, "kernel_size", 3.0, "kernel_size"),
        (ModelConfig, "kernel_size", True, "kernel_size"),
        (ModelConfig, "padding", "full", "padding"),
        (ModelConfig, "pooling", "min", "pooling"),
        (ModelConfig, "activation", "softmax", "activation"),
        (ModelConfig, "conv_dropout", 1.0, "conv_dropout"),
        (ModelConfig, "conv_dropout", -0.1, "conv_dropout"),
        (ModelConfig, "conv_dropout", "0.25", "conv_dropout"),
        (ModelConfig, "dense_units", 0, "dense_units"),
        (ModelConfig, "dense_units", 4096, "dense_units"),
        (ModelConfig, "dense_dropout", 1, "dense_dropout"),
        (ModelConfig, "dense_dropout", True, "dense_dropout"),
        (OptimizerConfig, "name", "adagrad", "name"),
        (OptimizerConfig, "learning_rate", 0, "learning_rate"),
        (OptimizerConfig, "learning_rate", 2.0, "learning_rate"),
        (OptimizerConfig, "learning_rate", "0.001", "learning_rate"),
        (TrainingRecipe, "mixed_precision", "yes", "mixed_precision"),
        (TrainingRecipe, "mixed_precision", 1, "mixed_precision"),
    ],
)
def test_invalid_field_raises_value_error_naming_field_and_value(owner, field, value, named):
    with pytest.raises(ValueError) as error:
        owner(**{field: value})
    message = str(error.value)
    assert f"{owner.__name__}.{named} =" in message
    shown = value[int(named[-2])] if named.endswith("]") else value
    assert repr(shown) in message
    assert "expected" in message


def test_config_that_shrinks_the_image_to_nothing_raises():
    # 28 -> conv 9x9 valid 20 -> pool 10 -> conv 2 -> pool 1 -> conv: nothing left.
    with pytest.raises(ValueError, match="shrinks the 28x28 image to nothing at block 3"):
        ModelConfig(filters=(8, 8, 8), kernel_size=9, padding="valid")


def test_same_blocks_with_same_padding_are_fine():
    assert ModelConfig(filters=(8, 8, 8), kernel_size=9, padding="same").num_blocks == 3


def test_list_filters_become_a_hashable_tuple():
    config = ModelConfig(filters=[8, 16])
    assert config.filters == (8, 16)
    assert hash(config) == hash(ModelConfig(filters=(8, 16)))


def test_to_dict_from_dict_round_trip():
    config = ModelConfig(filters=(8,), pooling="average")
    data = config.to_dict()
    assert data["filters"] == [8]
    assert ModelConfig.from_dict(data) == config


def test_from_dict_rejects_unknown_fields():
    with pytest.raises(ValueError, match="nonsense"):
        ModelConfig.from_dict({"nonsense": 1})


def test_with_changes_validates_again():
    config = ModelConfig()
    assert config.with_changes(kernel_size=3).kernel_size == 3
    assert config.kernel_size == 5
    with pytest.raises(ValueError, match="kernel_size"):
        config.with_changes(kernel_size=11)


def test_presets():
    assert PRESETS["course"] == TrainingRecipe()
    seed = PRESETS["course"]
    assert (seed.epochs, seed.batch_size, seed.validation_split) == (10, 200, 0.2)
    assert seed.schedule.name == "constant"
    assert seed.model == ModelConfig()
    quick = PRESETS["quick"]
    assert quick.schedule.name == "cosine"
    # The quick preset trains its own leaner network (tests/cnn/test_recipe.py has the details),
    # one the Architecture page can build: a ModelConfig like any other.
    assert quick.model != ModelConfig() and quick.model.padding == "valid"
    assert not seed.augment.enabled and not quick.augment.enabled
    best = PRESETS["best"]
    assert best.augment.enabled and best.schedule.name == "cosine" and best.epochs > seed.epochs
    # The best preset trains the same network too: only the recipe differs.
    assert best.model == ModelConfig()


def test_package_exports_and_lazy_names():
    assert cnn.ModelConfig is ModelConfig
    assert "build_model" in dir(cnn)
    with pytest.raises(AttributeError, match="no_such_name"):
        cnn.no_such_name  # noqa: B018
