"""What every page shares: language, kept widgets, tabs, data and the models.

What outlives a page is kept in plain `st.session_state` keys (`ui.keys`), never only in a
widget's key: Streamlit forgets a widget's value once a page without it has run (and AppTest
with a `pages/` folder runs only the page script after the first run).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import NamedTuple

import streamlit as st

import cnn
from cnn.training import memory
from ui import keys
from ui.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate

_MISSING = object()


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


def available_dataset() -> cnn.Dataset | None:
    """The dataset, or None when it cannot be loaded (the sidebar and `require_dataset` say
    why)."""
    try:
        return dataset()
    except cnn.DataError:
        return None


def show_data_error(error: cnn.DataError) -> None:
    """Why the data cannot be used, and what to do about it."""
    st.error(t("sidebar.data_error", error=error))


def require_dataset() -> cnn.Dataset:
    """The dataset, or an error a person can act on and the page stops there."""
    try:
        return dataset()
    except cnn.DataError as error:
        show_data_error(error)
        st.stop()


def download_full_mnist() -> None:
    """Fill Keras' cache with full MNIST (a button's callback); a failure is kept for the
    sidebar to show."""
    try:
        cnn.download_mnist()
    except cnn.DownloadError as error:
        st.session_state[keys.DOWNLOAD_ERROR] = str(error)
        return
    st.session_state.pop(keys.DOWNLOAD_ERROR, None)
    _load_dataset.clear()


def data_description(data: cnn.Dataset) -> str:
    """The data in use, in the chosen language, e.g. "MNIST, 60,000 train / 10,000 test"."""
    kind = "sample" if data.is_sample else "full"
    return t(
        f"data.description_{kind}", train=f"{len(data.x_train):,}", test=f"{len(data.x_test):,}"
    )


@st.cache_resource(show_spinner=False)
def shipped_model() -> cnn.NumpyModel:
    """The shipped model in the NumPy engine, loaded once per process, read-only."""
    return cnn.load_default_model()


class ModelChoice(NamedTuple):
    """The model in use, in the NumPy engine: `model` (None when it cannot be had), where it
    comes from (`source`: "shipped", "session" or "uploaded") and, without a model, why
    (`error`)."""

    model: object
    source: str
    error: str | None = None


def session_run() -> cnn.TrainingRun | None:
    """The CNN trained in this session (any status), or None."""
    return st.session_state.get(keys.TRAINED)


def session_engine(run: cnn.TrainingRun) -> cnn.NumpyModel:
    """The session's trained Keras model in the NumPy engine, converted once per state of
    its weights (a continued training changes them) and kept in the session."""
    version = (run.epochs_done, run.status, run.seconds)
    cached = st.session_state.get(keys.TRAINED_ENGINE)
    if cached is not None and cached[0] is run and cached[1] == version:
        return cached[2]
    engine = cnn.as_engine(run.model)
    st.session_state[keys.TRAINED_ENGINE] = (run, version, engine)
    return engine


def available_model_sources() -> list[str]:
    """The sources that have a model now: shipped always, the others once they exist."""
    sources = ["shipped"]
    if session_run() is not None:
        sources.append("session")
    if st.session_state.get(keys.UPLOADED, {}).get("model") is not None:
        sources.append("uploaded")
    return sources


def selected_model() -> ModelChoice:
    """The model chosen in the sidebar; the shipped one when the chosen one is gone."""
    source = st.session_state.get(keys.MODEL_SOURCE, "shipped")
    if source == "session" and session_run() is not None:
        return ModelChoice(session_engine(session_run()), "session")
    if source == "uploaded" and "uploaded" in available_model_sources():
        return ModelChoice(st.session_state[keys.UPLOADED]["model"], "uploaded")
    try:
        return ModelChoice(shipped_model(), "shipped")
    except (FileNotFoundError, ValueError, OSError) as error:
        return ModelChoice(None, "shipped", str(error))


def model_source_label(source: str) -> str:
    """The translated name of a model source."""
    if source == "uploaded":
        name = st.session_state.get(keys.UPLOADED, {}).get("name", "?")
        return t("model.uploaded", name=name)
    return t("model.session") if source == "session" else t("model.shipped")


def model_source_picker(key: str) -> None:
    """A radio of the models available; the choice is kept in `keys.MODEL_SOURCE`.

    Args:
        key: the widget's key, different for each place the picker appears.
    """
    sources = available_model_sources()
    if st.session_state.get(keys.MODEL_SOURCE) not in sources:
        st.session_state[keys.MODEL_SOURCE] = "shipped"
    # Labels fixed now: AppTest calls format_func outside the script run, where the
    # language in session state is not available (zh labels would not match).
    labels = {source: model_source_label(source) for source in sources}
    st.radio(
        t("sidebar.model"),
        sources,
        format_func=labels.__getitem__,
        **kept(key, keys.MODEL_SOURCE),
    )


def set_model_source(source: str) -> None:
    """Choose the model in use from code (after a training or an upload); every
    `model_source_picker` shows it from its next run on."""
    st.session_state[keys.MODEL_SOURCE] = source


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
    if st.session_state.get(keys.UPLOADED, {}).get("file_id") == file_id:
        return None
    refused = st.session_state.get(keys.UPLOAD_REFUSED, {})
    if refused.get("file_id") == file_id:
        return refused["error"]
    try:
        model = cnn.load_model_file(file)
    except cnn.ModelFileError as error:
        message = model_error_text(error)
        refused = {"file_id": file_id, "name": file.name, "error": message}
        st.session_state[keys.UPLOAD_REFUSED] = refused
        return message
    st.session_state.pop(keys.UPLOAD_REFUSED, None)
    replacing = keys.UPLOADED in st.session_state
    st.session_state[keys.UPLOADED] = {"model": model, "name": file.name, "file_id": file_id}
    if replacing:
        memory.release_memory()  # the previously uploaded model
    set_model_source("uploaded")
    return None
