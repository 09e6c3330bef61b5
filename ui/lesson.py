"""The Lesson page's parts: the student's seed, each step's text and live example, its check
(a hint after a wrong try, the worked solution after two) and the progress kept in the
session. The checks themselves, and their answers, are `cnn.lesson`'s."""

from __future__ import annotations

import secrets
import time

import streamlit as st

import cnn
from cnn import lesson
from ui import keys
from ui.classboard import joined_board, member
from ui.errors import error_text
from ui.lesson_examples import show_example
from ui.models import session_run
from ui.network_view import current_network
from ui.text import t
from ui.training_results import show_keras_code
from ui.widgets import kept

TRAINED_ENOUGH = 0.97  # the last step's doing: a model of this session tests at least this well


def student_seed() -> int:
    """The seed of this student's variants: from the class nickname when joined (the same
    questions on every visit), else one drawn for this session."""
    owner = _owner()
    if owner:
        return lesson.student_seed(owner)
    return st.session_state.setdefault(keys.LESSON_SEED, secrets.randbits(32))


def progress() -> dict[str, lesson.StepProgress]:
    """Each step's progress: in the session; for a student of a class, read once from the
    class board (a reload or another device keeps it) and written back with every answer.
    Whose it is counts: a student who joins (or leaves) a class mid-session gets that
    student's questions, so that student's progress, not the tries of the questions before."""
    owner = _owner()
    if (
        keys.LESSON_PROGRESS not in st.session_state
        or st.session_state.get(keys.LESSON_OWNER) != owner
    ):
        st.session_state[keys.LESSON_PROGRESS] = _stored_progress()
        st.session_state[keys.LESSON_OWNER] = owner
    return st.session_state[keys.LESSON_PROGRESS]


def _owner() -> str:
    """Whose progress the session holds: the class student's name, or "" outside a class."""
    joined = member()
    return "" if joined is None else f"{joined['class_code']}/{joined['nickname']}"


def _stored_progress() -> dict[str, lesson.StepProgress]:
    board, joined = _board()
    if board is None:
        return {}
    try:
        rows = board.student_progress(joined["token"], joined["nickname"])
    except Exception:  # a board that cannot be read: the session's progress only
        return {}
    return {
        step: lesson.StepProgress(
            int(row["tries"]), bool(row["solved"]), row["started_at"], row["finished_at"]
        )
        for step, row in rows.items()
        if step in lesson.STEPS
    }


def _board():
    """The class board and this student's membership, or (None, None) outside a class."""
    joined = member()
    if joined is None:
        return None, None
    board, _ = joined_board()
    return board, joined


def _record_answer(step: str, right: bool) -> None:
    """One answer to `step`: counted in the session, and on the class board when joined."""
    progress().setdefault(step, lesson.StepProgress()).record(right, time.time())
    board, joined = _board()
    if board is None:
        return
    try:
        board.record_answer(joined["token"], joined["nickname"], step, right)
    except Exception as error:  # the session keeps it; the student is told why the board did not
        st.session_state[keys.LESSON_BOARD_ERROR] = error_text(error)


def show_progress() -> None:
    error = st.session_state.pop(keys.LESSON_BOARD_ERROR, None)
    if error:
        st.warning(error, icon=":material/cloud_off:")
    solved = sum(step.solved for step in progress().values())
    total = len(lesson.STEPS)
    st.progress(solved / total, text=t("lesson.progress", solved=solved, total=total))


def choose_step() -> str:
    """The step picker: numbers, a tick on the solved ones; the step is kept in the session
    (`keys.LESSON_STEP`), so a student who follows "Try it in the app" comes back to it."""
    done = progress()
    labels = {
        step: f"{number}{' ✓' if done.get(step, lesson.StepProgress()).solved else ''}"
        for number, step in enumerate(lesson.STEPS, start=1)
    }
    if st.session_state.get(keys.LESSON_STEP) not in lesson.STEPS:
        st.session_state[keys.LESSON_STEP] = lesson.STEPS[0]
    st.segmented_control(
        t("lesson.step_picker"),
        lesson.STEPS,
        format_func=labels.__getitem__,
        required=True,
        label_visibility="collapsed",
        **kept("lesson_step_picker", keys.LESSON_STEP),
    )
    return st.session_state[keys.LESSON_STEP]


def show_step(step: str) -> None:
    number = lesson.STEPS.index(step) + 1
    st.subheader(
        t(
            "lesson.step_label",
            number=number,
            total=len(lesson.STEPS),
            title=t(f"lesson.{step}_title"),
        )
    )
    check = lesson.check_for(step, student_seed())
    values = {**check.values, "answer": _shown(check.answer)}
    st.markdown(t(f"lesson.{step}_text", **values))
    read = show_example(step)
    if step == "predict":
        if read is not None:
            remember_drawn_digit(read)
        show_drawing_done(check, values)
    else:
        show_check(step, check, values)
    if step == "testing":
        show_training_done()
    show_keras_code(students_recipe())


