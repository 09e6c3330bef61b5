"""The two forms, as plain data: the Architecture page's network form (↔ `ModelConfig`) and
the Training page's settings (↔ `TrainingRecipe`), and the caps a class deployment puts on
them. No Streamlit here: the pages draw the widgets under these keys, and
`tests/ui/test_forms.py` checks the mappings both ways.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from cnn.config import MAX_BLOCKS, ModelConfig
from cnn.data import Dataset
from cnn.recipe import PRESETS, TrainingRecipe

if TYPE_CHECKING:
    from ui.deployment import ClassSettings

# --- the network form (Architecture) -------------------------------------------------------
# Filters of a block the current network lacks, offered when the user adds blocks.
SPARE_FILTERS = (16, 36, 64)
FILTER_KEYS = tuple(f"arch_filters_{block}" for block in range(1, MAX_BLOCKS + 1))


def network_form_values(config: ModelConfig) -> dict:
    """The network form's widget keys and their values for `config`."""
    filters = list(config.filters) + list(SPARE_FILTERS[config.num_blocks :])
    return {
        "arch_blocks": config.num_blocks,
        **dict(zip(FILTER_KEYS, filters, strict=True)),
        "arch_kernel": config.kernel_size,
        "arch_padding": config.padding,
        "arch_pooling": config.pooling,
        "arch_activation": config.activation,
        "arch_dense": config.dense_units,
        "arch_conv_dropout": float(config.conv_dropout),
        "arch_dense_dropout": float(config.dense_dropout),
    }


def network_from_form(values: Mapping) -> ModelConfig:
    """The network the form's widget values describe (the filters of the chosen number of
    blocks only; dropout rates rounded to the slider's step).

    Raises:
        ValueError: a combination that cannot be built, saying why.
    """
    blocks = int(values["arch_blocks"])
    return ModelConfig(
        filters=tuple(int(values[key]) for key in FILTER_KEYS[:blocks]),
        kernel_size=int(values["arch_kernel"]),
        padding=values["arch_padding"],
        pooling=values["arch_pooling"],
        activation=values["arch_activation"],
        dense_units=int(values["arch_dense"]),
        conv_dropout=round(float(values["arch_conv_dropout"]), 2),
        dense_dropout=round(float(values["arch_dense_dropout"]), 2),
    )


# --- the training settings (Training) ------------------------------------------------------
MAX_EPOCHS = 30
BATCH_SIZES = (16, 32, 64, 128, 200, 256, 512, 1024)
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.02, 0.03, 0.1)
VALIDATION_SPLIT_RANGE = (0.05, 0.5)
# Each field of the form and its widget's key.
TRAINING_FIELDS = {
    "preset": "train_preset",
    "epochs": "train_epochs",
    "batch_size": "train_batch_size",
    "validation_split": "train_validation_split",
    "optimizer": "train_optimizer",
    "learning_rate": "train_learning_rate",
    "cosine": "train_cosine",
    "augment": "train_augment",
    "mixed_precision": "train_mixed_precision",
}


def training_form_values(preset: str, *, native_bf16: bool) -> dict:
    """The form's fields for a preset of `cnn.PRESETS`: its settings, with bfloat16 on where
    the CPU computes it natively (there it trains every preset about twice as fast at the
    same accuracy: README, "Measured")."""
    settings = PRESETS[preset].settings()
    return {
        "preset": preset,
        **{name: settings[name] for name in TRAINING_FIELDS if name in settings},
        "cosine": settings["schedule"] == "cosine",
        "mixed_precision": native_bf16,
    }


def recipe_from_form(values: Mapping, network: ModelConfig, *, native_bf16: bool) -> TrainingRecipe:
    """The recipe the form's fields describe, for `network`: the chosen preset with the
    fields' settings; bfloat16 only where the CPU computes it natively.

    Raises:
        ValueError: a setting out of range.
    """
    return (
        PRESETS[values["preset"]]
        .with_model(network)
        .with_settings(
            epochs=int(values["epochs"]),
            batch_size=int(values["batch_size"]),
            validation_split=float(values["validation_split"]),
            optimizer=values["optimizer"],
            learning_rate=float(values["learning_rate"]),
            schedule="cosine" if values["cosine"] else "constant",
            augment=bool(values["augment"]),
            mixed_precision=bool(values["mixed_precision"]) and native_bf16,
        )
    )


# --- the class caps (ui.deployment.ClassSettings; applied on the page by ui.class_caps) ---
def epoch_limit(settings: ClassSettings) -> int:
    """The most epochs the form offers: its own maximum, or the class cap if lower. A class
    preset caps them too, at the preset's own epochs: "quick for everyone" is meant to keep
    the queue short."""
    limit = MAX_EPOCHS if settings.max_epochs is None else min(MAX_EPOCHS, settings.max_epochs)
    if settings.preset is not None:
        limit = min(limit, PRESETS[settings.preset].epochs)
    return limit


def capped_form_values(values: Mapping, settings: ClassSettings, *, native_bf16: bool) -> dict:
    """The form's fields within the class caps: the class preset's settings where the form
    has another preset (the user may change the other fields after), the epochs at most
    `epoch_limit`."""
    values = dict(values)
    if settings.preset is not None and values.get("preset") != settings.preset:
        values = training_form_values(settings.preset, native_bf16=native_bf16)
    values["epochs"] = min(int(values["epochs"]), epoch_limit(settings))
    return values


def capped_recipe(recipe: TrainingRecipe, settings: ClassSettings) -> TrainingRecipe:
    """`recipe` with at most the class's epochs (`epoch_limit`)."""
    limit = epoch_limit(settings)
    return recipe if recipe.epochs <= limit else recipe.with_settings(epochs=limit)


def capped_data(data: Dataset, settings: ClassSettings) -> Dataset:
    """`data` with at most the class's training digits (the same random ones every time:
    seed 0), and the whole test set; `data` itself when within the cap."""
    cap = settings.max_train_digits
    if cap is None or len(data.x_train) <= cap:
        return data
    return data.subset(cap, len(data.x_test), seed=0)


def class_caps(settings: ClassSettings) -> dict:
    """The caps in force, for the line that tells users: any of "epochs", "train_digits"
    and "preset", with their values."""
    caps = {
        "epochs": settings.max_epochs,
        "train_digits": settings.max_train_digits,
        "preset": settings.preset,
    }
    return {name: value for name, value in caps.items() if value is not None}
