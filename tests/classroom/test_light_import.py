"""`import classroom` stays light: no Streamlit, no TensorFlow, no pandas (a server process
that only stores digits never loads them); of `cnn`, only its error base (`cnn.errors`, with
the package's `__init__`, which binds only `cnn.layer_table`, light: the config)."""

from __future__ import annotations

import subprocess
import sys

from board_helpers import ROOT


def test_import_classroom_loads_neither_streamlit_nor_tensorflow():
    code = (
        "import sys, classroom\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('streamlit', 'tensorflow', 'keras', 'cnn', 'pandas'))\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "cnn,cnn.config,cnn.errors,cnn.layer_table"
