"""The model in use on every page: the shipped one, the one trained in this session, or an
upload, each as a `cnn.NumpyModel` (NumPy inference: no TensorFlow to predict), and the
sidebar's choice between them.
"""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st

import cnn
from cnn.training import memory
from ui import keys
from ui.errors import error_text
from ui.text import t
from ui.widgets import kept


@st.cache_resource(show_spinner=False)
def shipped_model() -> cnn.NumpyModel:
    """The shipped model as a `cnn.NumpyModel`, loaded once per process, read-only."""
    return cnn.load_default_model()


@st.cache_resource(show_spinner=False)
def course_model() -> cnn.NumpyModel:
    """The course's own model (trained as the handout trains it), for comparison."""
    return cnn.load_course_model()


class ModelChoice(NamedTuple):
    """The model in use, a `cnn.NumpyModel`: `model` (None when it cannot be had), where it
    comes from (`source`: "shipped", "course", "session" or "uploaded") and, without a model, why
    (`error`)."""

    model: object
    source: str
    error: str | None = None


def session_run() -> cnn.TrainingRun | None:
    """The CNN trained in this session (any status), or None."""
    return st.session_state.get(keys.TRAINED)


def session_model(run: cnn.TrainingRun) -> cnn.NumpyModel:
    """The session's trained Keras model as a `cnn.NumpyModel`, converted once per state of
    its weights (a continued training changes them) and kept in the session."""
    version = (run.epochs_done, run.status, run.seconds)
    cached = st.session_state.get(keys.TRAINED_NUMPY_MODEL)
    if cached is not None and cached[0] is run and cached[1] == version:
        return cached[2]
    model = cnn.as_numpy_model(run.model)
    st.session_state[keys.TRAINED_NUMPY_MODEL] = (run, version, model)
    return model


def available_model_sources() -> list[str]:
    """The sources that have a model now: the shipped and the course's always, the others
    once they exist."""
    sources = ["shipped", "course"]
    if session_run() is not None:
        sources.append("session")
    if st.session_state.get(keys.UPLOADED, {}).get("model") is not None:
        sources.append("uploaded")
    return sources


def selected_model() -> ModelChoice:
    """The model chosen in the sidebar; the shipped one when the chosen one is gone."""
    source = st.session_state.get(keys.MODEL_SOURCE, "shipped")
    if source == "session" and session_run() is not None:
        return ModelChoice(session_model(session_run()), "session")
    if source == "uploaded" and "uploaded" in available_model_sources():
        return ModelChoice(st.session_state[keys.UPLOADED]["model"], "uploaded")
    try:
        if source == "course":
            return ModelChoice(course_model(), "course")
        return ModelChoice(shipped_model(), "shipped")
    except (FileNotFoundError, ValueError, OSError) as error:
        return ModelChoice(None, "shipped", str(error))


def model_source_label(source: str) -> str:
    """The translated name of a model source."""
    if source == "uploaded":
        name = st.session_state.get(keys.UPLOADED, {}).get("name", "?")
        return t("model.uploaded", name=name)
    return t(f"model.{source}")


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
        message = error_text(error)
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
