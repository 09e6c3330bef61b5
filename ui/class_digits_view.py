"""The class's digits as pictures: a row per label, the newest first. Shown on the Class page
under "Our digits", and live in the teacher's view of the class (`ui.class_progress`)."""

from __future__ import annotations

import numpy as np
import streamlit as st

import classroom
from ui import charts
from ui.text import t

DIGITS_PER_LABEL = 12  # newest digits shown per label
NEWEST_READ = 10 * DIGITS_PER_LABEL * 10  # enough newest digits to fill most labels' rows


def newest_digits(board: classroom.Board) -> list[classroom.Digit]:
    """The class's newest digits, enough to fill the grids (one query)."""
    return board.list_digits(limit=NEWEST_READ)


def show_digit_grids(digits: list) -> None:
    """The class's digits, a row per label, the newest first."""
    for label in range(10):
        images = [digit.pixels for digit in digits if digit.label == label][:DIGITS_PER_LABEL]
        if images:
            st.image(
                charts.digit_grid_image(np.stack(images), columns=DIGITS_PER_LABEL, scale=2),
                caption=t("class.label_row", label=label),
            )
