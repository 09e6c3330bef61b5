"""CNN Lab: `streamlit run app.py`. The frame (sidebar, navigation) is `ui.frame`'s."""

import streamlit as st

from cnn.training import memory
from ui.frame import run_app

st.set_page_config(page_title="CNN Lab", page_icon=":material/neurology:", layout="wide")
# Before any page imports TensorFlow: its threads share two malloc arenas (less memory).
memory.limit_malloc_arenas()
run_app()
