"""The teacher's live view of the class on the lesson: who solved which step, who is stuck,
which checks the class misses most, and the class's digits, reread every few seconds so it
can stay on a projector.

Built to hold a class of 100: one query for the progress per refresh, one table (a
dataframe, not a widget per student), one chart. The tables are built by pure functions
(`progress_table`, `missed_checks`, `progress_csv`), tested without Streamlit.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import pandas as pd
import streamlit as st

import classroom
from cnn.lesson import STEPS
from ui import charts
from ui.class_digits_view import newest_digits, show_digit_grids
from ui.errors import error_text
from ui.text import t

REFRESH_SECONDS = 10
STUCK_AFTER_S = 300  # a step begun this long ago and not solved: the student may need help
SOLVED = "✓"
STUCK = "⏳"
_TIMES = ("started_at", "finished_at", "updated_at")


def progress_cell(tries: int, solved: bool, started_at: float | None, now: float) -> str:
    """One student's step as the table shows it: "✓" when solved, else the tries so far, with
    "⏳" when the step began more than `STUCK_AFTER_S` before `now`."""
    if solved:
        return SOLVED
    stuck = started_at is not None and not pd.isna(started_at) and now - started_at > STUCK_AFTER_S
    return f"{int(tries)} {STUCK}" if stuck else str(int(tries))


def progress_table(progress: pd.DataFrame, steps: Sequence[str], now: float) -> pd.DataFrame:
    """Students × steps: a row per student (by nickname, case aside), a column per step in
    `steps`' order, after the "nickname" column.

    Args:
        progress: `Board.class_progress`'s table (a row per student and step answered).
        steps: the lesson's steps, in order (`cnn.lesson.STEPS`); a step not among them (one
            the lesson no longer has) is left out.
        now: seconds since the epoch, on the board's clock (what "stuck" is measured from).

    Returns:
        Text cells: "✓" solved, "3" three tries so far, "3 ⏳" and begun more than
        `STUCK_AFTER_S` ago, "" not begun.
    """
    steps = list(steps)
    cells = {
        (row.nickname, row.step): progress_cell(row.tries, row.solved, row.started_at, now)
        for row in progress.itertuples(index=False)
        if row.step in steps
    }
    names = sorted(set(progress["nickname"]), key=lambda name: (name.casefold(), name))
    rows = [[name, *(cells.get((name, step), "") for step in steps)] for name in names]
    return pd.DataFrame(rows, columns=["nickname", *steps], dtype=object)


def missed_checks(progress: pd.DataFrame, steps: Sequence[str]) -> list[int]:
    """The class's wrong answers per step, in `steps`' order (every try but a right one)."""
    wrong = progress["tries"] - progress["solved"].astype(int)
    totals = wrong.groupby(progress["step"]).sum()
    return [int(totals.get(step, 0)) for step in steps]


def progress_csv(progress: pd.DataFrame) -> bytes:
    """`Board.class_progress`'s table as a CSV file a spreadsheet opens: times as ISO 8601
    in UTC, UTF-8 with a byte-order mark (so Excel reads Chinese nicknames right)."""
    table = progress.copy()
    for column in _TIMES:
        table[column] = pd.to_datetime(table[column], unit="s", utc=True)
    return table.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ").encode("utf-8-sig")


def step_titles(steps: Sequence[str]) -> dict[str, str]:
    """Each step's title in the chosen language, as the lesson names it."""
    return {step: t(f"lesson.{step}_title") for step in steps}


def show_progress(progress: pd.DataFrame) -> None:
    """The table, the most-missed checks and the CSV of the class's progress."""
    titles = step_titles(STEPS)
    table = progress_table(progress, STEPS, time.time())
    st.dataframe(
        table.rename(columns={"nickname": t("class.progress_student"), **titles}),
        hide_index=True,
        key="class_progress_table",
    )
    st.markdown(f"**{t('class.progress_missed')}**")
    figure = charts.missed_checks_figure(
        [titles[step] for step in STEPS],
        missed_checks(progress, STEPS),
        x_title=t("class.progress_missed_axis"),
        y_title=t("class.progress_step_axis"),
    )
    st.plotly_chart(figure, key="class_progress_missed", alt=t("class.progress_missed"))
    st.download_button(
        t("class.progress_download"),
        data=progress_csv(progress),
        file_name="class_progress.csv",
        mime="text/csv",
        key="class_progress_download",
        on_click="ignore",  # no rerun: the projector's view stays as it is
        icon=":material/download:",
    )


@st.fragment(run_every=REFRESH_SECONDS)
def show_class_progress(board: classroom.Board, password: str) -> None:
    """The teacher's live view, inside the teacher's tools (the password was accepted): it
    rereads the board every `REFRESH_SECONDS` by itself, the rest of the page untouched."""
    st.subheader(t("class.progress_title"))
    st.caption(t("class.progress_help", seconds=REFRESH_SECONDS, minutes=STUCK_AFTER_S // 60))
    try:
        progress = board.class_progress(password)
        digits = newest_digits(board)
    except classroom.ClassroomError as error:  # a refresh must not break the page
        st.error(error_text(error))
        return
    if progress.empty:
        st.info(t("class.progress_empty"), icon=":material/school:")
    else:
        show_progress(progress)
    st.markdown(f"**{t('class.progress_digits')}**")
    if digits:
        show_digit_grids(digits)
    else:
        st.caption(t("class.no_digits_yet"))
