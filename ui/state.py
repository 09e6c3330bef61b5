"""What every page shares: language, data, models, and the session-state keys behind them.

Pages keep what they need in plain `st.session_state` keys (never only in widget keys): in
AppTest with a `pages/` folder, runs after the first execute only the page script, so the
sidebar's widgets in app.py are not there to hold state.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import streamlit as st

import cnn
from ui.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate

# Plain session-state keys shared across pages.
LANGUAGE = "lang"
MODEL_SOURCE = "model_source"  # "shipped" | "session" | "uploaded"
MODEL_CONFIG = "model_config"  # the ModelConfig edited on the Architecture page
TRAINED = "trained"  # dict: model, config, history, status, epochs, evaluation, ...
UPLOADED = "uploaded"  # dict: model, name
MLP = "mlp"  # dict: model, history, evaluation
MODEL_SOURCES = ("shipped", "session", "uploaded")


def ensure_frame() -> None:
    """Make sure app.py's frame (sidebar, navigation, language) runs around this page.

    Until app.py has called `st.navigation` once in the server process, Streamlit treats a
    `pages/` folder the legacy way and runs a directly requested page (a shared link to
    /predict, say, as the first request to a fresh server) without app.py. Then this turns
    the legacy mode off for the process and reruns, so app.py runs and routes to this page.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def language() -> str:
    """The chosen language code, "en" or "zh"."""
    value = st.session_state.get(LANGUAGE, DEFAULT_LANGUAGE)
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **values) -> str:
    """The text for `key` in the chosen language."""
    return translate(key, language(), **values)


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


def dataset() -> cnn.Dataset:
    """MNIST for every session: `MNIST_PATH`, Keras' cache, or the offline sample.

    Raises:
        cnn.DataError: `MNIST_PATH` names a missing or malformed file.
    """
    return _load_dataset(os.environ.get("MNIST_PATH") or None)


@st.cache_resource(show_spinner=False)
def _load_dataset(mnist_path: str | None) -> cnn.Dataset:  # noqa: ARG001 (cache key)
    # Shared read-only across sessions (cache_resource, arrays made read-only) rather than
    # cache_data, which would copy 55 MB of arrays on every rerun of every user. Keyed on
    # MNIST_PATH so a changed setting is picked up. The app never downloads on its own (bad
    # Wi-Fi would stall the first page); the sidebar offers it.
    data = cnn.load_mnist(download=False)  # reads MNIST_PATH itself, naming it in errors
    for array in (data.x_train, data.y_train, data.x_test, data.y_test):
        array.setflags(write=False)
    return data


def data_description(data: cnn.Dataset) -> str:
    """The data in use, in the chosen language, e.g. "MNIST, 60,000 train / 10,000 test"."""
    kind = "sample" if data.is_sample else "full"
    return t(
        f"data.description_{kind}", train=f"{len(data.x_train):,}", test=f"{len(data.x_test):,}"
    )


@st.cache_resource(show_spinner=False)
def shipped_model():
    """The shipped model, loaded once per process and never mutated."""
    return cnn.load_default_model()


def selected_model():
    """The model chosen in the sidebar, with its source; falls back to the shipped model.

    Returns:
        `(model, source)`, source one of "shipped", "session", "uploaded"; `(None, source)`
        when that model is not available.
    """
    source = st.session_state.get(MODEL_SOURCE, "shipped")
    if source == "session" and st.session_state.get(TRAINED, {}).get("model") is not None:
        return st.session_state[TRAINED]["model"], "session"
    if source == "uploaded" and st.session_state.get(UPLOADED, {}).get("model") is not None:
        return st.session_state[UPLOADED]["model"], "uploaded"
    try:
        return shipped_model(), "shipped"
    except (FileNotFoundError, ValueError, OSError):
        return None, "shipped"


def available_model_sources() -> list[str]:
    """The sources that have a model now: shipped always, the others once they exist."""
    sources = ["shipped"]
    if st.session_state.get(TRAINED, {}).get("model") is not None:
        sources.append("session")
    if st.session_state.get(UPLOADED, {}).get("model") is not None:
        sources.append("uploaded")
    return sources


def model_source_label(source: str) -> str:
    """The translated name of a model source."""
    if source == "uploaded":
        return t("model.uploaded", name=st.session_state.get(UPLOADED, {}).get("name", "?"))
    return t(f"model.{source}")


def _copy_widget(widget_key: str, state_key: str) -> None:
    st.session_state[state_key] = st.session_state[widget_key]


