"""The words on every page: the chosen language, its texts (`t`) and durations as people
say them."""

from __future__ import annotations

import streamlit as st

from ui import keys
from ui.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate


def language() -> str:
    """The chosen language code, "en" or "zh"."""
    value = st.session_state.get(keys.LANGUAGE, DEFAULT_LANGUAGE)
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **values) -> str:
    """The text for `key` in the chosen language."""
    return translate(key, language(), **values)


def duration(seconds: float) -> str:
    """Seconds as people say them: "6.8 s" under ten seconds (where a second is a large
    share), "42 s", or "3 min 05 s" from 90 s on."""
    if seconds < 9.95:
        return t("train.seconds", seconds=f"{max(0.0, seconds):.1f}")
    seconds = round(seconds)
    if seconds < 90:
        return t("train.seconds", seconds=seconds)
    return t("train.minutes", minutes=seconds // 60, seconds=f"{seconds % 60:02d}")
