"""Training: train the CNN live, watch accuracy and loss, test it, and compare it with an MLP.

A training runs inside the script run that its button starts. Any click while it runs makes
Streamlit rerun, which raises inside the progress hook: `try/finally` then records the run as
"stopped" (the weights change in place, so nothing learnt is lost) and Continue resumes it.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

import cnn
from cnn import charts
from cnn.concurrency import TRAINING_QUEUE
from cnn.config import OPTIMIZERS
from ui.state import (
    MLP,
    MODEL_CONFIG,
    MODEL_SOURCE,
    TRAIN_ACTION,
    TRAIN_SETTINGS,
    TRAIN_STOP_REQUESTED,
    TRAINED,
    data_description,
    ensure_frame,
    require_dataset,
    set_model_source,
    t,
)

MAX_EPOCHS = 30
BATCH_SIZES = (16, 32, 64, 128, 200, 256, 512, 1024)
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)
VALIDATION_SPLIT_RANGE = (0.05, 0.5)
WARMUP_FRACTION = 0.1
REDRAW_SECONDS = 1.0  # live charts are redrawn at most this often within an epoch
PROGRESS_CALLS_PER_EPOCH = 25
MISTAKES_SHOWN = 20
WIDGET_KEYS = {
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


def preset_settings(name: str) -> dict:
    """The page's settings for a preset of `cnn.PRESETS`, with bfloat16 on where the CPU
    computes it natively."""
    recipe = cnn.PRESETS[name]
    return {
        "preset": name,
        "epochs": recipe.epochs,
        "batch_size": recipe.batch_size,
        "validation_split": recipe.validation_split,
        "optimizer": recipe.model.optimizer,
        "learning_rate": recipe.model.learning_rate,
        "cosine": recipe.schedule == "cosine",
        "augment": recipe.augment,
        # bfloat16 pays off only where the CPU computes it natively; there it trains every
        # preset about twice as fast at the same accuracy (README, "Measured").
        "mixed_precision": cnn.cpu_has_native_bf16(),
    }


def apply_preset() -> None:
    name = st.session_state[WIDGET_KEYS["preset"]]
    for setting, value in preset_settings(name).items():
        st.session_state[WIDGET_KEYS[setting]] = value


def request(action: str) -> None:
    st.session_state[TRAIN_ACTION] = action


def request_stop() -> None:
    st.session_state[TRAIN_STOP_REQUESTED] = True


def describe(config: cnn.ModelConfig) -> str:
    """One line for the architecture, e.g. "Conv2D 16 → 36 (5×5, same, relu), ..."."""
    return t(
        "train.architecture_line",
        filters=" → ".join(str(count) for count in config.filters),
        kernel=f"{config.kernel_size}×{config.kernel_size}",
        padding=config.padding,
        activation=config.activation,
        pooling=t(f"train.pooling_{config.pooling}"),
        dense=config.dense_units,
        dropout=f"{config.conv_dropout:g} / {config.dense_dropout:g}",
    )


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 90:
        return t("train.seconds", seconds=seconds)
    return t("train.minutes", minutes=seconds // 60, seconds=f"{seconds % 60:02d}")


def history_figure(histories: dict):
    figure = charts.training_history_figure(
        histories,
        accuracy_title=t("train.chart_accuracy"),
        loss_title=t("train.chart_loss"),
        epoch_title=t("train.chart_epoch"),
        train_label=t("train.chart_train"),
        validation_label=t("train.chart_validation"),
    )
    # Accuracy on its own scale (never below 0 or above 1, even with a single point).
    accuracies = [
        value
        for history in ([histories] if "loss" in histories else histories.values())
        for key in ("accuracy", "val_accuracy")
        for value in history.get(key, [])
        if value == value  # not NaN
    ]
    low = min(accuracies, default=0.0)
    figure.update_yaxes(range=[max(0.0, low - 0.05), 1.005], tickformat=".0%", row=1, col=1)
    # The legend below the axis titles, not on top of them.
    figure.update_layout(legend={"orientation": "h", "y": -0.28}, margin={"b": 70})
    return figure


def with_running_point(history: dict, logs: dict) -> dict:
    """The history plus the current epoch's running training loss and accuracy so far."""
    shown = {key: list(values) for key, values in history.items()}
    if "loss" in logs and "accuracy" in logs:
        shown["loss"].append(logs["loss"])
        shown["accuracy"].append(logs["accuracy"])
    return shown


