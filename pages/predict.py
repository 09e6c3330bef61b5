"""Predict: draw a digit (or pick one from the test set) and see what the model reads, how
sure it is, and which pixels drove the answer."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

import cnn
from cnn import charts
from ui.state import (
    PREDICT_CANVAS_VERSION,
    PREDICT_SAMPLE,
    UPLOADED,
    accept_uploaded_model,
    data_description,
    dataset,
    ensure_frame,
    model_source_label,
    model_source_picker,
    selected_model,
    shipped_model,
    t,
)

CANVAS_SIZE = 280  # 10x MNIST's 28 px
# A 20 px pen on a digit ~200 px tall becomes a ~2 px stroke at 28x28, as in MNIST.
STROKE_WIDTH = 20
SMALL_FIGURE_HEIGHT = 260


def clear_canvas() -> None:
    # A new key gives a fresh, empty canvas.
    st.session_state[PREDICT_CANVAS_VERSION] = st.session_state.get(PREDICT_CANVAS_VERSION, 0) + 1


def pick_random_digit() -> None:
    try:
        size = len(dataset().x_test)
    except cnn.DataError:
        size = 1  # the section below says what is wrong with the data
    st.session_state[PREDICT_SAMPLE] = int(np.random.default_rng().integers(size))


def small_image_figure(image, colorscale: str = charts.GREYS):
    figure = charts.image_heatmap_figure(
        image, show_values=False, colorscale=colorscale, height=SMALL_FIGURE_HEIGHT
    )
    figure.update_traces(showscale=False, hovertemplate="%{y}, %{x}: %{z:.2f}<extra></extra>")
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def show_prediction(model, image, probabilities, key: str) -> None:
    """Prediction, confidence, the 10 probabilities, the model's input and a saliency map."""
    digit = int(probabilities.argmax())
    confidence = float(probabilities[digit])
    prediction_column, confidence_column = st.columns(2)
    prediction_column.metric(t("predict.prediction"), digit, border=True)
    confidence_column.metric(t("predict.confidence"), f"{confidence:.1%}", border=True)
    if confidence < 0.6:
        st.caption(t("predict.unsure"))
    figure = charts.probability_figure(
        probabilities, x_title=t("predict.digit"), y_title=t("predict.probability")
    )
    figure.update_xaxes(type="category")  # every digit labelled, not every other one
    st.plotly_chart(
        figure,
        key=f"{key}_probabilities",
        alt=t("predict.probabilities_alt"),
    )
    input_column, saliency_column = st.columns(2)
    with input_column:
        st.markdown(f"**{t('predict.model_input')}**")
        st.plotly_chart(small_image_figure(image), key=f"{key}_input", alt=t("predict.model_input"))
        st.caption(t("predict.model_input_help"))
    with saliency_column:
        st.markdown(f"**{t('predict.saliency')}**")
        st.plotly_chart(
            charts.saliency_figure(
                image, cnn.saliency_map(model, image, digit), height=SMALL_FIGURE_HEIGHT
            ),
            key=f"{key}_saliency",
            alt=t("predict.saliency"),
        )
        st.caption(t("predict.saliency_help", digit=digit))


ensure_frame()
st.title(t("nav.predict"))
st.caption(t("predict.intro"))

# The model: the upload is handled before the picker is drawn, so the picker shows it at once.
with st.container(border=True):
    picker_column, upload_column = st.columns(2)
    with upload_column:
        upload = st.file_uploader(
            t("predict.upload"),
            key="predict_upload",
            help=t("predict.upload_help"),
        )
        if upload is not None:
            previous = st.session_state.get(UPLOADED, {}).get("file_id")
            refusal = accept_uploaded_model(upload)
            if refusal is not None:
                st.error(t("predict.upload_refused", name=upload.name, error=refusal))
            elif st.session_state[UPLOADED]["file_id"] != previous:
                st.rerun()  # a new model: redraw the sidebar's picker with it too
    with picker_column:
        model_source_picker(key="predict_model_source")

model, source = selected_model()
if model is None:
    try:
        shipped_model()
        reason = "?"
    except (FileNotFoundError, ValueError, OSError) as error:
        reason = str(error)
    st.error(t("model.shipped_missing", error=reason), icon=":material/error:")
else:
    st.caption(t("predict.using", model=model_source_label(source)))

draw_column, result_column = st.columns([1, 1.4], gap="large")
with draw_column:
    st.subheader(t("predict.draw_title"))
    st.space("medium")  # room for the canvas' floating toolbar above the drawing
    version = st.session_state.get(PREDICT_CANVAS_VERSION, 0)
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

with result_column:
    drawing = canvas.image_data
    image = None
    if drawing is None:
        st.info(t("predict.draw_prompt"), icon=":material/draw:")
    else:
        try:
            image = cnn.canvas_to_mnist(drawing)
        except cnn.BlankCanvasError:
            st.info(t("predict.draw_prompt"), icon=":material/draw:")
        except cnn.CanvasFullError:
            st.warning(t("predict.canvas_full"), icon=":material/warning:")
        except ValueError as error:
            st.warning(t("predict.bad_canvas", error=error), icon=":material/warning:")
    if image is not None and model is not None:
        try:
            probabilities = cnn.predict_digit(model, image)
        except Exception as error:  # an uploaded model may load and still fail to run
            st.error(t("error.unexpected", error=error))
        else:
            show_prediction(model, image, probabilities, key="predict_drawing")

st.divider()
st.subheader(t("predict.random_title"))
st.caption(t("predict.random_intro"))
st.button(
    t("predict.random"),
    key="predict_random",
    icon=":material/casino:",
    on_click=pick_random_digit,
)
index = st.session_state.get(PREDICT_SAMPLE)
if index is not None:
    try:
        data = dataset()
    except cnn.DataError as error:
        st.error(t("sidebar.data_error", error=error))
    else:
        if index < len(data.x_test) and model is not None:
            true_digit = int(data.y_test[index])
            try:
                probabilities = cnn.predict_digit(model, data.x_test[index])
            except Exception as error:  # an uploaded model may load and still fail to run
                st.error(t("error.unexpected", error=error))
                st.stop()
            predicted = int(probabilities.argmax())
            st.caption(t("predict.random_caption", index=index, source=data_description(data)))
            if predicted == true_digit:
                st.success(
                    t("predict.random_right", true=true_digit, predicted=predicted),
                    icon=":material/check_circle:",
                )
            else:
                st.error(
                    t("predict.random_wrong", true=true_digit, predicted=predicted),
                    icon=":material/cancel:",
                )
            show_prediction(model, data.x_test[index], probabilities, key="predict_sample")
