"""The class board in the app: who this session is on it, the board it joined, its errors in
the chosen language, and the two buttons other pages show (add a digit on Predict, submit a
model on Training). Storage is `classroom`'s; scoring is `cnn`'s NumPy engine.
"""

from __future__ import annotations

import math
import re
import uuid

import numpy as np
import pandas as pd
import streamlit as st

import classroom
import cnn
from ui import keys
from ui.deployment import class_settings, redact_settings
from ui.state import dataset, session_engine, t

CLASS_PAGE = "pages/classroom.py"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def escape(text: str) -> str:
    """`text` shown as itself in Markdown: every character Markdown or HTML would act on is
    escaped (a nickname is never rendered as a link, a heading or a tag)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def session_id() -> str:
    """This browser session's id on the board (its rate limits are per session)."""
    return st.session_state.setdefault(keys.SESSION_ID, uuid.uuid4().hex)


def member() -> dict | None:
    """`{"nickname", "class_code"}` once this session joined, else None."""
    return st.session_state.get(keys.CLASS_MEMBER)


def error_text(error: Exception) -> str:
    """Why the board refused, in the chosen language (the library's English otherwise).

    Each `reason` has a `class.error_<reason>` text, except: every `BoardUnavailableError`
    but "read_only" (e.g. "bad_url", "schema_newer") reads as "unavailable"; "bad_session"
    (a programming error) and the base classes' "invalid", "limit" and "error" fall back on
    `str(error)`, as any other error does, with the deployment's secrets (teacher password,
    database password) hidden. tests/test_class_ui.py checks this against the reasons
    `classroom` raises.
    """
    reason = getattr(error, "reason", None)
    if isinstance(error, classroom.BoardUnavailableError):
        reason = "read_only" if reason == "read_only" else "unavailable"
    details = dict(getattr(error, "details", {}))
    if "retry_after" in details:  # whole seconds, at least 1: "wait 0 s" helps nobody
        details["retry_after"] = max(1, math.ceil(details["retry_after"]))
    try:
        return t(f"class.error_{reason}", **details)
    except (KeyError, IndexError, ValueError):
        return redact_settings(error)


def open_class_board(class_code: str | None = None) -> classroom.Board:
    """The board of `class_code` with the deployment's settings.

    Raises:
        classroom.ClassroomError: a wrong class code, or the database cannot be used.
        ValueError: a deployment setting is malformed.
    """
    settings = class_settings()
    return classroom.open_board(
        settings.database_url,
        class_code=class_code,
        expected_code=settings.class_code,
        teacher_password=settings.teacher_password,
    )


def joined_board() -> tuple[classroom.Board | None, str | None]:
    """The board this session joined and None, or None and why it cannot be had (not joined
    yet: None and None)."""
    joined = member()
    if joined is None:
        return None, None
    try:
        return open_class_board(joined["class_code"]), None
    except (classroom.ClassroomError, ValueError) as error:
        return None, error_text(error)


def join(nickname: str, class_code: str | None) -> str | None:
    """Join the board: None when joined, else why not (nothing kept)."""
    try:
        board = open_class_board(class_code)
        name = board.join(nickname)
    except (classroom.ClassroomError, ValueError) as error:
        return error_text(error)
    st.session_state[keys.CLASS_MEMBER] = {"nickname": name, "class_code": board.class_code}
    return None


def leave() -> None:
    for key in (keys.CLASS_MEMBER, keys.CLASS_TEACHER, keys.CLASS_NOTICE):
        st.session_state.pop(key, None)


def _notice(kind: str, text: str) -> None:
    st.session_state[keys.CLASS_NOTICE] = (kind, text)


def show_notice() -> None:
    """What the last add or submit did (once)."""
    notice = st.session_state.pop(keys.CLASS_NOTICE, None)
    if notice is not None:
        kind, text = notice
        (st.success if kind == "ok" else st.error)(text)


def show_join_hint() -> None:
    st.caption(t("class.join_first"))
    st.page_link(CLASS_PAGE, label=t("class.go_join"), icon=":material/groups:")


def add_digit(image: np.ndarray, label: int) -> None:
    """Store the 28x28 image the model saw with the label the student meant."""
    board, problem = joined_board()
    if board is None:
        _notice("error", problem or t("class.join_first"))
        return
    try:
        # The board checks the image and the label (a digit 0-9, never coerced here).
        pixels = np.asarray(image)
        if pixels.dtype.kind in "iuf" and pixels.size and pixels.max() > 1:
            pixels = pixels / 255.0  # a test digit, 0-255
        board.add_digit(session_id(), member()["nickname"], pixels, label)
    except (classroom.ClassroomError, ValueError, TypeError) as error:
        _notice("error", error_text(error))
        return
    _notice("ok", t("class.added", label=int(label)))


