"""A digit drawn on a canvas and what the model reads in it: the Predict page's drawing, and
the lesson's last step. Each place has its own canvas (`prefix`: its widgets' keys), cleared by
giving it a new key."""

from __future__ import annotations

import streamlit as st

import cnn
from ui.errors import error_text
from ui.prediction import show_prediction
from ui.text import t

CANVAS_SIZE = 280  # 10x MNIST's 28 px
# A 20 px pen on a digit ~200 px tall becomes a ~2 px stroke at 28x28, as in MNIST.
STROKE_WIDTH = 20


def version_key(prefix: str) -> str:
    """The session key of the canvas' version (bumped by Clear; part of the canvas' key)."""
    return f"{prefix}_canvas_version"


def clear_canvas(prefix: str) -> None:
    # A new key gives a fresh, empty canvas.
    st.session_state[version_key(prefix)] = st.session_state.get(version_key(prefix), 0) + 1


def show_canvas(prefix: str = "predict"):
    """The drawing surface and its Clear button; returns the drawing (None before a stroke)."""
    st.subheader(t("predict.draw_title"))
    st.space("medium")  # room for the canvas' floating toolbar above the drawing
    # Imported at each call, as a page would: a test can put a stand-in in sys.modules.
    from streamlit_drawable_canvas import st_canvas

    version = st.session_state.get(version_key(prefix), 0)
    canvas = st_canvas(
        stroke_width=STROKE_WIDTH,
        stroke_color="#000000",
        background_color="#FFFFFF",
        width=CANVAS_SIZE,
        height=CANVAS_SIZE,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"{prefix}_canvas" if version == 0 else f"{prefix}_canvas_{version}",
    )
    st.button(
        t("predict.clear"),
        key=f"{prefix}_clear",
        icon=":material/ink_eraser:",
        on_click=clear_canvas,
        args=(prefix,),
    )
    st.caption(t("predict.draw_help"))
    return canvas.image_data


def show_drawing_prediction(model, drawing, prefix: str = "predict") -> int | None:
    """The drawing as MNIST digits are made, and what the model reads in it; returns the
    digit read (None before a drawing, or when there is no model or it failed)."""
    if drawing is None:
        st.info(t("predict.draw_prompt"), icon=":material/draw:")
        return None
    try:
        image = cnn.canvas_to_mnist(drawing)
    except cnn.BlankCanvasError as error:  # nothing drawn yet: an invitation, not a warning
        st.info(error_text(error), icon=":material/draw:")
        return None
    except cnn.CanvasError as error:
        st.warning(error_text(error), icon=":material/warning:")
        return None
    except ValueError as error:
        st.warning(t("predict.bad_canvas", error=error), icon=":material/warning:")
        return None
    if model is None:
        return None
    return show_prediction(model, image, key=f"{prefix}_drawing")
