""".streamlit/config.toml: the settings a deployment for students relies on."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from streamlit.proto.NewSession_pb2 import Config

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".streamlit" / "config.toml"


def test_students_get_the_viewers_toolbar():
    """No Deploy button and no developer options in the menu, even on localhost."""
    mode = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["client"]["toolbarMode"]
    # What Streamlit accepts (an enum wrapper: keys() is its list of names).
    allowed = [name.lower() for name in Config.ToolbarMode.keys()]  # noqa: SIM118
    assert mode == "viewer" and mode in allowed, allowed


def test_streamlit_reads_the_toolbar_mode_from_the_file():
    """As `streamlit run app.py` in the repository reads it (section and key spelled right)."""
    shown = subprocess.run(
        [sys.executable, "-m", "streamlit", "config", "show"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert '\ntoolbarMode = "viewer"\n' in shown, shown[:2000]
