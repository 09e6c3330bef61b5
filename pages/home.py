"""Home: the course's story in one screen, with links into the pages."""

import streamlit as st

from ui.frame import ensure_frame
from ui.text import t

ensure_frame()

st.title(t("app.title"))
st.caption(t("app.tagline"))
st.write(t("home.intro"))

left, right = st.columns(2)
with left:
    st.markdown(t("home.step_data"))
    st.page_link("pages/dataset.py", label=t("home.go_dataset"), icon=":material/dataset:")
    st.markdown(t("home.step_convolution"))
    st.markdown(t("home.step_pooling"))
    st.markdown(t("home.step_classifier"))
    st.page_link(
        "pages/architecture.py", label=t("home.go_architecture"), icon=":material/account_tree:"
    )
with right:
    st.markdown(t("home.step_training"))
    st.page_link("pages/training.py", label=t("home.go_training"), icon=":material/model_training:")
    st.markdown(t("home.step_prediction"))
    st.page_link("pages/predict.py", label=t("home.go_predict"), icon=":material/draw:")
    st.info(t("home.conclusion"))
