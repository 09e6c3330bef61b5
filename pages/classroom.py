"""Class: the class's own digits as a test set, and a live leaderboard of the models the class
trained, both on the class board (`classroom`, a real database), plus the teacher's tools."""

from __future__ import annotations

import streamlit as st

import classroom
import cnn
from classroom.validation import CLASS_CODE_MAX, NICKNAME_MAX
from ui import charts, keys
from ui.class_digits_view import newest_digits, show_digit_grids
from ui.class_teacher import show_teacher
from ui.classboard import (
    escape,
    join,
    joined_board,
    leaderboard_table,
    leave,
    member,
    show_notice,
)
from ui.data_state import dataset
from ui.deployment import class_settings
from ui.errors import error_text
from ui.frame import ensure_frame
from ui.models import shipped_model
from ui.photo_input import show_class_photo
from ui.text import t

ensure_frame()

REFRESH_SECONDS = 5  # the leaderboard rereads the board this often while the page is open
WRONG_SHOWN = 20


@st.cache_resource(show_spinner=False)
def shipped_test_accuracy(source: str) -> float:  # noqa: ARG001 (cache key: the data in use)
    """The shipped model's accuracy on the MNIST test set in use, once per process."""
    data = dataset()
    return cnn.evaluate_digits(shipped_model(), data.x_test, data.y_test).accuracy


def join_from_form() -> None:
    refusal = join(st.session_state.get("class_nickname", ""), st.session_state.get("class_code"))
    if refusal is not None:
        st.session_state[keys.CLASS_NOTICE] = ("error", refusal)


def show_join(settings) -> classroom.Board:
    """Join with a nickname (and the class code, when the deployment sets one); the page
    stops here until this session has joined a board it can reach."""
    joined = member()
    if joined is None:
        with st.form("class_join", border=True):
            # max_chars is enforced by the server too: longer text is cut before it is read.
            st.text_input(t("class.nickname"), max_chars=NICKNAME_MAX, key="class_nickname")
            if settings.class_code is not None:
                st.text_input(t("class.code"), max_chars=CLASS_CODE_MAX, key="class_code")
            st.form_submit_button(t("class.join"), type="primary", on_click=join_from_form)
        show_notice()
        st.stop()
    with st.container(horizontal=True, vertical_alignment="center"):
        st.markdown(t("class.joined_as", nickname=escape(joined["nickname"])))
        st.button(t("class.leave"), key="class_leave", on_click=leave)
    board, problem = joined_board()
    if board is None:
        st.error(problem)
        st.stop()
    return board


def show_class_digits(board: classroom.Board) -> None:
    """Our digits: how many, what they look like, and how the shipped model reads them."""
    st.header(t("class.digits_title"))
    counts = board.digit_counts()
    if not sum(counts.values()):
        st.info(t("class.no_digits"), icon=":material/draw:")
        st.page_link("pages/predict.py", label=t("nav.predict"), icon=":material/draw:")
        return
    x, y = board.class_digits_array()
    result = cnn.evaluate_digits(shipped_model(), x, y)
    data = dataset()
    left, right = st.columns(2)
    left.metric(t("class.shipped_on_class", count=len(y)), f"{result.accuracy:.1%}", border=True)
    right.metric(
        t("class.shipped_on_mnist", count=len(data.y_test)),
        f"{shipped_test_accuracy(data.source):.1%}",
        border=True,
    )
    st.caption(t("class.lesson"))
    counts_column, confusion_column = st.columns(2)
    with counts_column:
        st.markdown(f"**{t('class.counts')}**")
        figure = charts.digit_counts_figure(
            [counts[label] for label in range(10)],
            x_title=t("predict.digit"),
            y_title=t("class.digits_axis"),
        )
        st.plotly_chart(figure, key="class_counts", alt=t("class.counts"))
    with confusion_column:
        st.markdown(f"**{t('train.confusion')}**")
        figure = charts.confusion_matrix_figure(
            result.confusion, x_title=t("train.predicted_digit"), y_title=t("train.true_digit")
        )
        figure.update_xaxes(dtick=1).update_yaxes(dtick=1)
        st.plotly_chart(figure, key="class_confusion", alt=t("train.confusion"))
    wrong = result.misclassified.head(WRONG_SHOWN)
    if len(wrong):
        st.markdown(f"**{t('class.wrong', count=len(result.misclassified))}**")
        titles = [f"{a}→{b}" for a, b in zip(wrong["true"], wrong["predicted"], strict=True)]
        grid = charts.digit_grid_figure(x[wrong["index"].to_numpy()], titles, columns=10)
        st.plotly_chart(grid, key="class_wrong", alt=t("class.wrong_alt"))
    st.markdown(f"**{t('class.all_digits')}**")
    show_digit_grids(newest_digits(board))


@st.fragment(run_every=REFRESH_SECONDS)
def show_leaderboard(board: classroom.Board) -> None:
    """The class's models, best first, reread every few seconds (a projector shows the race)."""
    st.header(t("class.leaderboard_title"))
    st.caption(t("class.leaderboard_help", seconds=REFRESH_SECONDS))
    try:
        entries = board.leaderboard()
    except classroom.ClassroomError as error:
        st.error(error_text(error))
        return
    if entries.empty:
        st.info(t("class.no_entries"), icon=":material/leaderboard:")
        return
    mine = st.session_state.get(keys.CLASS_MY_ENTRIES, set())
    st.dataframe(leaderboard_table(entries, mine), hide_index=True, key="class_table")
    names = [
        f"#{rank} {name}" for rank, name in zip(entries["rank"], entries["nickname"], strict=True)
    ]
    figure = charts.leaderboard_figure(
        names,
        entries["test_accuracy"],
        entries["id"].isin(mine),
        x_title=t("class.col_test"),
        mine_label=t("class.you"),
        others_label=t("class.others"),
    )
    st.plotly_chart(figure, key="class_leaderboard_chart", alt=t("class.leaderboard_title"))


st.title(t("nav.classroom"))
st.caption(t("class.intro"))
try:
    settings = class_settings()
except ValueError as error:
    st.error(t("class.bad_setting", error=error))
    st.stop()
board = show_join(settings)
show_notice()
show_class_photo()
try:
    show_class_digits(board)
    show_leaderboard(board)
    show_teacher(board, settings)
except classroom.ClassroomError as error:  # the database went away or turned read-only
    st.error(error_text(error))
