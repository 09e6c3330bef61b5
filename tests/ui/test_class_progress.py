"""`ui.class_progress`'s tables, without Streamlit: students × steps ("✓", tries, "⏳" for a
step begun more than five minutes ago and not solved), the wrong answers per step, the CSV;
and `ui.charts.missed_checks_figure`, the most missed on top."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

import classroom
from ui import charts
from ui.class_progress import (
    SOLVED,
    STUCK,
    STUCK_AFTER_S,
    missed_checks,
    progress_cell,
    progress_csv,
    progress_table,
)

NOW = 1_700_000_000.0
STEPS = ("local", "data", "convolution")


def progress(*rows) -> pd.DataFrame:
    """A `Board.class_progress` table: rows of (nickname, step, tries, solved, started)."""
    records = [
        {
            "nickname": name,
            "step": step,
            "tries": tries,
            "solved": solved,
            "started_at": started,
            "finished_at": started + 30 if solved else np.nan,
            "updated_at": started + 30,
        }
        for name, step, tries, solved, started in rows
    ]
    return pd.DataFrame(records, columns=classroom.PROGRESS_COLUMNS)


def test_students_by_steps_solved_tries_and_stuck():
    table = progress_table(
        progress(
            ("bob", "data", 2, False, NOW - 60),
            ("Ada", "local", 1, True, NOW - 900),
            ("Cleo", "local", 3, False, NOW - 600),  # stuck: ten minutes, not solved
            ("Ada", "data", 4, True, NOW - 800),
            ("Ada", "gone", 1, False, NOW - 60),  # a step the lesson no longer has
        ),
        STEPS,
        NOW,
    )
    assert list(table.columns) == ["nickname", *STEPS]
    assert table.values.tolist() == [
        ["Ada", SOLVED, SOLVED, ""],
        ["bob", "", "2", ""],  # names in order, case aside
        ["Cleo", f"3 {STUCK}", "", ""],
    ]


def test_stuck_is_after_five_minutes_exactly_and_never_when_solved():
    assert STUCK_AFTER_S == 300
    assert progress_cell(1, False, NOW - STUCK_AFTER_S, NOW) == "1"
    assert progress_cell(1, False, NOW - STUCK_AFTER_S - 1, NOW) == f"1 {STUCK}"
    assert progress_cell(5, True, NOW - 3600, NOW) == SOLVED
    assert progress_cell(2, False, None, NOW) == "2"
    assert progress_cell(2, False, float("nan"), NOW) == "2"


def test_an_empty_class_is_an_empty_table_with_every_step():
    table = progress_table(progress(), STEPS, NOW)
    assert table.empty and list(table.columns) == ["nickname", *STEPS]


def test_a_hundred_students_are_a_hundred_rows():
    rows = [(f"S{i:03d}", step, 1, True, NOW) for i in range(100) for step in STEPS]
    table = progress_table(progress(*rows), STEPS, NOW)
    assert table.shape == (100, 1 + len(STEPS)) and (table[list(STEPS)] == SOLVED).all().all()


def test_wrong_answers_per_step_count_every_try_but_the_right_one():
    found = missed_checks(
        progress(
            ("Ada", "local", 1, True, NOW),  # right at once: none wrong
            ("Bob", "local", 3, True, NOW),  # two wrong, then right
            ("Cleo", "data", 2, False, NOW),  # two wrong
            ("Cleo", "gone", 9, False, NOW),
        ),
        STEPS,
    )
    assert found == [2, 2, 0]
    assert missed_checks(progress(), STEPS) == [0, 0, 0]


def test_the_csv_has_a_row_per_student_and_step_with_times_in_utc():
    data = progress_csv(
        progress(("Ada", "local", 1, True, NOW), ("小明", "data", 2, False, NOW - 600))
    )
    assert data.startswith(b"\xef\xbb\xbf")  # a byte-order mark: Excel reads 小明 right
    table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(table.columns) == classroom.PROGRESS_COLUMNS
    assert table["nickname"].tolist() == ["Ada", "小明"]
    assert table["tries"].tolist() == [1, 2] and table["solved"].tolist() == [True, False]
    assert table["started_at"].tolist() == ["2023-11-14T22:13:20Z", "2023-11-14T22:03:20Z"]
    assert table["finished_at"].isna().tolist() == [False, True]


def test_the_most_missed_checks_are_on_top_with_ties_in_the_lessons_order():
    figure = charts.missed_checks_figure(
        ["Local", "<b>Data</b>", "Convolution", "Pooling"],
        [1, 4, 0, 1],
        x_title="Wrong answers",
        y_title="Step",
    )
    [bars] = figure.data
    assert list(bars.y) == ["&lt;b&gt;Data&lt;/b&gt;", "Local", "Pooling", "Convolution"]
    assert list(bars.x) == [4, 1, 1, 0]
    assert list(figure.layout.yaxis.categoryarray) == list(bars.y)[::-1]  # first on top
    assert figure.layout.xaxis.title.text == "Wrong answers"
    assert figure.layout.yaxis.title.text == "Step"
    assert figure.layout.xaxis.dtick == 1
    # The counts written upright beside the bars (inside, Plotly turned them sideways).
    assert list(bars.text) == [4, 1, 1, 0]
    assert bars.textposition == "outside" and bars.textangle == 0


def test_no_wrong_answers_still_draws_every_step():
    figure = charts.missed_checks_figure(["A", "B"], [0, 0])
    assert list(figure.data[0].y) == ["A", "B"] and list(figure.data[0].x) == [0, 0]
