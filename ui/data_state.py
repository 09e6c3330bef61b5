"""The data every page shares: MNIST loaded once per process for all sessions, what to show
when it cannot be, and its download.
"""

from __future__ import annotations

import os

import streamlit as st

import cnn
from ui import keys
from ui.text import t


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
