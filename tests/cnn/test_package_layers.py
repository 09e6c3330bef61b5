"""The rule the tree shows: `cnn.inference` and `cnn.images` (and `import cnn` itself) run
without TensorFlow, Keras, Plotly or Streamlit; only `cnn.training` imports TensorFlow.

Checked in a fresh Python process (this test process has long imported all four), importing
every module of the two packages, so a module added later is covered too.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("tensorflow", "keras", "plotly", "streamlit")

SCRIPT = """
import importlib, json, pkgutil, sys
import cnn
loaded = []
for package in ("cnn.inference", "cnn.images"):
    module = importlib.import_module(package)
    for info in pkgutil.iter_modules(module.__path__):
        importlib.import_module(f"{package}.{info.name}")
        loaded.append(f"{package}.{info.name}")
for name in ("cnn.config", "cnn.recipe", "cnn.run", "cnn.data", "cnn.layer_table", "cnn.errors",
             "cnn.training", "cnn.training.concurrency", "cnn.training.preload",
             "cnn.training.memory", "cnn.training.hardware"):
    importlib.import_module(name)
    loaded.append(name)
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[1])))
print(json.dumps({"loaded": loaded, "heavy": heavy}))
"""


def test_importing_cnn_inference_and_images_loads_no_tensorflow_keras_plotly_or_streamlit():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "cnn.inference.engine" in report["loaded"] and "cnn.images.photo" in report["loaded"]
    assert report["heavy"] == []


def _imported_tops(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    tops = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            tops |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            tops.add(node.module.split(".")[0])
    return tops


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (ROOT / "cnn").rglob("*.py") if "training" not in p.relative_to(ROOT).parts),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_only_cnn_training_names_tensorflow_or_keras_in_its_source(path):
    """Not even a lazy import inside a function: outside `cnn/training/` no code imports them
    (`cnn/__init__.py` names `cnn.training` modules in its lazy table, as strings)."""
    assert _imported_tops(path) & {"tensorflow", "keras"} == set()


def test_the_layers_import_downwards_only():
    """`cnn.inference` and `cnn.images` never import `cnn.training`, and nothing in `cnn`
    imports the app (`ui`, `pages`) or the class board (`classroom`)."""
    for path in (ROOT / "cnn").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules.add(node.module)
            elif isinstance(node, ast.Import):
                modules |= {alias.name for alias in node.names}
        tops = {m.split(".")[0] for m in modules}
        assert tops & {"ui", "pages", "classroom", "streamlit", "plotly"} == set(), path
        part = path.relative_to(ROOT / "cnn").parts[0]
        if part in ("inference", "images"):
            assert not any(m.startswith("cnn.training") for m in modules), path