def show_add_digit(image: np.ndarray, predicted: int, key: str) -> None:
    """Predict page, after a prediction: "Add to the class's digits" with the digit meant."""
    with st.container(border=True, key=f"{key}_class"):
        st.markdown(f"**{t('class.add_title')}**")
        if member() is None:
            show_join_hint()
            return
        with st.container(horizontal=True, vertical_alignment="bottom"):
            label = st.selectbox(
                t("class.meant"), list(range(10)), index=int(predicted), key=f"{key}_label"
            )
            st.button(
                t("class.add"),
                key=f"{key}_add",
                icon=":material/add_photo_alternate:",
                on_click=add_digit,
                args=(image, label),
            )
        show_notice()


def score(model, class_digits: tuple[np.ndarray, np.ndarray]) -> tuple[float, float | None]:
    """The server's own scores for a model: accuracy on the MNIST test set in use, and on
    the class's digits (None while it has none)."""
    data = dataset()
    test_accuracy = cnn.evaluate_digits(model, data.x_test, data.y_test).accuracy
    x, y = class_digits
    class_accuracy = cnn.evaluate_digits(model, x, y).accuracy if len(y) else None
    return test_accuracy, class_accuracy


def submit(run: cnn.TrainingRun, kind: str) -> None:
    """Score a trained run on the server and put it on the leaderboard."""
    board, problem = joined_board()
    if board is None:
        _notice("error", problem or t("class.join_first"))
        return
    try:
        model = session_engine(run) if kind == "cnn" else cnn.as_engine(run.model)
        with st.spinner(t("class.scoring")):
            test_accuracy, class_accuracy = score(model, board.class_digits_array())
        entry = board.submit_entry(
            session_id(),
            member()["nickname"],
            test_accuracy=test_accuracy,
            class_accuracy=class_accuracy,
            params=model.count_params(),
            epochs=run.epochs_done,
            seconds=run.seconds,
            recipe=run.recipe.settings(),
            kind=kind,
        )
    except (classroom.ClassroomError, ValueError) as error:
        _notice("error", error_text(error))
        return
    st.session_state.setdefault(keys.CLASS_MY_ENTRIES, set()).add(entry)
    _notice("ok", t("class.submitted", accuracy=f"{test_accuracy:.2%}"))


def show_submit(run: cnn.TrainingRun, mlp: cnn.TrainingRun | None) -> None:
    """Training page, after a training: "Submit to the class leaderboard" (the MLP too)."""
    with st.container(border=True, key="train_class"):
        st.markdown(f"**{t('class.submit_title')}**")
        if member() is None:
            show_join_hint()
            return
        st.caption(t("class.submit_help"))
        with st.container(horizontal=True):
            st.button(
                t("class.submit_cnn"),
                key="train_submit_cnn",
                icon=":material/leaderboard:",
                on_click=submit,
                args=(run, "cnn"),
            )
            if mlp is not None:
                st.button(
                    t("class.submit_mlp"),
                    key="train_submit_mlp",
                    on_click=submit,
                    args=(mlp, "mlp"),
                )
        show_notice()


def leaderboard_table(entries: pd.DataFrame, mine: set) -> pd.DataFrame:
    """The leaderboard as shown: translated headers, percentages, the viewer's rows marked."""
    you = t("class.you")
    return pd.DataFrame(
        {
            t("class.col_rank"): entries["rank"],
            t("class.col_name"): [
                f"★ {name} ({you})" if entry in mine else name
                for entry, name in zip(entries["id"], entries["nickname"], strict=True)
            ],
            t("class.col_kind"): entries["kind"].str.upper(),
            t("class.col_test"): [f"{value:.2%}" for value in entries["test_accuracy"]],
            t("class.col_class"): [
                "–" if pd.isna(value) else f"{value:.1%}" for value in entries["class_accuracy"]
            ],
            t("class.col_params"): [f"{value:,}" for value in entries["params"]],
            t("class.col_epochs"): entries["epochs"],
            t("class.col_seconds"): [f"{value:.0f}" for value in entries["seconds"]],
        }
    )
