"""What the Predict page shows for any digit (drawn, photographed or from the test set): the
prediction, its confidence, the 10 probabilities, the model's input and a saliency map."""

from __future__ import annotations

import numpy as np
import streamlit as st

import cnn
from ui import charts, keys, model_charts
from ui.classboard import show_add_digit
from ui.text import t

SMALL_FIGURE_HEIGHT = 260


def remember_digit(image, predicted: int, true_digit: int | None) -> None:
    """The last digit predicted, for the invariance lab: its 28x28 image in [0, 1] and the
    digit it shows (the true one when known, else the prediction)."""
    image = np.asarray(image, dtype=np.float32)
    if image.max() > 1.0:
        image = image / 255.0
    label = predicted if true_digit is None else int(true_digit)
    st.session_state[keys.CURRENT_DIGIT] = {"image": image, "label": label}


def show_prediction(model, image, key: str, true_digit: int | None = None) -> int | None:
    """Prediction, confidence, the 10 probabilities, the model's input and a saliency map,
    then "add to the class's digits". The digit becomes the invariance lab's current one.
    Returns the predicted digit (None when the model failed on it)."""
    try:
        probabilities = cnn.predict_digit(model, image)
    except Exception as error:  # an uploaded model may load and still fail to run
        st.error(t("error.unexpected", error=error))
        return None
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
    st.plotly_chart(figure, key=f"{key}_probabilities", alt=t("predict.probabilities_alt"))
    input_column, saliency_column = st.columns(2)
    with input_column:
        st.markdown(f"**{t('predict.model_input')}**")
        st.plotly_chart(
            charts.image_heatmap_figure(
                image,
                show_values=False,
                value_format=".2f",
                show_scale=False,
                show_axes=False,
                height=SMALL_FIGURE_HEIGHT,
            ),
            key=f"{key}_input",
            alt=t("predict.model_input"),
        )
        st.caption(t("predict.model_input_help"))
    with saliency_column:
        st.markdown(f"**{t('predict.saliency')}**")
        st.plotly_chart(
            model_charts.saliency_figure(
                image, cnn.saliency_map(model, image, digit), height=SMALL_FIGURE_HEIGHT
            ),
            key=f"{key}_saliency",
            alt=t("predict.saliency"),
        )
        st.caption(t("predict.saliency_help", digit=digit))
    remember_digit(image, digit, true_digit)
    # The box offers the true label when it is known (a test digit), else the reading.
    show_add_digit(image, digit if true_digit is None else int(true_digit), key)
    return digit
