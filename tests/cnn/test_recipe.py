"""The training recipe: one frozen dataclass per concern, flat settings both ways, presets."""

from __future__ import annotations

import dataclasses

import pytest

import cnn
from cnn.config import ModelConfig
from cnn.recipe import (
    PRESETS,
    SETTINGS,
    AugmentConfig,
    OptimizerConfig,
    ScheduleConfig,
    TrainingRecipe,
    baseline_recipe,
)


def test_the_default_recipe_is_the_course():
    recipe = TrainingRecipe()
    assert recipe == PRESETS["course"]
    assert recipe.model == ModelConfig()
    assert (recipe.epochs, recipe.batch_size, recipe.validation_split) == (10, 200, 0.2)
    assert recipe.optimizer == OptimizerConfig("adam", 0.001)
    assert recipe.optimizer.beta_2 == 0.999  # Keras' Adam as the course compiles it
    assert recipe.schedule.name == "constant"
    assert recipe.augment.enabled is False and recipe.mixed_precision is False
    assert recipe.label_smoothing == 0.0  # plain one-hot targets


def test_presets_and_their_networks():
    # The course and best presets train the course's network; quick a leaner one that the
    # Architecture page can build (valid padding, fewer filters, lighter dropout).
    assert PRESETS["course"].model == PRESETS["best"].model == ModelConfig()
    quick, best = PRESETS["quick"], PRESETS["best"]
    assert quick.model == ModelConfig(
        filters=(12, 32), padding="valid", conv_dropout=0.1, dense_dropout=0.2
    )
    assert cnn.count_params(quick.model) == 76_898
    assert (quick.epochs, quick.batch_size, quick.validation_split) == (2, 256, 0.05)
    assert quick.schedule == ScheduleConfig("cosine", 0.1)
    assert quick.optimizer == OptimizerConfig("adam", 0.02, beta_2=0.99)
    assert quick.label_smoothing == 0.1
    assert best.augment.enabled and best.epochs > PRESETS["course"].epochs
    # Only the quick preset departs from the course's optimizer moments and targets.
    assert best.optimizer.beta_2 == 0.999 and best.label_smoothing == 0.0


def test_one_warmup_default_everywhere():
    # The recipe, the schedule and the presets agree: a cosine run warms up for 10 %.
    assert ScheduleConfig().warmup_fraction == TrainingRecipe().schedule.warmup_fraction == 0.1
    assert {recipe.schedule.warmup_fraction for recipe in PRESETS.values()} == {0.1}


