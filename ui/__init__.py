"""Streamlit helpers shared by the pages: their texts, kept widgets, the data and the model in
use, the forms, the charts, the live training and the class board."""
