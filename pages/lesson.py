"""Lesson: the course step by step, in the handout's order, each step with a check of its
own (`ui.lesson`; the checks and their answers are `cnn.lesson`'s)."""

from __future__ import annotations

import streamlit as st

from ui.frame import ensure_frame
from ui.lesson import choose_step, show_progress, show_step, show_step_buttons
from ui.text import t

ensure_frame()

st.title(t("nav.lesson"))
st.caption(t("lesson.intro"))
show_progress()
step = choose_step()
show_step(step)
show_step_buttons(step)
