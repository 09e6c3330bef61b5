"""The live view of a training: its place in the queue, a Stop button, a progress bar with
the ETA, and the accuracy and loss charts redrawn as it learns.

A training runs inside the script run its button started. Any click while it runs makes
Streamlit rerun, which raises inside the progress hook: `cnn.continue_training` then records
the run as STOPPED (the weights change in place, so nothing learnt is lost) and Continue
resumes it.
"""

from __future__ import annotations

import time

import streamlit as st

import cnn
from cnn import charts
from cnn.concurrency import TRAINING_QUEUE
from ui import keys
from ui.state import duration, t

REDRAW_SECONDS = 1.0  # live charts are redrawn at most this often within an epoch


def request_training(action: str) -> None:
    """A button's callback: start "train", "continue" or "mlp" on the page's next run."""
    st.session_state[keys.TRAIN_ACTION] = action


def request_stop() -> None:
    st.session_state[keys.TRAIN_STOP_REQUESTED] = True


def stop_requested() -> bool:
    return bool(st.session_state.get(keys.TRAIN_STOP_REQUESTED))


def history_figure(histories: dict):
    """The accuracy and loss chart, its texts in the chosen language."""
    return charts.training_history_figure(
        histories,
        accuracy_title=t("train.chart_accuracy"),
        loss_title=t("train.chart_loss"),
        epoch_title=t("train.chart_epoch"),
        train_label=t("train.chart_train"),
        validation_label=t("train.chart_validation"),
    )


def progress_text(progress: cnn.TrainingProgress) -> str:
    """e.g. "Epoch 2 of 10 · batch 120 of 240 · about 1 min 05 s left · loss 0.0812 ..."."""
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


def train_live(run: cnn.TrainingRun) -> None:
    """Train `run` on (to `run.continue_to` epochs) in one of the server's training slots,
    showing the queue, a Stop button, a progress bar and live charts."""
    st.session_state[keys.TRAIN_STOP_REQUESTED] = False
    st.button(t("train.stop"), key="train_stop", icon=":material/stop:", on_click=request_stop)
    waiting = st.empty()
    bar = st.progress(0.0, text=t("train.starting"))
    chart = st.empty()
    drawn = {"at": 0.0, "count": 0}

    def on_wait(place: int) -> None:
        waiting.info(t("train.waiting", place=place), icon=":material/hourglass_top:")

    def report(progress: cnn.TrainingProgress) -> None:
        bar.progress(progress.fraction, text=progress_text(progress))
        now = time.monotonic()
        if progress.epoch_end or now - drawn["at"] >= REDRAW_SECONDS:
            shown = progress.history
            if not progress.epoch_end:
                shown = cnn.with_running_point(progress.history, progress.logs)
            drawn["count"] += 1
            chart.plotly_chart(
                history_figure(shown),
                key=f"train_live_chart_{drawn['count']}",
                alt=t("train.chart_alt"),
            )
            drawn["at"] = now

    with TRAINING_QUEUE.slot(on_wait=on_wait):
        waiting.empty()
        cnn.continue_training(run, progress=report, should_stop=stop_requested)
