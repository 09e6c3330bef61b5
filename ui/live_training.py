"""The live view of a training: its place in the queue and the wait, a Stop button, a
progress bar with the ETA, and the accuracy and loss charts redrawn as it learns.

A training runs inside the script run its button started. Any click while it runs makes
Streamlit rerun, which raises inside the progress hook: `cnn.continue_training` then records
the run as STOPPED (the weights change in place, so nothing learnt is lost) and Continue
resumes it.
"""

from __future__ import annotations

import time

import streamlit as st

import cnn
from cnn.training.concurrency import TRAINING_QUEUE
from ui import charts, keys
from ui.data_state import data_description
from ui.text import duration, t

# Within an epoch the live view changes at most this often (and always at an epoch's end).
# Every change is a message the browser re-renders the page for (~20 ms of a 2-core
# machine's CPU each, measured in Chromium): a bar moved on each progress report (8-10 a
# second in a quick run) would cost the student's device about a fifth of a core.
BAR_SECONDS = 0.5
REDRAW_SECONDS = 1.0  # the charts


class LivePace:
    """Says when the live view's progress bar and charts are due to change: each at most
    once per its interval (`BAR_SECONDS`, `REDRAW_SECONDS`), both at every epoch's end.

    Example:
        >>> pace = LivePace()
        >>> pace.due("bar", now=10.0), pace.due("bar", now=10.2), pace.due("bar", now=10.5)
        (True, False, True)
    """

    INTERVALS = {"bar": BAR_SECONDS, "chart": REDRAW_SECONDS}

    def __init__(self) -> None:
        self.last: dict[str, float] = {}
        self.changes = dict.fromkeys(self.INTERVALS, 0)

    def due(self, part: str, now: float, epoch_end: bool = False) -> bool:
        """Whether `part` ("bar" or "chart") changes now; if so, counts it as changed."""
        last = self.last.get(part)
        if epoch_end or last is None or now - last >= self.INTERVALS[part]:
            self.last[part] = now
            self.changes[part] += 1
            return True
        return False


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
    pace = LivePace()

    def on_wait(place: int) -> None:
        waiting.info(waiting_text(place), icon=":material/hourglass_top:")

    def report(progress: cnn.TrainingProgress) -> None:
        hold.expect(progress.eta_seconds)  # for the estimates of those waiting
        now = time.monotonic()
        if pace.due("bar", now, progress.epoch_end):
            bar.progress(progress.fraction, text=progress_text(progress))
        if pace.due("chart", now, progress.epoch_end):
            shown = progress.history
            if not progress.epoch_end:
                shown = cnn.with_running_point(progress.history, progress.logs)
            chart.plotly_chart(
                history_figure(shown),
                key=f"train_live_chart_{pace.changes['chart']}",
                alt=t("train.chart_alt"),
            )

    with TRAINING_QUEUE.slot(on_wait=on_wait) as hold:
        waiting.empty()
        cnn.continue_training(run, progress=report, should_stop=stop_requested)
        if run.status is not cnn.RunStatus.DONE:
            hold.discard()  # stopped early: its time says little about the next training's


def show_history(run: cnn.TrainingRun) -> None:
    """Accuracy and loss per epoch, and how long it took."""
    if run.status is cnn.RunStatus.STOPPED:
        stopped = t("train.stopped", done=run.epochs_done, epochs=run.recipe.epochs)
        st.warning(stopped, icon=":material/pause_circle:")
    if not run.epochs_done:
        return
    st.subheader(t("train.history"))
    st.plotly_chart(history_figure(run.history), key="train_history", alt=t("train.chart_alt"))
    precision = "train.precision_bf16" if run.recipe.mixed_precision else "train.precision_fp32"
    st.caption(
        t(
            "train.timing",
            total=duration(run.seconds),
            per_epoch=duration(run.seconds / run.epochs_done),
            precision=t(precision),
            data=data_description(run.data),
        )
    )


def waiting_text(place: int) -> str:
    """The place in line, and about how long the wait is once a training has been timed."""
    wait = TRAINING_QUEUE.estimated_wait(place)
    if wait is None or wait < 1:  # nothing measured yet, or a slot frees any moment
        return t("train.waiting", place=place)
    return t("train.waiting_eta", place=place, wait=duration(wait))
