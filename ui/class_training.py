"""The Training page's option to learn from the class's own digits, and what it changed.

In class mode, when the teacher allows it and the class has drawn enough digits, a training
can learn from half of them (`cnn.class_digits`); the other half is held out. After the
training the page compares, on those held-out digits only, the shipped model (trained on
MNIST and 30 more writers' digits on paper) with the one just trained, next to MNIST's test
accuracy: the lesson of domain shift, and of its fix.
"""

from __future__ import annotations

import streamlit as st

import cnn
from cnn import class_digits
from ui import charts, keys
from ui.classboard import class_training_allowed, joined_board
from ui.models import session_model, shipped_model
from ui.text import t
from ui.widgets import kept

FIXED_SHOWN = 20  # held-out digits shown that the new model reads right and the shipped did not


def _class_digits() -> tuple | None:
    """The joined class's digits (x, y), or None when the board cannot be read. The caller
    has checked that the teacher allows training on them."""
    board, _ = joined_board()
    if board is None:
        return None
    try:
        return board.class_digits_array()
    except Exception:  # a board that cannot be read offers nothing, and breaks nothing
        return None


def show_class_digits_option() -> None:
    """The toggle, or why there is none (forbidden by the teacher, or too few digits)."""
    allowed = class_training_allowed()
    if allowed is None:
        return
    if not allowed:
        st.caption(t("train.class_digits_forbidden"))
        return
    digits = _class_digits()
    count = 0 if digits is None else len(digits[0])
    if count < class_digits.MIN_CLASS_DIGITS:
        st.caption(
            t("train.class_digits_too_few", count=count, needed=class_digits.MIN_CLASS_DIGITS)
        )
        return
    st.toggle(
        t("train.class_digits", count=count),
        help=t("train.class_digits_help", share=round(100 * class_digits.WEIGHT)),
        **kept("train_class_digits", keys.CLASS_DIGITS_ON, False),
    )


def with_class_share(data: cnn.Dataset) -> tuple[cnn.Dataset, class_digits.ClassDigits | None]:
    """`data` with the class's training share added when the toggle is on (and still
    allowed), and the split; else `data` unchanged and None."""
    if not st.session_state.get(keys.CLASS_DIGITS_ON) or not class_training_allowed():
        return data, None
    digits = _class_digits()
    if digits is None or len(digits[0]) < class_digits.MIN_CLASS_DIGITS:
        return data, None
    split = class_digits.split_class_digits(*digits)
    return class_digits.with_class_digits(data, split), split


def remember_split(run: cnn.TrainingRun, split: class_digits.ClassDigits | None) -> None:
    """Keep the split with the run it trained (a new run without one forgets it)."""
    if split is None:
        st.session_state.pop(keys.CLASS_DIGITS_RUN, None)
    else:
        st.session_state[keys.CLASS_DIGITS_RUN] = (run, split)


def show_class_digit_results(run: cnn.TrainingRun) -> None:
    """Before and after on the held-out class digits, MNIST's test accuracy beside them, the
    digits it now reads right, and why."""
    kept_run = st.session_state.get(keys.CLASS_DIGITS_RUN)
    if kept_run is None or kept_run[0] is not run or run.evaluation is None:
        return
    split = kept_run[1]
    result = class_digits.compare_on_held_out(shipped_model(), session_model(run), split)
    st.subheader(t("train.class_results_title"))
    st.caption(t("train.class_results_intro", held=result.count, trained=len(split.train_x)))
    before, after, mnist = st.columns(3)
    before.metric(t("train.class_before"), f"{result.before:.1%}")
    after.metric(
        t("train.class_after"), f"{result.after:.1%}", delta=f"{result.after - result.before:+.1%}"
    )
    mnist.metric(t("train.class_mnist"), f"{run.evaluation.accuracy:.2%}")
    st.info(t("train.domain_shift"), icon=":material/swap_horiz:")
    if len(result.fixed):
        st.markdown(f"**{t('train.class_fixed', count=len(result.fixed))}**")
        shown = split.held_x[result.fixed[:FIXED_SHOWN]]
        st.image(charts.digit_grid_image(shown, columns=10, scale=2))
