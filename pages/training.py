"""Training: train the CNN live, watch accuracy and loss, test it, and compare it with an MLP.

The run lives in session state as a `cnn.TrainingRun` (`ui.keys.TRAINED`); the live view of
a training is `ui.live_training`'s, the class caps on it `ui.class_caps`'.
"""

from __future__ import annotations

import streamlit as st

import cnn
from cnn.recipe import OPTIMIZERS
from cnn.training import memory, preload
from ui import keys
from ui.class_caps import cap_training_form, capped_training, class_caps_or_stop, show_class_caps
from ui.class_training import (
    remember_split,
    show_class_digit_results,
    show_class_digits_option,
    with_class_share,
)
from ui.classboard import show_submit
from ui.data_state import require_dataset
from ui.deployment import ClassSettings
from ui.forms import (
    BATCH_SIZES,
    LEARNING_RATES,
    TRAINING_FIELDS,
    VALIDATION_SPLIT_RANGE,
    epoch_limit,
    training_form_values,
)
from ui.frame import ensure_frame
from ui.live_training import request_training, show_history, train_live
from ui.models import session_run, set_model_source
from ui.text import t
from ui.training_results import show_mistakes, show_mlp_comparison, show_test_results
from ui.widgets import kept

ensure_frame()

RunStatus = cnn.RunStatus


def form_value(name: str):
    """The Training form's field `name` as kept in session state (`ui.keys.train_setting`)."""
    return st.session_state[keys.train_setting(name)]


def apply_preset() -> None:
    """A preset is a network and a way to train it: choosing one sets both (the Architecture
    page then shows its network, and can change it)."""
    values = training_form_values(form_value("preset"), native_bf16=cnn.cpu_has_native_bf16())
    for name, value in values.items():
        st.session_state[keys.train_setting(name)] = value
    st.session_state[keys.MODEL_CONFIG] = cnn.PRESETS[form_value("preset")].model


def kept_field(name: str, default: dict) -> dict:
    """The widget arguments of the form's field `name`, its value kept across page switches
    (`default[name]` at first)."""
    return kept(TRAINING_FIELDS[name], keys.train_setting(name), default[name])


def show_architecture(config: cnn.ModelConfig) -> None:
    """The network that will be trained, from the Architecture page."""
    summary = t(
        "train.architecture_line",
        filters=" → ".join(str(count) for count in config.filters),
        kernel=f"{config.kernel_size}×{config.kernel_size}",
        padding=config.padding,
        activation=config.activation,
        pooling=t(f"train.pooling_{config.pooling}"),
        dense=config.dense_units,
        dropout=f"{config.conv_dropout:g} / {config.dense_dropout:g}",
    )
    with st.container(border=True):
        st.markdown(t("train.architecture", summary=summary))
        st.caption(t("train.params", params=f"{cnn.count_params(config):,}"))
        st.page_link(
            "pages/architecture.py",
            label=t("train.change_architecture"),
            icon=":material/account_tree:",
        )


def show_hyperparameters(caps: ClassSettings) -> None:
    """A preset, then each setting it fills in, all kept across page switches, within the
    class caps (the preset locked to the class's, at most its epochs)."""
    default = training_form_values("course", native_bf16=cnn.cpu_has_native_bf16())
    cap_training_form(caps, default)
    st.subheader(t("train.settings"))
    # Labels fixed now, not looked up in format_func (AppTest calls it outside the run).
    preset_labels = {name: t(f"train.preset_{name}") for name in cnn.PRESETS}
    st.segmented_control(
        t("train.preset"),
        list(cnn.PRESETS),
        format_func=preset_labels.__getitem__,
        required=True,
        disabled=caps.preset is not None,
        **kept(TRAINING_FIELDS["preset"], keys.train_setting("preset"), "course", apply_preset),
    )
    st.caption(t(f"train.preset_{form_value('preset')}_help"))
    if caps.preset is not None:
        st.caption(t("train.preset_locked"))
    left, middle, right = st.columns(3)
    with left:
        most = epoch_limit(caps)  # a slider needs two values: a cap of 1 shows it disabled
        st.slider(
            t("train.epochs"), 1, max(most, 2), disabled=most < 2, **kept_field("epochs", default)
        )
        st.select_slider(t("train.batch_size"), BATCH_SIZES, **kept_field("batch_size", default))
    with middle:
        st.slider(
            t("train.validation_split"),
            *VALIDATION_SPLIT_RANGE,
            step=0.05,
            format="%.2f",
            help=t("train.validation_split_help"),
            **kept_field("validation_split", default),
        )
        st.selectbox(t("train.optimizer"), OPTIMIZERS, **kept_field("optimizer", default))
    with right:
        st.select_slider(
            t("train.learning_rate"),
            LEARNING_RATES,
            format_func=lambda rate: f"{rate:g}",
            **kept_field("learning_rate", default),
        )
        for name, label, help_text in (
            ("cosine", t("train.cosine"), t("train.cosine_help")),
            ("augment", t("train.augment"), t("train.augment_help")),
            ("mixed_precision", t("train.mixed_precision"), t("train.mixed_precision_help")),
        ):
            st.toggle(label, help=help_text, **kept_field(name, default))