def model_source_picker(key: str) -> None:
    """A radio of the models available; the choice is kept in `MODEL_SOURCE`.

    Args:
        key: the widget's key, different for each place the picker appears.
    """
    sources = available_model_sources()
    current = st.session_state.get(MODEL_SOURCE, "shipped")
    if current not in sources:
        current = "shipped"
    # Labels fixed now: AppTest calls format_func outside the script run, where the
    # language in session state is not available (zh labels would not match).
    labels = {source: model_source_label(source) for source in sources}
    # The radio follows MODEL_SOURCE even when code changed it (after a training or an
    # upload): a keyed radio ignores a new `index`, and the browser keeps its old choice
    # unless the value is set through session state before the widget is drawn.
    st.session_state[key] = current
    st.radio(
        t("sidebar.model"),
        sources,
        format_func=labels.__getitem__,
        key=key,
        on_change=_copy_widget,
        args=(key, MODEL_SOURCE),
    )


def require_dataset() -> cnn.Dataset:
    """The dataset, or an error a person can act on and the page stops there."""
    try:
        return dataset()
    except cnn.DataError as error:
        st.error(t("sidebar.data_error", error=error))
        st.stop()


def _download_full_mnist() -> None:
    try:
        cnn.download_mnist()
    except cnn.DownloadError as error:
        st.session_state["_download_error"] = str(error)
        return
    st.session_state.pop("_download_error", None)
    _load_dataset.clear()


def sidebar() -> None:
    """Language, data in use and model in use. Rendered by app.py on every real run."""
    st.session_state.setdefault(LANGUAGE, DEFAULT_LANGUAGE)
    with st.sidebar:
        codes = list(LANGUAGES)
        st.selectbox(
            t("sidebar.language"),
            codes,
            index=codes.index(language()),
            format_func=LANGUAGES.get,
            key="_language_widget",
            on_change=_copy_widget,
            args=("_language_widget", LANGUAGE),
        )
        st.subheader(t("sidebar.data"))
        try:
            data = dataset()
        except cnn.DataError as error:
            st.error(t("sidebar.data_error", error=error))
        else:
            if data.is_sample:
                st.info(t("sidebar.data_sample", source=data_description(data)))
                st.caption(t("sidebar.data_sample_hint"))
                st.button(t("sidebar.download"), on_click=_download_full_mnist)
                if "_download_error" in st.session_state:
                    st.warning(
                        t("sidebar.download_failed", error=st.session_state["_download_error"])
                    )
            else:
                st.caption(t("sidebar.data_full", source=data_description(data)))
        model_source_picker(key="_model_source_sidebar")


# --- training and predict pages ------------------------------------------------------------
TRAIN_SETTINGS = "train_settings"  # dict: the Training page's hyperparameters, kept across pages
TRAIN_ACTION = "train_action"  # "train" | "continue" | "mlp": what the next run should start
TRAIN_STOP_REQUESTED = "train_stop_requested"  # True once Stop is clicked during a training
PREDICT_CANVAS_VERSION = "predict_canvas_version"  # int: bumped by Clear, part of the canvas key
PREDICT_SAMPLE = "predict_sample"  # int: index into x_test of the random test digit shown
UPLOAD_REFUSED = "upload_refused"  # dict: file_id, name, error of the last refused upload


def set_model_source(source: str) -> None:
    """Choose the model in use from code (after a training or an upload); every
    `model_source_picker` shows it from its next run on."""
    st.session_state[MODEL_SOURCE] = source


def model_error_text(error: cnn.ModelFileError) -> str:
    """Why a model was refused, in the chosen language (the library's English otherwise)."""
    key = f"model_error.{getattr(error, 'reason', '')}"
    try:
        return t(key, **getattr(error, "details", {}))
    except (KeyError, IndexError):
        return str(error)


def accept_uploaded_model(file) -> str | None:
    """Load an uploaded `.keras` file safely and make it the model in use.

    A file already accepted (or refused) is not loaded again on later reruns.

    Args:
        file: Streamlit's `UploadedFile` (anything with `.name`, `.read()` and `.file_id`).

    Returns:
        None when the model is in use; otherwise the reason it was refused (the previous
        model stays in use).
    """
    file_id = getattr(file, "file_id", None) or file.name
    if st.session_state.get(UPLOADED, {}).get("file_id") == file_id:
        return None
    refused = st.session_state.get(UPLOAD_REFUSED, {})
    if refused.get("file_id") == file_id:
        return refused["error"]
    try:
        model = cnn.load_model_file(file)
    except cnn.ModelFileError as error:
        message = model_error_text(error)
        st.session_state[UPLOAD_REFUSED] = {"file_id": file_id, "name": file.name, "error": message}
        return message
    st.session_state.pop(UPLOAD_REFUSED, None)
    replacing = UPLOADED in st.session_state
    st.session_state[UPLOADED] = {"model": model, "name": file.name, "file_id": file_id}
    if replacing:
        cnn.release_memory()  # the previously uploaded model
    set_model_source("uploaded")
    return None
