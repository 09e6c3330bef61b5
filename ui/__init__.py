"""Streamlit helpers shared by the pages: the translation table and session state."""
