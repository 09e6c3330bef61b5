"""Inference without TensorFlow: in a fresh Python process, everything a visitor does who
does not train (the shipped model's predictions and insides, a drawing, an upload, and the
Home, Lesson (every step), Dataset, Architecture and Predict pages) leaves TensorFlow and Keras
unimported; the Training page, opened last, starts importing them in the background.

The check runs in a subprocess because this test process has long imported TensorFlow. When
it fails, the subprocess reports which code imported TensorFlow or Keras first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import cnn
from cnn.inference.model_io import DEFAULT_MODEL_PATH

ROOT = Path(__file__).resolve().parents[2]
MARKER = "NO-TENSORFLOW-CHECK-PASSED"
TIMEOUT = 300

SCRIPT = r"""
import importlib.abc
import json
import sys
import traceback

FIRST_IMPORT = {}


class ImportWatch(importlib.abc.MetaPathFinder):
    # Records where TensorFlow or Keras is first imported from; imports nothing itself.
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in ("tensorflow", "keras") and top not in FIRST_IMPORT:
            frames = traceback.format_stack()[:-1]
            FIRST_IMPORT[top] = "".join(f for f in frames if "<frozen importlib" not in f)
        return None


sys.meta_path.insert(0, ImportWatch())


def check(where):
    imported = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
    if imported:
        for top, stack in FIRST_IMPORT.items():
            print(f"--- the first import of {top} came from:\n{stack}")
        print(f"modules ({len(imported)}): {imported[:10]}")
        print(f"TensorFlow/Keras imported by the end of: {where}")
        sys.exit(3)


upload_path, out_path = sys.argv[1], sys.argv[2]
import numpy as np

import cnn

check("import cnn")
sample = cnn.load_sample()
model = cnn.load_default_model()
digit = sample.x_test[0]
probabilities = cnn.predict_digit(model, digit)
assert probabilities.shape == (10,)
saliency = cnn.saliency_map(model, digit)
assert saliency.shape == (28, 28)
maps = cnn.feature_maps(model, digit)
assert maps[0][0] == "conv_1"
filters = cnn.conv_filters(model)
assert len(filters) == 2
check("the shipped model: predict_digit, saliency_map, feature_maps, conv_filters")

drawing = np.zeros((280, 280, 4), np.uint8)  # black ink on a transparent canvas
drawing[60:220, 125:155, 3] = 255  # a thick vertical stroke: a 1
image = cnn.canvas_to_mnist(drawing)
assert image.shape == (28, 28)
drawn = cnn.predict_digit(model, image)
check("canvas_to_mnist and a prediction of the drawing")

uploaded = cnn.load_model_file(upload_path)
upload_predictions = uploaded.predict(sample.x_test[:5])
upload_saliency = cnn.saliency_map(uploaded, digit)
check("load_model_file on an uploaded .keras")

from streamlit.testing.v1 import AppTest


def no_exception(at, where):
    assert not at.exception, (where, [e.message for e in at.exception])
    check(where)


at = AppTest.from_file("app.py", default_timeout=120)
at.session_state["lang"] = "en"
at.run()
no_exception(at, "app.py")
from cnn.lesson import STEPS

at.switch_page("pages/lesson.py").run()
for step in STEPS:  # every step's live example: the explainers, the canvas, the charts
    at.segmented_control(key="lesson_step_picker").set_value(step).run()
    no_exception(at, f"the lesson's step {step!r}")
for page in ("pages/home.py", "pages/lesson.py", "pages/dataset.py", "pages/architecture.py"):
    at.switch_page(page).run()
    no_exception(at, page)
from ui.i18n import translate

at.session_state["arch_tab"] = translate("arch.tab_model", "en")
at.session_state["arch_tab_name"] = "model"
at.run()
no_exception(at, "the Architecture page's 'inside the model' tab")
inside_the_model = bool(at.get_by_key("arch_filters_chart"))
at.switch_page("pages/predict.py").run()
no_exception(at, "pages/predict.py")
at.button(key="predict_random").click().run()
no_exception(at, "pages/predict.py, a random test digit")
assert at.metric[0].label == "Prediction", [m.label for m in at.metric]
charts = len(at.get("plotly_chart"))
# The invariance lab (both shipped models, the sweeps) and the Class page (a photo read,
# the board) run in NumPy too.
at.switch_page("pages/lab.py").run()
no_exception(at, "pages/lab.py")
at.switch_page("pages/classroom.py").run()
no_exception(at, "pages/classroom.py")
check("the lab and the Class page")

check("everything")
assert "tensorflow" not in sys.modules and "keras" not in sys.modules

# The Training page starts importing TensorFlow in the background when it is opened, so
# that a first Train does not wait for the import.
import cnn.training.preload

at.switch_page("pages/training.py").run()
assert not at.exception, [e.message for e in at.exception]
preloading = cnn.training.preload._thread
assert preloading is not None and preloading.daemon, "the Training page started no import"
preloading.join(timeout=120)
assert "tensorflow" in sys.modules and "keras" in sys.modules
import gc

assert gc.get_freeze_count() > 100_000, gc.get_freeze_count()  # TensorFlow's objects
assert cnn.training.preload.import_tensorflow_in_background() is None  # once per process
with open(out_path, "w") as file:
    json.dump(
        {
            "upload_predictions": upload_predictions.tolist(),
            "shipped": probabilities.tolist(),
            "drawn": int(drawn.argmax()),
            "inside_the_model": inside_the_model,
            "predict_charts": charts,
        },
        file,
    )
print("NO-TENSORFLOW-CHECK-PASSED")
"""


def run_without_tensorflow(upload: Path, out: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("MNIST_PATH", None)
    # The Class page's board: a fresh SQLite file beside the output, never ~/.cnn_lab.
    env["CNN_LAB_DATABASE_URL"] = f"sqlite:///{out.parent / 'class_board.db'}"
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(upload), str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


@pytest.mark.skipif(not DEFAULT_MODEL_PATH.is_file(), reason="no shipped model")
def test_inference_and_the_non_training_pages_never_import_tensorflow(tmp_path, sample):
    keras_model = cnn.build_model(cnn.ModelConfig(filters=(4,), dense_units=8), seed=0)
    upload = tmp_path / "upload.keras"
    keras_model.save(upload)
    out = tmp_path / "result.json"

    result = run_without_tensorflow(upload, out)

    report = f"exit {result.returncode}\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    assert result.returncode == 0, report
    assert MARKER in result.stdout, report
    found = json.loads(out.read_text())
    # The child's numbers are the real thing: the upload predicts as Keras does here.
    expected = keras_model.predict(cnn.to_4d_float(sample.x_test[:5]), verbose=0)
    np.testing.assert_allclose(found["upload_predictions"], expected, rtol=0, atol=1e-5)
    assert int(np.argmax(found["shipped"])) == int(sample.y_test[0])
    assert found["drawn"] == 1
    assert found["inside_the_model"]
    assert found["predict_charts"] == 3  # probabilities, model input, saliency
