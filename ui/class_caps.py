"""The caps a class deployment puts on trainings (`ui.deployment.ClassSettings`: at most so
many epochs and training digits, one preset for everyone), on the Training page: read them
(a mistyped one stops the page), say them, keep the form within them, and apply them to a
new training (`capped_training`, the one place a training's recipe and data are capped).

The arithmetic is `ui.forms`' (plain data, unit-tested); this adds Streamlit: the form's kept
values and one training subset shared by every session.
"""

from __future__ import annotations

import streamlit as st

import cnn
from ui import keys
from ui.deployment import ClassSettings, class_settings
from ui.forms import (
    TRAINING_FIELDS,
    capped_data,
    capped_form_values,
    capped_recipe,
    class_caps,
    recipe_from_form,
)
from ui.text import t


def class_caps_or_stop() -> ClassSettings:
    """The deployment's caps on training, or an error a person can act on and the page
    stops there (a cap mistyped must not let a class train uncapped)."""
    try:
        return class_settings(database=False)
    except ValueError as error:
        st.error(t("train.bad_class_setting", error=error), icon=":material/error:")
        st.stop()


def show_class_caps(settings: ClassSettings) -> None:
    """One line saying what the teacher set, when anything is."""
    caps = class_caps(settings)
    if not caps:
        return
    parts = []
    if "epochs" in caps:
        parts.append(t("train.cap_epochs", epochs=caps["epochs"]))
    if "train_digits" in caps:
        parts.append(t("train.cap_train_digits", digits=f"{caps['train_digits']:,}"))
    if "preset" in caps:
        parts.append(t("train.cap_preset", preset=t(f"train.preset_{caps['preset']}")))
    text = t("train.class_caps", caps=t("train.cap_separator").join(parts))
    st.info(text, icon=":material/school:")


def cap_training_form(settings: ClassSettings, default: dict) -> None:
    """Put the Training form's settings (kept in session state) within the caps, before its
    widgets are drawn, so the form shows what will be trained; `default`: the form's values
    where none are kept yet."""
    values = {
        name: st.session_state.get(keys.train_setting(name), default[name])
        for name in TRAINING_FIELDS
    }
    capped = capped_form_values(values, settings, native_bf16=cnn.cpu_has_native_bf16())
    for name, value in capped.items():
        st.session_state[keys.train_setting(name)] = value
    if settings.preset is not None and keys.MODEL_CONFIG not in st.session_state:
        # The class preset's network for those who have not chosen one of their own.
        st.session_state[keys.MODEL_CONFIG] = cnn.PRESETS[settings.preset].model


def capped_training(
    settings: ClassSettings, values: dict, network: cnn.ModelConfig, data: cnn.Dataset
) -> tuple[cnn.TrainingRecipe, cnn.Dataset]:
    """What a new training uses, within the class caps: the recipe the form's `values`
    describe for `network` (the class preset, at most the class's epochs) and `data` with at
    most the class's training digits (one subset shared by all sessions).

    Raises:
        ValueError: a setting out of range.
    """
    native_bf16 = cnn.cpu_has_native_bf16()
    values = capped_form_values(values, settings, native_bf16=native_bf16)
    recipe = capped_recipe(recipe_from_form(values, network, native_bf16=native_bf16), settings)
    return recipe, _class_data(data, settings)


def _class_data(data: cnn.Dataset, settings: ClassSettings) -> cnn.Dataset:
    if settings.max_train_digits is None or len(data.x_train) <= settings.max_train_digits:
        return data
    return _shared_subset(data.source, len(data.x_train), settings.max_train_digits, data)


@st.cache_resource(show_spinner=False, max_entries=4)
def _shared_subset(source: str, train: int, cap: int, _data: cnn.Dataset) -> cnn.Dataset:
    # Keyed on the data's source and size and the cap (`_data` is not hashed): one subset
    # for all sessions, read-only, instead of a copy in every session's run.
    subset = capped_data(_data, ClassSettings(max_train_digits=cap))
    for array in (subset.x_train, subset.y_train, subset.x_test, subset.y_test):
        array.setflags(write=False)
    return subset
