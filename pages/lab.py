"""Invariance lab: shift, rotate, scale, thicken and blur a digit, and watch the CNN and the
MLP side by side; sweep charts, in a second tab, show where each one breaks. The transforms
and the sweep are `cnn.images.invariance`'s; both models run in NumPy
(`cnn.NumpyModel`)."""

from __future__ import annotations

import numpy as np
import streamlit as st

import cnn
from cnn.images.invariance import TRANSFORMS, sweep, transform
from ui import charts, keys
from ui.data_state import require_dataset
from ui.frame import ensure_frame
from ui.models import selected_model
from ui.text import t
from ui.widgets import chapter_tabs, kept

ensure_frame()

AVERAGE_DIGITS = 100  # test digits each sweep is also averaged over, when asked
SLIDERS = ("shift_x", "shift_y", "rotate", "scale", "thickness", "noise")
# The slider's widget key and the plain key that keeps its value across pages.
SLIDER_KEYS = {name: (f"lab_{name}", f"lab_value_{name}") for name in SLIDERS}
# The text of each unit `TRANSFORMS` names, in the reader's language.
UNIT_KEYS = {"px": "lab.unit_px", "°": "lab.unit_degrees", "×": "lab.unit_times",
             "steps": "lab.unit_steps", "σ": "lab.unit_sigma"}  # fmt: skip


@st.cache_resource(show_spinner=False)
def shipped_mlp():
    """The shipped MLP as a `cnn.NumpyModel`, loaded once per process, read-only."""
    return cnn.load_shipped_mlp()


def the_models() -> dict:
    """{"CNN": the model in use (sidebar), "MLP": the session's MLP if trained, else the
    shipped one}; a missing model is left out."""
    models = {}
    cnn_model = selected_model().model
    if cnn_model is not None:
        models["CNN"] = cnn_model
    baseline = st.session_state.get(keys.MLP)
    if baseline is not None and st.session_state.get("lab_mlp_source") == "session":
        models["MLP"] = cnn.as_numpy_model(baseline.model)
    else:
        try:
            models["MLP"] = shipped_mlp()
        except (FileNotFoundError, ValueError) as error:
            st.warning(t("lab.no_mlp", error=error))
    return models


@st.cache_data(show_spinner=False, max_entries=64)
def cached_sweep(_models: dict, model_key: tuple, images: np.ndarray, labels, name: str):
    """`sweep`, cached on the models' identity and the digits (the average over test digits
    is the same for every visitor of the shipped pair)."""
    return sweep(_models, images, labels, name)


def pick_random_digit() -> None:
    data = require_dataset()
    index = int(np.random.default_rng().integers(len(data.x_test)))
    image = data.x_test[index].astype(np.float32) / 255.0
    st.session_state[keys.CURRENT_DIGIT] = {"image": image, "label": int(data.y_test[index])}


def reset_sliders() -> None:
    for name, (_, value_key) in SLIDER_KEYS.items():
        st.session_state[value_key] = TRANSFORMS[name].neutral


def current_digit() -> dict:
    """The digit the lab works on: the last one predicted on the Predict page (drawn,
    photographed or from the test set), else a random test digit."""
    if keys.CURRENT_DIGIT not in st.session_state:
        pick_random_digit()
    return st.session_state[keys.CURRENT_DIGIT]


def unit(name: str) -> str:
    """The unit of the transformation `name`, translated ("px", "°", "×", ...)."""
    return t(UNIT_KEYS[TRANSFORMS[name].unit])


def slider_format(name: str) -> str:
    """The slider's printf format with its unit: "%d px", "%d°", "%.2f×". A symbol sticks to
    the number; a word ("px", "像素") stands apart."""
    text = unit(name).replace("%", "%%")
    number = "%d" if float(TRANSFORMS[name].step).is_integer() else "%.2f"
    return number + (text if len(text) == 1 and not text.isalpha() else f" {text}")


def show_digit_choice() -> None:
    """Where the digit comes from: Random, and which MLP when this session trained one."""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button(t("lab.random"), key="lab_random", icon=":material/casino:",
                  on_click=pick_random_digit)  # fmt: skip
        if st.session_state.get(keys.MLP) is not None:
            st.segmented_control(
                t("lab.mlp_source"), ["shipped", "session"], key="lab_mlp_source",
                format_func=lambda source: t(f"lab.mlp_{source}"), default="shipped",
            )  # fmt: skip
    st.caption(t("lab.digit_source"))


