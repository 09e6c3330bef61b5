"""A student's place in the class and their language, kept in the page's link, so that a
reload (F5) or a bookmark keeps them: `?lang=zh&class=MON&student=<token>`.

The link holds the board's random token (`classroom.Board.claim`), never a password; the
board stores only the token's hash. Like everything a visitor sends, the link's values are
hostile: a language that is not one of ours, a class code or token too long or unknown, is
ignored (the visitor just joins again), never an error.
"""

from __future__ import annotations

import streamlit as st

from ui import keys
from ui.i18n import LANGUAGES

LANGUAGE = "lang"
CLASS = "class"
STUDENT = "student"
_LONGEST = {LANGUAGE: 8, CLASS: 64, STUDENT: 128}


def _param(name: str) -> str | None:
    """A link parameter, if it is text of a sane length."""
    try:
        value = st.query_params.get(name)
    except Exception:  # noqa: BLE001 (no browser: AppTest's bare runs, a script)
        return None
    if not isinstance(value, str) or not value or len(value) > _LONGEST[name]:
        return None
    return value


def language() -> str | None:
    """The language the link names, when it is one of the app's."""
    value = _param(LANGUAGE)
    return value if value in LANGUAGES else None


def restore_member() -> None:
    """Once per session, before anything is drawn: take up the student the link names (a
    reload), if this session is nobody yet and the board knows the token."""
    if keys.CLASS_MEMBER in st.session_state or st.session_state.get(keys.CLASS_LINK_CHECKED):
        return
    st.session_state[keys.CLASS_LINK_CHECKED] = True
    token = _param(STUDENT)
    if token is None:
        return
    import classroom  # only with a student in the link: a first visit loads no database
    from ui import classboard

    try:
        board = classboard.open_class_board(_param(CLASS) or None)
        nickname = board.resume(token)
    except (classroom.ClassroomError, ValueError):
        return  # a wrong class code or a database that does not answer: join again
    if nickname is not None:
        classboard.become(nickname, board.class_code, token)


def remember(language_now: str) -> None:
    """Write this run's language and student into the link (each run: a page switch starts
    from a bare link); a student who left is taken out of it."""
    joined = st.session_state.get(keys.CLASS_MEMBER)
    wanted = {LANGUAGE: language_now}
    if joined is not None and joined.get("token"):
        wanted[STUDENT] = joined["token"]
        if joined["class_code"]:  # "" is the open board: no class in the link
            wanted[CLASS] = joined["class_code"]
    try:
        params = st.query_params
        for name, value in wanted.items():
            if params.get(name) != value:
                params[name] = value
        for name in (CLASS, STUDENT):
            if name not in wanted and name in params:
                del params[name]
    except Exception:  # noqa: BLE001 (no browser to tell)
        return
