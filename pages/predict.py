"""Predict: draw a digit (or pick one from the test set) and see what the model reads, how
sure it is, and which pixels drove the answer."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ui import keys
from ui.data_state import available_dataset, data_description, require_dataset
from ui.drawing_input import show_canvas, show_drawing_prediction
from ui.frame import ensure_frame
from ui.lesson import remember_drawn_digit
from ui.models import (
    ModelChoice,
    accept_uploaded_model,
    model_source_label,
    model_source_picker,
    selected_model,
)
from ui.photo_input import show_photo
from ui.prediction import show_prediction
from ui.text import t

ensure_frame()


def pick_random_digit() -> None:
    data = available_dataset()
    size = len(data.x_test) if data is not None else 1  # the section says what is wrong
    st.session_state[keys.PREDICT_SAMPLE] = int(np.random.default_rng().integers(size))


def show_model_choice() -> ModelChoice:
    """Upload a model or pick one; the upload is handled before the picker is drawn, so the
    picker shows it at once."""
    with st.container(border=True):
        picker_column, upload_column = st.columns(2)
        with upload_column:
            upload = st.file_uploader(
                t("predict.upload"), key="predict_upload", help=t("predict.upload_help")
            )
            if upload is not None:
                previous = st.session_state.get(keys.UPLOADED, {}).get("file_id")
                refusal = accept_uploaded_model(upload)
                if refusal is not None:
                    st.error(t("predict.upload_refused", name=upload.name, error=refusal))
                elif st.session_state[keys.UPLOADED]["file_id"] != previous:
                    st.rerun()  # a new model: redraw the sidebar's picker with it too
        with picker_column:
            model_source_picker(key="predict_model_source")
    choice = selected_model()
    if choice.model is None:
        st.error(t("model.shipped_missing", error=choice.error), icon=":material/error:")
    else:
        st.caption(t("predict.using", model=model_source_label(choice.source)))
    return choice


def show_random_digit(model) -> None:
    """A random test digit with its true label, and what the model reads in it."""
    st.subheader(t("predict.random_title"))
    st.caption(t("predict.random_intro"))
    st.button(
        t("predict.random"),
        key="predict_random",
        icon=":material/casino:",
        on_click=pick_random_digit,
    )
    index = st.session_state.get(keys.PREDICT_SAMPLE)
    if index is None:
        return
    data = require_dataset()
    if index >= len(data.x_test) or model is None:
        return
    st.caption(t("predict.random_caption", index=index, source=data_description(data)))
    verdict = st.empty()
    true_digit = int(data.y_test[index])
    predicted = show_prediction(model, data.x_test[index], "predict_sample", true_digit)
    if predicted is None:
        return
    if predicted == true_digit:
        verdict.success(
            t("predict.random_right", true=true_digit, predicted=predicted),
            icon=":material/check_circle:",
        )
    else:
        verdict.error(
            t("predict.random_wrong", true=true_digit, predicted=predicted),
            icon=":material/cancel:",
        )


st.title(t("nav.predict"))
st.caption(t("predict.intro"))
model = show_model_choice().model
draw_column, result_column = st.columns([1, 1.4], gap="large")
with draw_column:
    drawing = show_canvas()
with result_column:
    read = show_drawing_prediction(model, drawing)
if read is not None:
    remember_drawn_digit(read)  # the lesson's last step
st.divider()
show_photo(model)
st.divider()
show_random_digit(model)
