"""CNN Lab: `streamlit run app.py`. The frame: page config, sidebar, navigation."""

import streamlit as st

import cnn
from ui.state import sidebar, t

st.set_page_config(page_title="CNN Lab", page_icon=":material/neurology:", layout="wide")
# Before any page imports TensorFlow: its threads share two malloc arenas (less memory).
cnn.limit_malloc_arenas()

PAGES = [
    ("pages/home.py", "nav.home", "help.home", ":material/home:"),
    ("pages/dataset.py", "nav.dataset", "help.dataset", ":material/dataset:"),
    ("pages/architecture.py", "nav.architecture", "help.architecture", ":material/account_tree:"),
    ("pages/training.py", "nav.training", "help.training", ":material/model_training:"),
    ("pages/predict.py", "nav.predict", "help.predict", ":material/draw:"),
]

sidebar()
page = st.navigation(
    [
        st.Page(path, title=t(title), help=t(help_key), icon=icon, default=index == 0)
        for index, (path, title, help_key, icon) in enumerate(PAGES)
    ]
)
page.run()
