"""The two forms as plain data: network form ↔ ModelConfig, training form ↔ TrainingRecipe."""

from __future__ import annotations

import pytest

from cnn.config import ModelConfig
from cnn.recipe import PRESETS
from ui.forms import (
    BATCH_SIZES,
    FILTER_KEYS,
    LEARNING_RATES,
    MAX_EPOCHS,
    TRAINING_FIELDS,
    network_form_values,
    network_from_form,
    recipe_from_form,
    training_form_values,
)

NETWORKS = [
    ModelConfig(),
    ModelConfig(filters=(8,), kernel_size=3, padding="valid", pooling="average"),
    ModelConfig(filters=(4, 8, 16), activation="tanh", dense_units=32, conv_dropout=0.1),
]


@pytest.mark.parametrize("config", NETWORKS)
def test_network_form_round_trip(config):
    assert network_from_form(network_form_values(config)) == config


def test_spare_filters_fill_the_blocks_a_network_lacks():
    values = network_form_values(ModelConfig(filters=(8,)))
    assert [values[key] for key in FILTER_KEYS] == [8, 36, 64]
    values["arch_blocks"] = 2
    assert network_from_form(values).filters == (8, 36)


def test_dropout_is_rounded_to_the_slider_step():
    values = network_form_values(ModelConfig())
    values["arch_conv_dropout"] = 0.30000000000000004  # what a float slider sends
    assert network_from_form(values).conv_dropout == 0.3


def test_a_network_that_cannot_be_built_says_why():
    values = network_form_values(ModelConfig())
    values.update({"arch_blocks": 3, "arch_kernel": 9, "arch_padding": "valid"})
    with pytest.raises(ValueError, match="shrinks the 28x28 image"):
        network_from_form(values)


@pytest.mark.parametrize("preset", list(PRESETS))
@pytest.mark.parametrize("native", [True, False])
def test_training_form_round_trip(preset, native):
    values = training_form_values(preset, native_bf16=native)
    assert set(values) == set(TRAINING_FIELDS)
    assert values["mixed_precision"] is native
    recipe = recipe_from_form(values, ModelConfig(), native_bf16=native)
    assert recipe == PRESETS[preset].with_settings(mixed_precision=native)


def test_every_preset_fits_the_form_widgets():
    for recipe in PRESETS.values():
        assert 1 <= recipe.epochs <= MAX_EPOCHS
        assert recipe.batch_size in BATCH_SIZES
        assert recipe.optimizer.learning_rate in LEARNING_RATES


def test_the_form_trains_the_architecture_pages_network():
    small = ModelConfig(filters=(4,), dense_units=16)
    values = training_form_values("quick", native_bf16=False)
    values.update({"epochs": 1, "cosine": False, "augment": True, "learning_rate": 0.01})
    recipe = recipe_from_form(values, small, native_bf16=False)
    assert recipe.model == small
    assert recipe.epochs == 1 and recipe.schedule.name == "constant"
    assert recipe.augment.enabled and recipe.optimizer.learning_rate == 0.01
    assert recipe.batch_size == PRESETS["quick"].batch_size


def test_bfloat16_only_where_the_cpu_computes_it():
    values = training_form_values("course", native_bf16=True)
    assert recipe_from_form(values, ModelConfig(), native_bf16=False).mixed_precision is False
