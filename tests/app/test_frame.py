"""The frame: every page comes with app.py's sidebar and navigation, through public API only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import assert_no_exception, open_page

from ui.frame import PAGES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", [page[0] for page in PAGES[1:]])
def test_a_page_asked_for_directly_runs_inside_the_frame(path):
    # AppTest runs a switched-to page the legacy way (without app.py), as a fresh server does
    # for a shared link: `ensure_frame` must bring the sidebar back.
    at = open_page(path)
    assert_no_exception(at)
    assert at.selectbox(key="sidebar_language").value == "en"
    assert at.radio(key="sidebar_model_source").value == "shipped"


def test_no_page_reaches_into_streamlit_internals():
    sources = [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py")]
    private = re.compile(r"^\s*(from|import)\s+streamlit\.(runtime|elements|commands)\b", re.M)
    offenders = [path.name for path in sources if private.search(path.read_text())]
    assert not offenders, f"private Streamlit modules imported in {offenders}"
