"""architecture page (to be written)."""

import streamlit as st

from ui.state import t

st.title(t("nav.architecture"))