def test_recipes_are_frozen_and_hashable():
    recipe = PRESETS["quick"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.epochs = 5
    assert hash(recipe) == hash(dataclasses.replace(recipe))


def test_settings_round_trip():
    for recipe in PRESETS.values():
        settings = recipe.settings()
        assert tuple(settings) == SETTINGS
        assert recipe.with_settings(**settings) == recipe


def test_with_settings_changes_the_right_concern():
    recipe = TrainingRecipe().with_settings(
        epochs=3,
        learning_rate=0.01,
        optimizer="sgd",
        schedule="cosine",
        warmup_fraction=0.2,
        augment=True,
        mixed_precision=True,
        label_smoothing=0.05,
    )
    assert recipe.epochs == 3
    assert recipe.optimizer == OptimizerConfig("sgd", 0.01)
    assert recipe.label_smoothing == 0.05
    assert recipe.schedule == ScheduleConfig("cosine", 0.2)
    assert recipe.augment == AugmentConfig(enabled=True)
    assert recipe.mixed_precision is True
    assert recipe.model == ModelConfig()  # the network is not a setting


def test_with_settings_keeps_the_optimizers_moments_unless_told():
    quick = PRESETS["quick"]
    assert quick.with_settings(learning_rate=0.01).optimizer == OptimizerConfig("adam", 0.01, 0.99)
    assert quick.with_settings(beta_2=0.999).optimizer.beta_2 == 0.999
    assert quick.with_settings(epochs=3).label_smoothing == 0.1


def test_with_settings_keeps_the_augmentation_strengths():
    recipe = TrainingRecipe(augment=AugmentConfig(enabled=True, rotation=0.1))
    assert recipe.with_settings(augment=False).augment == AugmentConfig(False, rotation=0.1)


def test_unknown_settings_are_refused():
    with pytest.raises(ValueError, match="Unknown training setting.*'epoch'"):
        TrainingRecipe().with_settings(epoch=3)


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: OptimizerConfig("adagrad"), "OptimizerConfig.name"),
        (lambda: OptimizerConfig(learning_rate=0), "OptimizerConfig.learning_rate"),
        (lambda: OptimizerConfig(learning_rate=2.0), "OptimizerConfig.learning_rate"),
        (lambda: OptimizerConfig(learning_rate="0.001"), "OptimizerConfig.learning_rate"),
        (lambda: OptimizerConfig(beta_2=1.0), "OptimizerConfig.beta_2"),
        (lambda: OptimizerConfig(beta_2=0.1), "OptimizerConfig.beta_2"),
        (lambda: ScheduleConfig("linear"), "ScheduleConfig.name"),
        (lambda: ScheduleConfig(warmup_fraction=1.5), "ScheduleConfig.warmup_fraction"),
        (lambda: AugmentConfig(enabled="yes"), "AugmentConfig.enabled"),
        (lambda: AugmentConfig(rotation=-0.1), "AugmentConfig.rotation"),
        (lambda: TrainingRecipe(epochs=0), "TrainingRecipe.epochs"),
        (lambda: TrainingRecipe(epochs=True), "TrainingRecipe.epochs"),
        (lambda: TrainingRecipe(batch_size=0), "TrainingRecipe.batch_size"),
        (lambda: TrainingRecipe(validation_split=0.9), "TrainingRecipe.validation_split"),
        (lambda: TrainingRecipe(mixed_precision=1), "TrainingRecipe.mixed_precision"),
        (lambda: TrainingRecipe(label_smoothing=-0.1), "TrainingRecipe.label_smoothing"),
        (lambda: TrainingRecipe(label_smoothing=0.9), "TrainingRecipe.label_smoothing"),
        (lambda: TrainingRecipe(model={"filters": (8,)}), "TrainingRecipe.model"),
    ],
)
def test_bad_values_say_what_and_what_is_expected(make, name):
    with pytest.raises(ValueError, match=rf"{name} = .* is not allowed: expected"):
        make()


def test_split_and_batches_per_epoch():
    recipe = TrainingRecipe(batch_size=128, validation_split=0.1)
    assert recipe.split_sizes(60_000) == (54_000, 6_000)
    assert recipe.batches_per_epoch(60_000) == 422  # 54,000 / 128, the last batch smaller
    assert TrainingRecipe(validation_split=0.0).split_sizes(600) == (600, 0)


def test_to_dict_is_plain_json():
    import json

    data = json.loads(json.dumps(PRESETS["best"].to_dict()))
    assert data["model"]["filters"] == [16, 36]
    assert data["optimizer"] == {"name": "adam", "learning_rate": 0.003, "beta_2": 0.999}
    assert data["augment"]["enabled"] is True


def test_the_baseline_trains_like_the_course_on_the_same_digits():
    cnn_recipe = PRESETS["best"].with_settings(mixed_precision=True)
    baseline = baseline_recipe(cnn_recipe, epochs=7)
    assert baseline.epochs == 7
    # The same digits: batches, split and augmentation as the CNN's.
    assert baseline.batch_size == cnn_recipe.batch_size
    assert baseline.validation_split == cnn_recipe.validation_split
    assert baseline.augment == cnn_recipe.augment
    # Trained as the course trains: Adam 0.001, constant, float32, plain targets.
    assert baseline.optimizer == PRESETS["course"].optimizer
    assert baseline.schedule.name == "constant"
    assert baseline.mixed_precision is False
    assert baseline_recipe(PRESETS["quick"], epochs=2).label_smoothing == 0.0
    assert baseline_recipe(PRESETS["quick"], epochs=2).optimizer.beta_2 == 0.999
    assert baseline_recipe(cnn_recipe, epochs=0).epochs == 1


def test_the_package_exports_the_recipe():
    assert cnn.TrainingRecipe is TrainingRecipe and cnn.PRESETS is PRESETS
