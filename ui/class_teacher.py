"""The teacher's tools on the Class page, behind the teacher password: how full the board is,
whether students may train on the class's digits, the class's progress on the lesson (live,
`ui.class_progress`), the leaderboard entries by student and score, the class's digits as
thumbnails to pick and remove, clearing the board, downloading the digits. The section stays
open after an action and shows what it did."""

from __future__ import annotations

import streamlit as st

import classroom
from classroom.validation import TEACHER_PASSWORD_MAX
from ui import keys
from ui.charts import png_data_uri
from ui.class_progress import show_class_progress
from ui.errors import error_text
from ui.text import t

RECENT_DIGITS = 60  # digits shown to pick from, newest first
PER_ROW = 6
TEACHER_NOTICE = "class_teacher_notice"  # (kind, text): what the last teacher action did


def _notice(kind: str, text: str) -> None:
    st.session_state[TEACHER_NOTICE] = (kind, text)


def show_teacher_notice() -> None:
    notice = st.session_state.pop(TEACHER_NOTICE, None)
    if notice is not None:
        kind, text = notice
        (st.success if kind == "ok" else st.error)(text)


def unlock(board: classroom.Board) -> None:
    password = st.session_state.get("class_password", "")
    try:
        board.check_teacher(password)
    except classroom.ClassroomError as error:
        _notice("error", error_text(error))
        return
    st.session_state[keys.CLASS_TEACHER] = password


def teacher_action(action, *args, done: str = "class.teacher_done") -> None:
    """Run a teacher operation with the accepted password; what it did is the notice."""
    try:
        result = action(st.session_state[keys.CLASS_TEACHER], *args)
    except (classroom.ClassroomError, ValueError) as error:
        _notice("error", error_text(error))
        return
    if result is False:
        _notice("error", t("class.teacher_not_found"))
    elif isinstance(result, int) and not isinstance(result, bool):
        _notice("ok", t(done, count=result))
    else:
        _notice("ok", t(done))


PICK = "class_pick_"  # + a digit's id: its checkbox under the thumbnail


def remove_picked_digits(board: classroom.Board, shown: list[int]):
    """A teacher action: remove the digits whose checkboxes are ticked (of those shown)."""

    def remove(password: str) -> int | bool:
        picked = [digit_id for digit_id in shown if st.session_state.get(f"{PICK}{digit_id}")]
        removed = board.remove_digits(password, picked)
        for digit_id in picked:
            st.session_state.pop(f"{PICK}{digit_id}", None)
        return removed or False

    return remove


def show_capacity(board: classroom.Board) -> None:
    """How full the board is; a full one is said loudly, next to the tools that make room."""
    capacity = board.capacity()
    columns = st.columns(3)
    for column, kind in zip(columns, ("digits", "entries", "students"), strict=True):
        held, most = capacity[kind]
        column.metric(t(f"class.capacity_{kind}"), f"{held:,} / {most:,}")
    full = [kind for kind, (held, most) in capacity.items() if held >= most]
    if full:
        st.warning(
            t("class.board_full_teacher", kinds=", ".join(t(f"class.capacity_{k}") for k in full))
        )


CLASS_TRAINING = "class_training_switch"  # the toggle: students may train on class digits


def set_class_training(board: classroom.Board) -> None:
    """The toggle's callback: the board's switch as the toggle now reads; what it did is
    the notice (a refusal too: the next run shows the board's switch again)."""
    allowed = bool(st.session_state.get(CLASS_TRAINING))
    done = "class.training_allowed_done" if allowed else "class.training_forbidden_done"
    teacher_action(board.set_class_training, allowed, done=done)


def show_class_training_switch(board: classroom.Board) -> None:
    """The teacher's switch "students may train on the class's digits" (on by default).

    The toggle shows the board's switch, read at every run (another server, or another
    teacher's tab, may have changed it): the value goes into session state before the toggle
    is drawn, and the toggle is drawn without `value=`.
    """
    st.session_state[CLASS_TRAINING] = board.class_training_allowed()
    st.toggle(
        t("class.training_switch"),
        key=CLASS_TRAINING,
        on_change=set_class_training,
        args=(board,),
    )
    st.caption(t("class.training_switch_help"))


def show_entry_remover(board: classroom.Board) -> None:
    entries = board.leaderboard()
    if entries.empty:
        st.caption(t("class.no_entries_yet"))
        return
    labels = {
        int(row.id): t(
            "class.entry_label",
            rank=row.rank,
            nickname=row.nickname,
            kind=str(row.kind).upper(),
            accuracy=f"{row.test_accuracy:.2%}",
        )
        for row in entries.itertuples()
    }
    with st.container(horizontal=True, vertical_alignment="bottom"):
        entry = st.selectbox(
            t("class.remove_entry"), list(labels), format_func=labels.get, key="class_entry_id"
        )
        st.button(
            t("class.remove"), key="class_remove_entry", on_click=teacher_action,
            args=(board.remove_entry, entry), disabled=entry is None,
        )  # fmt: skip


def show_digit_remover(board: classroom.Board) -> None:
    """The newest digits as thumbnails, each with its label, author and a box to tick; the
    ticked ones are removed with one button."""
    recent = board.list_digits(limit=RECENT_DIGITS)
    st.markdown(f"**{t('class.remove_digits_title')}**")
    if not recent:
        st.caption(t("class.no_digits_yet"))
        return
    tall = len(recent) > 3 * PER_ROW  # more than three rows: a box that scrolls
    with st.container(height=320 if tall else "content", border=True, key="class_digit_picker"):
        for start in range(0, len(recent), PER_ROW):
            row = recent[start : start + PER_ROW]
            for column, digit in zip(st.columns(PER_ROW)[: len(row)], row, strict=True):
                with column:
                    st.image(png_data_uri(digit.pixels), width=42)
                    st.checkbox(
                        t("class.digit_pick", label=digit.label, nickname=digit.nickname),
                        key=f"{PICK}{digit.id}",
                    )
    st.button(
        t("class.remove_selected"), key="class_remove_digits", on_click=teacher_action,
        args=(remove_picked_digits(board, [digit.id for digit in recent]),),
        kwargs={"done": "class.digits_removed"},
    )  # fmt: skip


def show_teacher(board: classroom.Board, settings) -> None:
    """The teacher's section: the password first, then the tools."""
    if settings.teacher_password is None:
        return
    unlocked = keys.CLASS_TEACHER in st.session_state
    with st.expander(
        t("class.teacher_title"),
        icon=":material/admin_panel_settings:",
        expanded=unlocked or TEACHER_NOTICE in st.session_state,
    ):
        if not unlocked:
            longest = max(TEACHER_PASSWORD_MAX, len(settings.teacher_password))
            st.text_input(
                t("class.password"), type="password", max_chars=longest, key="class_password"
            )
            st.button(t("class.unlock"), key="class_unlock", on_click=unlock, args=(board,))
            show_teacher_notice()
            return
        show_teacher_notice()
        show_capacity(board)
        show_class_training_switch(board)
        show_class_progress(board, st.session_state[keys.CLASS_TEACHER])
        show_entry_remover(board)
        show_digit_remover(board)
        sure = st.checkbox(t("class.clear_sure"), key="class_clear_sure")
        st.button(
            t("class.clear"), key="class_clear", on_click=teacher_action,
            args=(board.clear_board,), disabled=not sure, type="primary",
        )  # fmt: skip
        st.download_button(
            t("class.download"),
            data=board.export_npz(st.session_state[keys.CLASS_TEACHER]),
            file_name="class_digits.npz",
            key="class_download",
            icon=":material/download:",
        )