def show_buttons(run: cnn.TrainingRun | None, data: cnn.Dataset, busy: bool) -> None:
    """Train, and Continue for a stopped run."""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button(
            t("train.start"),
            key="train_start",
            type="primary",
            icon=":material/play_arrow:",
            on_click=request_training,
            args=("train",),
            disabled=busy,
        )
        if run is not None and run.status is RunStatus.STOPPED:
            st.button(
                t("train.continue", epochs=run.continue_to),
                key="train_continue",
                icon=":material/resume:",
                on_click=request_training,
                args=("continue",),
                disabled=busy,
            )
        if data.is_sample:
            st.caption(t("train.sample_note"))


def evaluate_on_test_set(run: cnn.TrainingRun) -> None:
    """Evaluate the trained run on the test set, with a spinner; the results are kept in the
    run (`run.evaluation`) for `show_test_results`."""
    with st.spinner(t("train.evaluating")):
        run.evaluation = cnn.evaluate(run.model, run.data)


def new_run(data: cnn.Dataset, caps: ClassSettings) -> cnn.TrainingRun:
    """A run of the Architecture page's network with the form's recipe, on `data` (with a
    share of the class's digits when asked), both within the class caps; kept in session
    state."""
    recipe, data = capped_training(
        caps,
        {name: form_value(name) for name in TRAINING_FIELDS},
        st.session_state.get(keys.MODEL_CONFIG) or cnn.ModelConfig(),
        data,
    )
    data, split = with_class_share(data)
    # Build first: a rerun while building must not leave a half-built model.
    run = cnn.TrainingRun(cnn.build_for(recipe), recipe, data)
    remember_split(run, split)
    st.session_state.pop(keys.MLP, None)
    st.session_state[keys.TRAINED] = run
    memory.release_memory()  # the replaced model and its MLP baseline
    return run


def train_baseline(run: cnn.TrainingRun) -> None:
    """The MLP, trained on the same digits for as many epochs, then tested."""
    recipe = cnn.baseline_recipe(run.recipe, run.epochs_done)
    baseline = cnn.TrainingRun(cnn.build_mlp(), recipe, run.data, name="MLP")
    train_live(baseline)
    if baseline.status is RunStatus.DONE:  # half a baseline compares nothing
        evaluate_on_test_set(baseline)
        st.session_state[keys.MLP] = baseline


def start(action: str, run: cnn.TrainingRun | None, data: cnn.Dataset, caps: ClassSettings) -> None:
    """Carry out a Train, Continue or Compare click: train live, then test."""
    if action == "mlp" and run is not None and run.status is RunStatus.DONE:
        train_baseline(run)
        return
    if action == "train":
        run = new_run(data, caps)
    elif action != "continue" or run is None or run.status is not RunStatus.STOPPED:
        return  # a click left over from a run that has changed since
    train_live(run)
    if run.status is RunStatus.DONE:
        evaluate_on_test_set(run)
        set_model_source("session")


st.title(t("nav.training"))
st.caption(t("train.intro"))
caps = class_caps_or_stop()
data = require_dataset()  # a new run takes at most the class's training digits of it
show_class_caps(caps)
action = st.session_state.pop(keys.TRAIN_ACTION, None)
run = session_run()
if run is not None and run.status in (RunStatus.NEW, RunStatus.RUNNING):
    run.status = RunStatus.STOPPED  # only the run that trains runs: this one was interrupted
show_architecture(st.session_state.get(keys.MODEL_CONFIG) or cnn.ModelConfig())
show_hyperparameters(caps)
show_class_digits_option()
show_buttons(run, data, busy=action is not None)
if action is not None:
    # The live view takes the place of the results below (an empty slot replaces the old
    # results at once instead of leaving them greyed out under the training).
    with st.empty().container():
        try:
            start(action, run, data, caps)
        except ValueError as error:
            st.error(t("train.invalid", error=error))
            st.stop()
        except Exception as error:  # TensorFlow raises many kinds; none should be a traceback
            st.error(t("error.unexpected", error=error))
            st.stop()
    st.rerun()
if run is None:
    st.info(t("train.not_trained"), icon=":material/model_training:")
else:
    show_history(run)
    if run.status is RunStatus.DONE and run.evaluation is not None:
        show_test_results(run)
        show_class_digit_results(run)
        show_mistakes(run)
        show_mlp_comparison(run)
        show_submit(run, st.session_state.get(keys.MLP))
# Drawn: now TensorFlow can load in the background, so that Train does not wait for it.
preload.import_tensorflow_in_background()