def remember_drawn_digit(digit: int) -> None:
    """A drawing (on the Predict page or the last step's canvas) was read as `digit`: the
    last step checks it."""
    st.session_state.setdefault(keys.LESSON_DRAWN, set()).add(int(digit))


def show_drawing_done(check: lesson.Check, values: dict) -> None:
    """The last step is done, not answered: a drawing of the student's digit, read right."""
    st.markdown(f"**{t('lesson.predict_question', **values)}**")
    record = progress().setdefault("predict", lesson.StepProgress())
    if not record.solved and check.answer in st.session_state.get(keys.LESSON_DRAWN, set()):
        _record_answer("predict", True)
        st.rerun()  # the progress bar and the picker's tick, drawn above, show it at once
    if record.solved:
        st.success(t("lesson.right"), icon=":material/check_circle:")


def students_recipe() -> cnn.TrainingRecipe:
    """What this student set: the session's training recipe when there is one, else the
    course's, for the network of the Architecture page."""
    run = session_run()
    if run is not None:
        return run.recipe
    return cnn.PRESETS["course"].with_model(current_network())


def show_training_done() -> None:
    """The doing part of the last step: a model trained in this session, tested."""
    run = session_run()
    evaluation = None if run is None else run.evaluation
    if evaluation is not None and evaluation.accuracy >= TRAINED_ENOUGH:
        st.success(
            t("lesson.trained", accuracy=f"{evaluation.accuracy:.2%}"),
            icon=":material/check_circle:",
        )
    else:
        st.info(
            t("lesson.train_first", needed=f"{TRAINED_ENOUGH:.0%}"),
            icon=":material/model_training:",
        )
        st.page_link("pages/training.py", label=t("nav.training"), icon=":material/arrow_forward:")


def _shown(answer) -> str:
    if isinstance(answer, str):
        return t(f"lesson.choice_{answer}")
    return f"{answer:g}" if isinstance(answer, float) else str(answer)


def show_check(step: str, check: lesson.Check, values: dict) -> None:
    """The question, an answer box and Check; then right, or a hint and the solution."""
    st.markdown(f"**{t(f'lesson.{step}_question', **values)}**")
    for grid in (values[name] for name in ("window", "kernel", "patch") if name in values):
        st.code(grid, language=None)
    record = progress().setdefault(step, lesson.StepProgress())
    with st.form(key=f"lesson_form_{step}"):
        if check.choices:
            st.radio(
                t("lesson.answer"),
                check.choices,
                # The labels of this run's language, fixed now (not looked up later).
                format_func={choice: t(f"lesson.choice_{choice}") for choice in check.choices}.get,
                index=None,
                key=f"lesson_answer_{step}",
            )
        else:
            st.number_input(
                t("lesson.answer"), value=None, step=1.0, format="%g", key=f"lesson_answer_{step}"
            )
        st.form_submit_button(
            t("lesson.check"), disabled=record.solved, on_click=_record, args=(step, check)
        )
    if record.solved:
        st.success(t("lesson.right"), icon=":material/check_circle:")
        return
    if record.tries:
        st.warning(t("lesson.wrong"), icon=":material/replay:")
    if record.shows_hint():
        st.info(f"**{t('lesson.hint')}:** {t(f'lesson.{step}_hint', **values)}")
    if record.shows_solution():
        st.info(f"**{t('lesson.solution')}:** {t(f'lesson.{step}_solution', **values)}")


def _record(step: str, check: lesson.Check) -> None:
    """Check's callback: the answer in the form, right or wrong, counted."""
    given = st.session_state.get(f"lesson_answer_{step}")
    _record_answer(step, given is not None and check.is_right(given))


def show_step_buttons(step: str) -> None:
    """Previous and Next."""
    index = lesson.STEPS.index(step)

    def go(to: int) -> None:
        st.session_state[keys.LESSON_STEP] = lesson.STEPS[to]

    with st.container(horizontal=True):
        st.button(
            t("lesson.previous"),
            key="lesson_previous",
            disabled=index == 0,
            on_click=go,
            args=(max(0, index - 1),),
            icon=":material/arrow_back:",
        )
        st.button(
            t("lesson.next"),
            key="lesson_next",
            disabled=index == len(lesson.STEPS) - 1,
            on_click=go,
            args=(min(len(lesson.STEPS) - 1, index + 1),),
            icon=":material/arrow_forward:",
        )
