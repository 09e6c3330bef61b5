"""A digit on paper, photographed: the camera or an uploaded picture, each step of
`cnn.images.photo.photo_steps` shown small, then the prediction as for a drawing."""

from __future__ import annotations

import streamlit as st

from cnn.images.photo import PhotoError, PhotoSteps, photo_steps
from ui.classboard import add_shown_digit, follow_digit
from ui.errors import error_text
from ui.prediction import show_prediction
from ui.text import t

PHOTO_TYPES = ["png", "jpg", "jpeg", "webp"]  # what phones and laptops send
STEP_WIDTH = 110  # px: small, side by side, whatever the picture's shape
SHOWN_STEPS = ("picture", "light", "evened", "digit_mask", "digit", "mnist")


def read_photo(source) -> tuple[PhotoSteps | None, str | None]:
    """The steps for an uploaded or camera picture, or None and why it cannot be read. Any
    failure is a message: a photo never breaks the page."""
    try:
        return photo_steps(source.getvalue()), None
    except PhotoError as error:
        return error.steps, error_text(error)
    except Exception as error:  # a decoder's own surprise: still a message, not a traceback
        return None, t("photo.error_not_an_image") + f" ({type(error).__name__})"


def show_steps(steps: PhotoSteps) -> None:
    """The steps done, left to right, small."""
    shown = {name: image for name, image in steps.images().items() if name in SHOWN_STEPS}
    columns = st.columns(len(SHOWN_STEPS))
    for column, (name, image) in zip(columns, shown.items(), strict=False):
        column.image(image, caption=t(f"photo.step_{name}"), width=STEP_WIDTH)


def photo_source(key: str):
    """An upload, and the camera once asked for (it is not started, and its component not
    loaded, before); the picture to read (the upload when both)."""
    camera_column, upload_column = st.columns(2)
    with camera_column:
        shot = None
        if st.toggle(t("photo.use_camera"), key=f"{key}_camera_on"):
            shot = st.camera_input(t("photo.camera"), key=f"{key}_camera")
    with upload_column:
        upload = st.file_uploader(
            t("photo.upload"), type=PHOTO_TYPES, key=f"{key}_upload", help=t("photo.upload_help")
        )
    return upload if upload is not None else shot


def show_photo(model) -> None:
    """Predict page: photograph a digit written on paper and see what the model reads."""
    st.subheader(t("photo.title"))
    st.caption(t("photo.intro"))
    source = photo_source("predict_photo")
    if source is None:
        return
    steps, problem = read_photo(source)
    if steps is not None:
        show_steps(steps)
    if problem is not None:
        st.warning(problem, icon=":material/photo_camera:")
        return
    if model is not None:
        show_prediction(model, steps.mnist, key="predict_photo_result")


def show_class_photo() -> None:
    """Class page: add a digit photographed on paper to the class's digits, as read by
    `photo_to_mnist`, with the digit the student meant."""
    with st.expander(t("photo.class_title"), icon=":material/photo_camera:"):
        upload = st.file_uploader(t("photo.upload"), type=PHOTO_TYPES, key="class_photo_upload")
        if upload is None:
            return
        steps, problem = read_photo(upload)
        if problem is not None:
            st.warning(problem, icon=":material/photo_camera:")
            return
        st.image(steps.images()["mnist"], caption=t("photo.step_mnist"), width=112)
        # A new photo asks again for its digit: the box never carries the last photo's digit.
        follow_digit("class_photo_label", steps.mnist, None)
        with st.container(horizontal=True, vertical_alignment="bottom"):
            label = st.selectbox(
                t("class.meant"),
                list(range(10)),
                index=None,
                placeholder=t("class.meant_placeholder"),
                key="class_photo_label",
            )
            st.button(
                t("class.add"),
                key="class_photo_add",
                on_click=add_shown_digit,
                args=(steps.mnist, "class_photo_label"),
                disabled=label is None,
            )
