"""Predict: draw a digit (or pick one from the test set) and see what the model reads, how
sure it is, and which pixels drove the answer."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

import cnn
from ui import keys
from ui.data_state import available_dataset, data_description, require_dataset
from ui.errors import error_text
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

CANVAS_SIZE = 280  # 10x MNIST's 28 px
# A 20 px pen on a digit ~200 px tall becomes a ~2 px stroke at 28x28, as in MNIST.
STROKE_WIDTH = 20


def clear_canvas() -> None:
    # A new key gives a fresh, empty canvas.
    version = st.session_state.get(keys.PREDICT_CANVAS_VERSION, 0)
    st.session_state[keys.PREDICT_CANVAS_VERSION] = version + 1


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


def show_canvas():
    """The drawing surface and its Clear button; returns the drawing (None before a stroke)."""
    st.subheader(t("predict.draw_title"))
    st.space("medium")  # room for the canvas' floating toolbar above the drawing
    version = st.session_state.get(keys.PREDICT_CANVAS_VERSION, 0)
    canvas = st_canvas(
        stroke_width=STROKE_WIDTH,
        stroke_color="#000000",
        background_color="#FFFFFF",
        width=CANVAS_SIZE,
        height=CANVAS_SIZE,
        drawing_mode="freedraw",
        return_image_data=True,
        key="predict_canvas" if version == 0 else f"predict_canvas_{version}",
    )
    st.button(
        t("predict.clear"), key="predict_clear", icon=":material/ink_eraser:", on_click=clear_canvas
    )
    st.caption(t("predict.draw_help"))
    return canvas.image_data


def show_drawing_prediction(model, drawing) -> None:
    """The drawing as MNIST digits are made, and what the model reads in it."""
    if drawing is None:
        st.info(t("predict.draw_prompt"), icon=":material/draw:")
        return
    try:
        image = cnn.canvas_to_mnist(drawing)
    except cnn.BlankCanvasError as error:  # nothing drawn yet: an invitation, not a warning
        st.info(error_text(error), icon=":material/draw:")
        return
    except cnn.CanvasError as error:
        st.warning(error_text(error), icon=":material/warning:")
        return
    except ValueError as error:
        st.warning(t("predict.bad_canvas", error=error), icon=":material/warning:")
        return
    if model is not None:
        digit = show_prediction(model, image, key="predict_drawing")
        if digit is not None:
            remember_drawn_digit(digit)  # the lesson's last step


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
    show_drawing_prediction(model, drawing)
st.divider()
show_photo(model)
st.divider()
show_random_digit(model)