def show_sliders() -> dict:
    """The six sliders and Reset; returns the settings for `transform`."""
    settings = {}
    columns = st.columns(3)
    for index, name in enumerate(SLIDERS):
        spec = TRANSFORMS[name]
        widget_key, value_key = SLIDER_KEYS[name]
        with columns[index % 3]:
            value = st.slider(
                t(f"lab.{name}"), float(spec.low), float(spec.high), step=float(spec.step),
                format=slider_format(name),
                **kept(widget_key, value_key, float(spec.neutral)),
            )  # fmt: skip
        settings[spec.parameter] = int(value) if spec.parameter in ("dx", "dy") else value
    st.button(t("lab.reset"), key="lab_reset", icon=":material/restart_alt:",
              on_click=reset_sliders)  # fmt: skip
    return settings


def show_side_by_side(image: np.ndarray, label: int, models: dict) -> None:
    """The transformed digit (a picture, not a chart: the tab opens without Plotly), and what
    each model reads in it."""
    image_column, *model_columns = st.columns([1.2] + [1] * len(models))
    with image_column, st.container(key="lab_image"):
        # Framed: a digit shifted to the edge shows where the 28 x 28 pixels the models read end.
        picture = charts.framed(charts.digit_grid_image(image[None], columns=1, scale=8, gap=0))
        st.image(charts.png_data_uri(picture), caption=t("lab.transformed", label=label))
    for column, (name, model) in zip(model_columns, models.items(), strict=True):
        probabilities = cnn.predict_digit(model, image)
        predicted = int(probabilities.argmax())
        with column:
            st.metric(
                t("lab.reads", model=name), predicted, border=True,
                delta=t("lab.right") if predicted == label else t("lab.wrong"),
                delta_color="green" if predicted == label else "red",
                delta_arrow="off",
            )  # fmt: skip
            st.caption(
                t(
                    "lab.confidence",
                    confidence=f"{probabilities[predicted]:.1%}",
                    label=label,
                    true=f"{probabilities[label]:.1%}",
                )
            )


def show_transform(digit: dict, models: dict) -> None:
    """The first chapter: move the sliders, see what each model reads, and why."""
    settings = show_sliders()
    show_side_by_side(transform(digit["image"], **settings), digit["label"], models)
    st.info(t("lab.lesson"), icon=":material/school:")


def show_sweeps(image: np.ndarray, label: int, models: dict) -> None:
    """The second chapter, one chart per transformation: the true digit's probability for each
    model, for this digit (solid) and on average over test digits (dashed)."""
    help_text = st.empty()  # above the toggle, but it speaks of dashed lines only when shown
    with_average = st.toggle(t("lab.with_average", count=AVERAGE_DIGITS), key="lab_average")
    if with_average:
        help_text.caption(t("lab.sweeps_help_average", count=AVERAGE_DIGITS))
    else:
        help_text.caption(t("lab.sweeps_help"))
    data = require_dataset()
    sample = slice(0, min(AVERAGE_DIGITS, len(data.x_test)))
    model_key = tuple((name, id(model), model.count_params()) for name, model in models.items())
    columns = st.columns(2)
    for index, name in enumerate(SLIDERS):
        current = cached_sweep(models, model_key, image[None], (label,), name)
        average = None
        if with_average:
            average = cached_sweep(
                models, model_key, data.x_test[sample], tuple(data.y_test[sample]), name
            )
        figure = charts.sweep_figure(
            current,
            average,
            x_title=t("lab.sweep_axis", name=t(f"lab.{name}"), unit=unit(name)),
            y_title=t("lab.true_probability"),
            average_label=t("lab.average_label"),
        )
        with columns[index % 2]:
            st.plotly_chart(
                figure, key=f"lab_sweep_{name}", alt=t("lab.sweep_alt", name=t(f"lab.{name}"))
            )


st.title(t("nav.lab"))
st.caption(t("lab.intro"))
digit = current_digit()
models = the_models()
show_digit_choice()
chapter_tabs(
    "lab_tab",
    {
        "transform": lambda: show_transform(digit, models),
        "sweeps": lambda: show_sweeps(digit["image"], digit["label"], models),
    },
    "lab.tab_",
)
