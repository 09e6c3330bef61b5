"""The frame around every page: the page list, the sidebar (language, data, model) and the
navigation. `app.py` runs it; each page calls `ensure_frame()` first.
"""

from __future__ import annotations

import threading

import streamlit as st

import cnn
from ui import class_link, keys
from ui.data_state import data_description, dataset, download_full_mnist, show_data_error
from ui.i18n import DEFAULT_LANGUAGE, LANGUAGES
from ui.models import model_source_picker
from ui.text import language, t
from ui.widgets import kept

# (script, title key, help key, icon), the first is the home page.
PAGES = (
    ("pages/home.py", "nav.home", "help.home", ":material/home:"),
    ("pages/lesson.py", "nav.lesson", "help.lesson", ":material/school:"),
    ("pages/dataset.py", "nav.dataset", "help.dataset", ":material/dataset:"),
    ("pages/architecture.py", "nav.architecture", "help.architecture", ":material/account_tree:"),
    ("pages/training.py", "nav.training", "help.training", ":material/model_training:"),
    ("pages/predict.py", "nav.predict", "help.predict", ":material/draw:"),
    ("pages/lab.py", "nav.lab", "help.lab", ":material/science:"),
    ("pages/classroom.py", "nav.classroom", "help.classroom", ":material/groups:"),
)

# Set while app.py runs a page (per script thread: each session's run has its own).
_inside_frame = threading.local()


def navigation(position: str = "sidebar"):
    """`st.navigation` over `PAGES`, titles in the chosen language."""
    return st.navigation(
        [
            st.Page(path, title=t(title), help=t(help_key), icon=icon, default=index == 0)
            for index, (path, title, help_key, icon) in enumerate(PAGES)
        ],
        position=position,
    )


def run_app() -> None:
    """What `streamlit run app.py` runs on every rerun: the sidebar, then the chosen page."""
    sidebar()
    page = navigation()
    _inside_frame.active = True
    try:
        page.run()
    finally:
        _inside_frame.active = False
        class_link.remember(language())  # after the page: it may have joined or left


def ensure_frame() -> None:
    """The first call of every page: make sure the page runs inside app.py's frame.

    Streamlit runs a `pages/` folder the legacy (v1 multipage) way until `st.navigation` is
    first called in the server process: a page asked for directly (a shared link to
    /predict as the first request to a fresh server) then runs without app.py, so without
    its sidebar and navigation. Calling `st.navigation` (public API) ends that mode for the
    process; the rerun then runs app.py, which routes back to this page.
    `tests/browser/test_pages.py::test_fresh_server_direct_url_shows_the_app` checks it.
    """
    if not getattr(_inside_frame, "active", False):
        navigation(position="hidden")
        st.rerun()


def language_for_locale(locale: str | None) -> str:
    """The app's language for a browser locale: "zh" for any Chinese tag ("zh", "zh-CN",
    "zh-TW", "zh_Hans_CN"), "en" for anything else or no locale."""
    primary = (locale or "").strip().replace("_", "-").split("-")[0].lower()
    return "zh" if primary == "zh" else DEFAULT_LANGUAGE


def browser_language() -> str:
    """The language the visitor's browser prefers (`st.context.locale`), English when it
    cannot be told (no browser, an older client)."""
    try:
        locale = st.context.locale
    except Exception:  # noqa: BLE001 (any failure to read the context means "unknown")
        locale = None
    return language_for_locale(locale if isinstance(locale, str) else None)


def sidebar() -> None:
    """Language, data in use and model in use."""
    if keys.LANGUAGE not in st.session_state:
        # First run of the session: the link's language (a reload), else the browser's.
        # From then on the session keeps what it has, the sidebar's choice included.
        st.session_state[keys.LANGUAGE] = class_link.language() or browser_language()
    class_link.restore_member()
    with st.sidebar:
        st.selectbox(
            t("sidebar.language"),
            list(LANGUAGES),
            format_func=LANGUAGES.get,
            **kept("sidebar_language", keys.LANGUAGE),
        )
        st.subheader(t("sidebar.data"))
        try:
            data = dataset()
        except cnn.DataError as error:
            show_data_error(error)
        else:
            show_data_in_use(data)
        model_source_picker(key="sidebar_model_source")


def show_data_in_use(data: cnn.Dataset) -> None:
    """Full MNIST, or the offline sample with the offer to download the rest."""
    if not data.is_sample:
        st.caption(t("sidebar.data_full", source=data_description(data)))
        return
    st.info(t("sidebar.data_sample", source=data_description(data)))
    st.caption(t("sidebar.data_sample_hint"))
    st.button(t("sidebar.download"), on_click=download_full_mnist)
    if keys.DOWNLOAD_ERROR in st.session_state:
        error = st.session_state[keys.DOWNLOAD_ERROR]
        st.warning(t("sidebar.download_failed", error=error))
