"""The class board in the app: who this session is on it, the board it joined, its errors in
the chosen language (`ui.errors`), and the two buttons other pages show (add a digit on
Predict, submit a model on Training). Storage is `classroom`'s; scoring is `cnn`'s, in NumPy.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import streamlit as st

import classroom
import cnn
from ui import keys
from ui.data_state import dataset
from ui.deployment import class_settings
from ui.errors import error_text
from ui.models import session_model
from ui.text import t

CLASS_PAGE = "pages/classroom.py"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def escape(text: str) -> str:
    """`text` shown as itself in Markdown: every character Markdown or HTML would act on is
    escaped (a nickname is never rendered as a link, a heading or a tag)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def member() -> dict | None:
    """`{"nickname", "class_code", "token"}` once this browser joined, else None. The token is
    the board's proof that the nickname is this browser's (`classroom.Board.claim`); the
    page's link keeps it (`ui.class_link`), so a reload keeps the student."""
    return st.session_state.get(keys.CLASS_MEMBER)


def become(nickname: str, class_code: str, token: str) -> None:
    """This session is the student `nickname` of `class_code` from now on."""
    st.session_state[keys.CLASS_MEMBER] = {
        "nickname": nickname,
        "class_code": class_code,
        "token": token,
    }
    # Kept for the session, so that leaving and joining again under the same nickname works.
    st.session_state.setdefault(keys.CLASS_TOKENS, {})[(class_code, nickname)] = token


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


def class_training_allowed() -> bool | None:
    """Whether this session may train on its class's digits (the teacher's switch): None when
    it has not joined a class, or its board cannot be read (the Training page then offers
    nothing of the class's), else the board's switch."""
    board, _ = joined_board()
    if board is None:
        return None
    try:
        return board.class_training_allowed()
    except classroom.ClassroomError:
        return None


def join(nickname: str, class_code: str | None) -> str | None:
    """Claim a nickname on the board: None when joined, else why not (nothing kept). A
    nickname another browser claimed is refused; this session's own earlier one is taken up
    again with its token."""
    try:
        board = open_class_board(class_code)
        name = classroom.validation.nickname(nickname)
        known = st.session_state.get(keys.CLASS_TOKENS, {}).get((board.class_code, name))
        student = board.claim(name, known)
    except (classroom.ClassroomError, ValueError) as error:
        return error_text(error)
    become(student.nickname, board.class_code, student.token)
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
        board.add_digit(member()["token"], member()["nickname"], pixels, label)
    except (classroom.ClassroomError, ValueError, TypeError) as error:
        _notice("error", error_text(error))
        return
    _notice("ok", t("class.added", label=int(label)))


def follow_digit(label_key: str, image: np.ndarray, default: int | None) -> None:
    """Put `default` in the label box `label_key` whenever the digit is a new one (another
    image, or another default for it: a new prediction); call it before the box is drawn.
    What the student chose stays for the digit it was chosen for.

    A keyed selectbox keeps its value across reruns and ignores a changed `index=`, so the
    default goes into session state; the box is drawn without `index=`.
    """
    pixels = np.ascontiguousarray(image)
    digest = hashlib.blake2b(pixels.tobytes(), digest_size=16)
    digest.update(f"{pixels.shape} {pixels.dtype} {default}".encode())
    shown_key = f"{label_key}_digit"  # which digit the box's value is for
    if st.session_state.get(shown_key) != digest.hexdigest() or label_key not in st.session_state:
        st.session_state[label_key] = default
        st.session_state[shown_key] = digest.hexdigest()


def add_shown_digit(image: np.ndarray, label_key: str) -> None:
    """The Add button's callback: `image`, the digit shown with the button, with the label
    the box shows when Add is clicked. The click carries the box's value into session state;
    a label passed in `args` would be the one of the last run that drew the button."""
    add_digit(image, st.session_state.get(label_key))


def show_add_digit(image: np.ndarray, default: int, key: str) -> None:
    """Predict page, after a prediction: "Add to the class's digits" with the digit meant,
    `default` (the prediction, or the true label when known) until the student changes it."""
    with st.container(border=True, key=f"{key}_class"):
        st.markdown(f"**{t('class.add_title')}**")
        if member() is None:
            show_join_hint()
            return
        label_key = f"{key}_label"
        follow_digit(label_key, image, int(default))
        with st.container(horizontal=True, vertical_alignment="bottom"):
            st.selectbox(t("class.meant"), list(range(10)), key=label_key)
            st.button(
                t("class.add"),
                key=f"{key}_add",
                icon=":material/add_photo_alternate:",
                on_click=add_shown_digit,
                args=(image, label_key),
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
    token, nickname = member()["token"], member()["nickname"]
    try:
        model = session_model(run) if kind == "cnn" else cnn.as_numpy_model(run.model)
        fingerprint = model.fingerprint()
        # Before scoring (0.5 s of the server's CPU, more with many class digits): a refusal
        # costs nothing, and weights already on the board are not scored again.
        existing = board.check_submit(token, nickname, fingerprint)
        if existing is not None:
            st.session_state.setdefault(keys.CLASS_MY_ENTRIES, set()).add(existing)
            _notice("ok", t("class.already_submitted"))
            return
        with st.spinner(t("class.scoring")):
            test_accuracy, class_accuracy = score(model, board.class_digits_array())
        entry = board.submit_entry(
            token,
            nickname,
            weights_hash=fingerprint,
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