def progress_text(progress) -> str:
    eta = t("train.eta_unknown") if progress.eta_seconds is None else duration(progress.eta_seconds)
    text = t(
        "train.progress",
        epoch=progress.epoch,
        epochs=progress.epochs,
        batch=progress.batch,
        batches=progress.batches_per_epoch,
        eta=eta,
    )
    if "loss" in progress.logs and "accuracy" in progress.logs:
        text += " · " + t(
            "train.running_metrics",
            loss=f"{progress.logs['loss']:.4f}",
            accuracy=f"{progress.logs['accuracy']:.2%}",
        )
    return text


def train_live(model, data, settings: dict, *, epochs: int, initial_epoch: int, history, keep):
    """Train with a Stop button, a progress bar and live charts, in one training slot.

    Args:
        keep: called with the history after every progress call, so a stop keeps it.

    Returns:
        The history, including earlier epochs.
    """
    st.session_state[TRAIN_STOP_REQUESTED] = False
    st.button(t("train.stop"), key="train_stop", icon=":material/stop:", on_click=request_stop)
    waiting = st.empty()
    bar = st.progress(0.0, text=t("train.starting"))
    chart = st.empty()
    state = {"drawn_at": 0.0, "draws": 0}

    def on_wait(place: int) -> None:
        waiting.info(t("train.waiting", place=place), icon=":material/hourglass_top:")

    def report(progress) -> None:
        keep(progress.history)
        bar.progress(progress.fraction, text=progress_text(progress))
        now = time.monotonic()
        if progress.epoch_end or now - state["drawn_at"] >= REDRAW_SECONDS:
            shown = (
                progress.history
                if progress.epoch_end
                else with_running_point(progress.history, progress.logs)
            )
            state["draws"] += 1
            chart.plotly_chart(
                history_figure(shown),
                key=f"train_live_chart_{state['draws']}",
                alt=t("train.chart_alt"),
            )
            state["drawn_at"] = now

    train_images = len(data.x_train) - int(len(data.x_train) * settings["validation_split"])
    batches_per_epoch = -(-train_images // settings["batch_size"])
    with TRAINING_QUEUE.slot(on_wait=on_wait):
        waiting.empty()
        return cnn.train(
            model,
            data,
            epochs=epochs,
            batch_size=settings["batch_size"],
            validation_split=settings["validation_split"],
            initial_epoch=initial_epoch,
            history=history,
            progress=report,
            should_stop=lambda: bool(st.session_state.get(TRAIN_STOP_REQUESTED)),
            progress_every=max(1, batches_per_epoch // PROGRESS_CALLS_PER_EPOCH),
            schedule="cosine" if settings.get("cosine") else "constant",
            warmup_fraction=WARMUP_FRACTION,
            augment=bool(settings.get("augment")),
        )


def evaluate_into(run: dict, data) -> None:
    """Test-set results of `run["model"]`, kept in `run` (the digits too, not only indexes)."""
    with st.spinner(t("train.evaluating")):
        evaluation = cnn.evaluate(run["model"], data)
    mistakes = evaluation.misclassified.head(MISTAKES_SHOWN)
    run["evaluation"] = evaluation
    run["mistakes"] = {
        "images": np.asarray(data.x_test[mistakes["index"].to_numpy()]),
        "true": mistakes["true"].to_list(),
        "predicted": mistakes["predicted"].to_list(),
    }


def run_cnn(run: dict, data, *, initial_epoch: int) -> None:
    """Train the session's CNN from `initial_epoch` to `run["epochs"]`, then test it."""
    run["status"] = "running"
    try:
        run["history"] = train_live(
            run["model"],
            data,
            run,
            epochs=run["epochs"],
            initial_epoch=initial_epoch,
            history=run["history"],
            keep=lambda history: run.__setitem__("history", history),
        )
        if st.session_state.get(TRAIN_STOP_REQUESTED):
            return  # stopped cleanly by should_stop: "finally" records it
        evaluate_into(run, data)
        run["status"] = "done"
        set_model_source("session")
    finally:
        if run["status"] == "running":
            run["status"] = "stopped"


def run_mlp(cnn_run: dict, data) -> None:
    """Train the seed's MLP baseline with the CNN's epochs, batch size and split, then test it."""
    model = cnn.build_mlp()
    settings = {
        "batch_size": cnn_run.get("batch_size", 200),
        "validation_split": cnn_run.get("validation_split", 0.2),
        "cosine": False,
        # The same digits as the CNN saw, so the comparison stays fair.
        "augment": cnn_run.get("augment", False),
    }
    run = {"model": model, "history": cnn.empty_history(), "status": "running", **settings}
    run["epochs"] = max(1, len(cnn_run["history"]["loss"]))
    st.session_state[MLP] = run
    try:
        run["history"] = train_live(
            model,
            data,
            settings,
            epochs=run["epochs"],
            initial_epoch=0,
            history=None,
            keep=lambda history: run.__setitem__("history", history),
        )
        if not st.session_state.get(TRAIN_STOP_REQUESTED):
            evaluate_into(run, data)
            run["status"] = "done"
    finally:
        if run["status"] != "done":
            st.session_state.pop(MLP, None)  # half a baseline compares nothing


def last(history: dict, key: str) -> float:
    values = history.get(key) or [float("nan")]
    return float(values[-1])


# --- the page --------------------------------------------------------------------------------
ensure_frame()
st.title(t("nav.training"))
st.caption(t("train.intro"))
data = require_dataset()

action = st.session_state.pop(TRAIN_ACTION, None)
busy = action is not None
trained = st.session_state.get(TRAINED)
if trained is not None and trained.get("status") == "running":
    # Only the run that trains can be running; this one is not, so it was interrupted.
    trained["status"] = "stopped"

# Architecture from the Architecture page.
config = st.session_state.get(MODEL_CONFIG) or cnn.ModelConfig()
with st.container(border=True):
    st.markdown(t("train.architecture", summary=describe(config)))
    st.caption(t("train.params", params=f"{cnn.count_params(config):,}"))
    st.page_link(
        "pages/architecture.py",
        label=t("train.change_architecture"),
        icon=":material/account_tree:",
    )

# Hyperparameters: widget values are mirrored in TRAIN_SETTINGS, which outlives the widgets.
settings = st.session_state.setdefault(TRAIN_SETTINGS, preset_settings("seed"))
for name, widget_key in WIDGET_KEYS.items():
    if widget_key not in st.session_state:
        st.session_state[widget_key] = settings.get(name, preset_settings("seed")[name])

st.subheader(t("train.settings"))
# Labels fixed now, not looked up in format_func (AppTest calls it outside the run).
preset_labels = {name: t(f"train.preset_{name}") for name in cnn.PRESETS}
st.segmented_control(
    t("train.preset"),
    list(cnn.PRESETS),
    format_func=preset_labels.__getitem__,
    required=True,
    key=WIDGET_KEYS["preset"],
    on_change=apply_preset,
)
st.caption(t(f"train.preset_{st.session_state[WIDGET_KEYS['preset']]}_help"))
left, middle, right = st.columns(3)
with left:
    st.slider(t("train.epochs"), 1, MAX_EPOCHS, key=WIDGET_KEYS["epochs"])
    st.select_slider(t("train.batch_size"), BATCH_SIZES, key=WIDGET_KEYS["batch_size"])
with middle:
    st.slider(
        t("train.validation_split"),
        *VALIDATION_SPLIT_RANGE,
        step=0.05,
        format="%.2f",
        key=WIDGET_KEYS["validation_split"],
        help=t("train.validation_split_help"),
    )
    st.selectbox(t("train.optimizer"), OPTIMIZERS, key=WIDGET_KEYS["optimizer"])
with right:
    st.select_slider(
        t("train.learning_rate"),
        LEARNING_RATES,
        format_func=lambda rate: f"{rate:g}",
        key=WIDGET_KEYS["learning_rate"],
    )
    st.toggle(t("train.cosine"), key=WIDGET_KEYS["cosine"], help=t("train.cosine_help"))
    st.toggle(t("train.augment"), key=WIDGET_KEYS["augment"], help=t("train.augment_help"))
    st.toggle(
        t("train.mixed_precision"),
        key=WIDGET_KEYS["mixed_precision"],
        help=t("train.mixed_precision_help"),
    )
settings.update({name: st.session_state[key] for name, key in WIDGET_KEYS.items()})

stopped = trained is not None and trained.get("status") == "stopped"
with st.container(horizontal=True, vertical_alignment="center"):
    st.button(
        t("train.start"),
        key="train_start",
        type="primary",
        icon=":material/play_arrow:",
        on_click=request,
        args=("train",),
        disabled=busy,
    )
    if stopped:
        done_epochs = len(trained["history"]["loss"])
        st.button(
            t("train.continue", epochs=max(trained["epochs"], done_epochs + 1)),
            key="train_continue",
            icon=":material/resume:",
            on_click=request,
            args=("continue",),
            disabled=busy,
        )
    if data.is_sample:
        st.caption(t("train.sample_note"))

if action is not None:
    # The live view takes the place of the results below (an empty slot replaces the old
    # results at once instead of leaving them greyed out under the training).
    with st.empty().container():
        try:
            if action == "train":
                mixed = bool(settings["mixed_precision"] and cnn.cpu_has_native_bf16())
                run_config = config.with_changes(
                    optimizer=settings["optimizer"],
                    learning_rate=settings["learning_rate"],
                    mixed_precision=mixed,
                )
                # Build first: a rerun while building must not leave a half-built model.
                model = cnn.build_model(run_config)
                st.session_state.pop(MLP, None)
                trained = {
                    "model": model,
                    "config": run_config,
                    "history": cnn.empty_history(),
                    "status": "running",
                    "epochs": settings["epochs"],
                    "batch_size": settings["batch_size"],
                    "validation_split": settings["validation_split"],
                    "cosine": settings["cosine"],
                    "augment": settings["augment"],
                    "evaluation": None,
                    "data": data,  # a reference to the shared cached dataset, not a copy
                }
                st.session_state[TRAINED] = trained
                cnn.release_memory()  # the replaced model and its MLP baseline
                run_cnn(trained, data, initial_epoch=0)
            elif action == "continue" and stopped:
                # A run kept from elsewhere may lack settings: the course's then.
                for name in ("batch_size", "validation_split", "cosine", "augment"):
                    trained.setdefault(name, preset_settings("seed")[name])
                done_epochs = len(trained["history"]["loss"])
                trained["epochs"] = max(trained["epochs"], done_epochs + 1)
                run_cnn(trained, data, initial_epoch=done_epochs)
            elif action == "mlp" and trained is not None and trained.get("status") == "done":
                run_mlp(trained, data)
        except ValueError as error:
            st.error(t("train.invalid", error=error))
            st.stop()
        except Exception as error:  # TensorFlow raises many kinds; none should be a traceback
            st.error(t("error.unexpected", error=error))
            st.stop()
    st.rerun()

with st.container():
    if trained is None:
        st.info(t("train.not_trained"), icon=":material/model_training:")
    else:
        history = trained["history"]
        done_epochs = len(history["loss"])
        if trained.get("status") == "stopped":
            st.warning(
                t("train.stopped", done=done_epochs, epochs=trained["epochs"]),
                icon=":material/pause_circle:",
            )
        if done_epochs:
            st.subheader(t("train.history"))
            st.plotly_chart(history_figure(history), key="train_history", alt=t("train.chart_alt"))
            seconds = sum(history.get("epoch_seconds") or [])
            run_config = trained.get("config") or config
            st.caption(
                t(
                    "train.timing",
                    total=duration(seconds),
                    per_epoch=duration(seconds / done_epochs),
                    precision=t(
                        "train.precision_bf16"
                        if run_config.mixed_precision
                        else "train.precision_fp32"
                    ),
                    data=data_description(trained.get("data", data)),
                )
            )

        evaluation = trained.get("evaluation")
        if trained.get("status") == "done" and evaluation is not None:
            st.subheader(t("train.test_results"))
            accuracy_column, loss_column, epochs_column = st.columns(3)
            accuracy_column.metric(
                t("train.test_accuracy"), f"{evaluation.accuracy:.2%}", border=True
            )
            loss_column.metric(t("train.test_loss"), f"{evaluation.loss:.4f}", border=True)
            epochs_column.metric(t("train.epochs_trained"), done_epochs, border=True)
            st.caption(
                t("train.seed_print", values=f"[{evaluation.loss:.4f}, {evaluation.accuracy:.4f}]")
            )

            with st.container(horizontal=True, vertical_alignment="center"):
                if st.session_state.get(MODEL_SOURCE) == "session":
                    st.success(t("train.predict_uses"), icon=":material/check_circle:")
                st.page_link(
                    "pages/predict.py", label=t("train.go_predict"), icon=":material/draw:"
                )
                model = trained["model"]
                st.download_button(
                    t("train.download"),
                    data=lambda model=model: cnn.save_model_bytes(model),
                    file_name="cnn_lab_model.keras",
                    mime="application/zip",
                    key="train_download",
                    on_click="ignore",
                    icon=":material/download:",
                )

            matrix_column, mistakes_column = st.columns(2)
            with matrix_column:
                st.markdown(f"**{t('train.confusion')}**")
                st.caption(t("train.confusion_help"))
                confusion = charts.confusion_matrix_figure(
                    evaluation.confusion,
                    x_title=t("train.predicted_digit"),
                    y_title=t("train.true_digit"),
                )
                confusion.update_xaxes(dtick=1).update_yaxes(dtick=1)  # label every digit
                st.plotly_chart(
                    confusion,
                    key="train_confusion",
                    alt=t("train.confusion"),
                )
            with mistakes_column:
                mistakes = trained.get("mistakes") or {}
                st.markdown(f"**{t('train.mistakes', count=len(evaluation.misclassified))}**")
                if mistakes.get("true"):
                    st.caption(t("train.mistakes_help"))
                    st.plotly_chart(
                        charts.digit_grid_figure(
                            mistakes["images"],
                            [
                                f"{true}→{predicted}"
                                for true, predicted in zip(
                                    mistakes["true"], mistakes["predicted"], strict=True
                                )
                            ],
                            columns=5,
                        ),
                        key="train_mistakes",
                        alt=t("train.mistakes_alt"),
                    )
                else:
                    st.caption(t("train.no_mistakes"))

            st.subheader(t("train.compare_title"))
            st.caption(t("train.compare_intro"))
            mlp = st.session_state.get(MLP)
            if mlp is None or mlp.get("status") != "done":
                st.button(
                    t("train.compare", epochs=done_epochs),
                    key="train_compare_mlp",
                    icon=":material/compare_arrows:",
                    on_click=request,
                    args=("mlp",),
                )
            else:
                st.plotly_chart(
                    history_figure({"CNN": history, "MLP": mlp["history"]}),
                    key="train_compare_chart",
                    alt=t("train.compare_alt"),
                )
                rows = []
                for name, run in (("CNN", trained), ("MLP", mlp)):
                    train_accuracy = last(run["history"], "accuracy")
                    validation_accuracy = last(run["history"], "val_accuracy")
                    rows.append(
                        {
                            t("train.column_model"): name,
                            t("train.column_params"): int(run["model"].count_params()),
                            t("train.column_test_accuracy"): run["evaluation"].accuracy,
                            t("train.column_train_accuracy"): train_accuracy,
                            t("train.column_validation_accuracy"): validation_accuracy,
                            t("train.column_gap"): train_accuracy - validation_accuracy,
                        }
                    )
                percent = st.column_config.NumberColumn(format="%.2f%%")
                table = pd.DataFrame(rows)
                for column in table.columns[2:]:
                    table[column] = table[column] * 100
                st.dataframe(
                    table,
                    hide_index=True,
                    key="train_compare_table",
                    column_config={
                        t("train.column_params"): st.column_config.NumberColumn(format="localized"),
                        **{column: percent for column in table.columns[2:]},
                    },
                    alt=t("train.compare_table_alt"),
                )
                st.caption(t("train.gap_help"))
