"""The two forms as plain data: network form ↔ ModelConfig, training form ↔ TrainingRecipe."""

from __future__ import annotations

import numpy as np
import pytest

from cnn.config import ModelConfig
from cnn.data import Dataset
from cnn.recipe import PRESETS
from ui.deployment import ClassSettings
from ui.forms import (
    BATCH_SIZES,
    FILTER_KEYS,
    LEARNING_RATES,
    MAX_EPOCHS,
    TRAINING_FIELDS,
    capped_data,
    capped_form_values,
    capped_recipe,
    class_caps,
    epoch_limit,
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
    recipe = recipe_from_form(values, PRESETS[preset].model, native_bf16=native)
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


# --- the class caps ------------------------------------------------------------------------
NO_CAPS = ClassSettings()


def test_epoch_limit_is_the_lower_of_the_form_and_the_cap():
    assert epoch_limit(NO_CAPS) == MAX_EPOCHS
    assert epoch_limit(ClassSettings(max_epochs=3)) == 3
    assert epoch_limit(ClassSettings(max_epochs=MAX_EPOCHS + 50)) == MAX_EPOCHS


def test_capped_form_values_lower_the_epochs_only():
    values = training_form_values("course", native_bf16=False)  # 10 epochs
    assert capped_form_values(values, NO_CAPS, native_bf16=False) == values
    capped = capped_form_values(values, ClassSettings(max_epochs=3), native_bf16=False)
    assert capped == {**values, "epochs": 3}
    values["epochs"] = 2
    assert capped_form_values(values, ClassSettings(max_epochs=3), native_bf16=False) == values


def test_the_class_preset_replaces_another_preset_but_keeps_changes_to_its_own():
    course = training_form_values("course", native_bf16=True)
    forced = capped_form_values(course, ClassSettings(preset="quick"), native_bf16=True)
    assert forced == training_form_values("quick", native_bf16=True)
    quick_epochs = PRESETS["quick"].epochs
    tweaked = {**forced, "learning_rate": 0.01, "epochs": quick_epochs - 1}  # a student's own
    assert capped_form_values(tweaked, ClassSettings(preset="quick"), native_bf16=True) == tweaked
    # ... but not more epochs than the class preset has: it is there to keep the queue short.
    longer = {**forced, "epochs": quick_epochs + 5}
    capped = capped_form_values(longer, ClassSettings(preset="quick"), native_bf16=True)
    assert capped["epochs"] == quick_epochs
    assert capped_recipe(PRESETS["best"], ClassSettings(preset="quick")).epochs == quick_epochs
    # The best preset's 30 epochs still meet the epoch cap.
    both = capped_form_values(course, ClassSettings(preset="best", max_epochs=4), native_bf16=True)
    assert both["preset"] == "best" and both["augment"] is True and both["epochs"] == 4


def test_capped_recipe():
    recipe = PRESETS["best"]  # 30 epochs
    assert capped_recipe(recipe, NO_CAPS) is recipe
    assert capped_recipe(recipe, ClassSettings(max_epochs=40)) is recipe
    capped = capped_recipe(recipe, ClassSettings(max_epochs=3))
    assert capped == recipe.with_settings(epochs=3)
    assert capped.augment == recipe.augment and capped.optimizer == recipe.optimizer


def tiny_dataset(train: int = 50, test: int = 20) -> Dataset:
    rng = np.random.default_rng(1)
    return Dataset(
        x_train=rng.integers(0, 256, (train, 28, 28), dtype=np.uint8),
        y_train=np.arange(train, dtype=np.uint8) % 10,
        x_test=rng.integers(0, 256, (test, 28, 28), dtype=np.uint8),
        y_test=np.arange(test, dtype=np.uint8) % 10,
        source="tiny",
        is_sample=True,
    )


def test_capped_data_keeps_the_whole_test_set():
    data = tiny_dataset()
    assert capped_data(data, NO_CAPS) is data
    assert capped_data(data, ClassSettings(max_train_digits=50)) is data
    capped = capped_data(data, ClassSettings(max_train_digits=12))
    assert len(capped.x_train) == len(capped.y_train) == 12
    np.testing.assert_array_equal(capped.x_test, data.x_test)
    np.testing.assert_array_equal(capped.y_test, data.y_test)
    assert capped.is_sample
    # Real training digits with their labels, the same ones every time.
    index = [
        int(np.flatnonzero((data.x_train == image).all(axis=(1, 2)))[0]) for image in capped.x_train
    ]
    np.testing.assert_array_equal(data.y_train[index], capped.y_train)
    again = capped_data(data, ClassSettings(max_train_digits=12))
    np.testing.assert_array_equal(again.x_train, capped.x_train)


def test_class_caps_names_what_is_set():
    assert class_caps(NO_CAPS) == {}
    settings = ClassSettings(max_epochs=3, max_train_digits=20_000, preset="quick")
    assert class_caps(settings) == {"epochs": 3, "train_digits": 20_000, "preset": "quick"}
    assert class_caps(ClassSettings(class_code="ROOM-1", max_epochs=2)) == {"epochs": 2}
