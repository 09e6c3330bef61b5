"""Widgets that outlive a page: a value kept across page switches (`kept`) and tabs that run
only the open chapter (`chapter_tabs`).

What outlives a page is kept in plain `st.session_state` keys (`ui.keys`), never only in a
widget's key: Streamlit forgets a widget's value once a page without it has run (and AppTest
with a `pages/` folder runs only the page script after the first run).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui.text import t

_MISSING = object()


def kept(widget_key: str, state_key: str, default=None, on_change: Callable | None = None) -> dict:
    """Keyword arguments for a widget whose value outlives the page: `st.slider(label, ...,
    **kept("train_epochs", keys.train_setting("epochs"), 10))`.

    The value lives in the plain key `state_key` (`default` at first); the user's changes are
    copied there before `on_change` runs. Code may change it there too (a preset, a training
    that picks the model in use): the widget shows it from the next run.
    """
    st.session_state.setdefault(state_key, default)
    if st.session_state.get(widget_key, _MISSING) != st.session_state[state_key]:
        # A new visit (Streamlit forgot the widget) or a change made by code. Only then: a
        # value pushed to the browser on every run would overwrite what the user is still
        # changing (keys pressed on a slider while the app reruns).
        st.session_state[widget_key] = st.session_state[state_key]

    def keep() -> None:
        st.session_state[state_key] = st.session_state[widget_key]
        if on_change is not None:
            on_change()

    return {"key": widget_key, "on_change": keep}


def chapter_tabs(key: str, chapters: dict[str, Callable[[], None]], text_prefix: str) -> str:
    """Tabs, one per chapter {name: function that draws it}, of which only the open one runs;
    the label of each is the text `f"{text_prefix}{name}"`. Returns the open chapter's name.

    A page opens with its first chapter's elements only: the others' charts (and the 4.7 MB
    of Plotly they would load in the browser) wait until asked for. The open tab is kept by
    name in the plain key `f"{key}_name"`, so it survives a page switch and a change of
    language (the widget itself holds the label, which changes with the language).
    """
    labels = {name: t(f"{text_prefix}{name}") for name in chapters}
    if st.session_state.get(key) not in labels.values():  # a fresh visit, or a new language
        chosen = st.session_state.get(f"{key}_name")
        st.session_state[key] = labels[chosen if chosen in labels else next(iter(labels))]

    def remember() -> None:
        label = st.session_state[key]
        st.session_state[f"{key}_name"] = next(n for n, text in labels.items() if text == label)

    containers = st.tabs(list(labels.values()), key=key, on_change=remember)
    for (name, draw), container in zip(chapters.items(), containers, strict=True):
        if container.open:
            with container:
                draw()
            return name
    raise AssertionError("no open tab")  # Streamlit always has one open
