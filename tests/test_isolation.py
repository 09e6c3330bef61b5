"""The tests take nothing from the machine they run on (`tests/isolation.py`).

The tests below `test_the_suite_ignores_the_settings_of_the_machine_it_runs_on` pass in any
environment; that one runs them again (with the AppTest ones of
`tests/app/test_offline_environment.py`) in a child pytest whose environment is set up as a
teacher's or a developer's machine may be: `MNIST_PATH` naming another (small) MNIST file,
a Keras cache holding one, a class deployment's caps, queue size and class code, a Streamlit
option. Before the isolation, the module-scoped fixture below read that other file (as
`tests/app/test_classroom_page.py`'s `sample` read full MNIST and failed with `MNIST_PATH`
set), and `TRAINING_QUEUE` took its size from `CNN_LAB_MAX_TRAININGS`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from isolation import OUTER_SETTINGS, is_outer_setting, isolate, offline_environ

import cnn
from cnn.data import keras_cache_path
from cnn.training.concurrency import TRAINING_QUEUE

ROOT = Path(__file__).resolve().parents[1]
APP_TESTS = "tests/app/test_offline_environment.py"


@pytest.fixture(scope="module")
def module_data() -> cnn.Dataset:
    """Loaded as a module-scoped fixture is: before any function-scoped fixture has run."""
    return cnn.load_mnist(download=False)


def test_a_module_fixture_gets_the_offline_sample(module_data):
    sample = cnn.load_sample()
    assert module_data.is_sample
    assert module_data.x_train.shape == sample.x_train.shape
    assert module_data.x_test.shape == sample.x_test.shape


def test_no_setting_of_the_machine_reaches_a_test():
    assert [name for name in os.environ if is_outer_setting(name)] == []
    assert not keras_cache_path().exists()


def test_a_process_a_test_starts_sees_the_same_environment():
    script = (
        "import json, os; from cnn.data import keras_cache_path; "
        "print(json.dumps([sorted(os.environ), keras_cache_path().exists()]))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    names, cached = json.loads(output.stdout)
    assert [name for name in names if is_outer_setting(name)] == []
    assert cached is False


def test_the_training_queue_has_a_slot_per_core():
    """`cnn.training.concurrency` sizes its queue when it is imported: the isolation came first."""
    assert TRAINING_QUEUE.slots == (os.cpu_count() or 1)


def test_offline_environ_drops_the_settings_and_keeps_the_rest(tmp_path):
    outer = {
        "PATH": "/usr/bin",
        "CNN_LAB_REQUIRE_BROWSER": "1",  # an option of the test run: kept
        "MNIST_PATH": "/data/mnist.npz",
        "KERAS_HOME": "/home/teacher/.keras",
        "CNN_LAB_MAX_EPOCHS": "2",
        "STREAMLIT_SERVER_PORT": "8502",
    }
    assert offline_environ(outer, tmp_path) == {
        "PATH": "/usr/bin",
        "CNN_LAB_REQUIRE_BROWSER": "1",
        "KERAS_HOME": str(tmp_path),
    }


def test_isolate_restores_what_it_changed():
    environ = {"PATH": "/usr/bin", "MNIST_PATH": "/data/mnist.npz", "STREAMLIT_X": "1"}
    restore = isolate(environ)
    keras_home = Path(environ["KERAS_HOME"])
    assert set(environ) == {"PATH", "KERAS_HOME"} and keras_home.is_dir()
    restore()
    assert environ == {"PATH": "/usr/bin", "MNIST_PATH": "/data/mnist.npz", "STREAMLIT_X": "1"}
    assert not keras_home.exists()


def test_every_setting_the_app_reads_is_isolated():
    """A new CNN_LAB_ variable in the app's code must be added to `OUTER_SETTINGS`."""
    sources = [ROOT / "app.py"]
    for package in ("cnn", "ui", "classroom", "pages"):
        sources += sorted((ROOT / package).rglob("*.py"))
    read = set()
    for source in sources:
        read |= set(re.findall(r"\bCNN_LAB_[A-Z0-9_]+\b", source.read_text(encoding="utf-8")))
    assert read, "no CNN_LAB_ setting found: has the code moved?"
    assert read - OUTER_SETTINGS == set()


def test_the_suite_ignores_the_settings_of_the_machine_it_runs_on(tmp_path, write_mnist_npz):
    """The tests above and the AppTest ones, in a pytest started with a class deployment's
    environment and another MNIST file: all must still pass. Without the isolation (e.g.
    `isolate()` removed from tests/conftest.py) the module-scoped fixture gets the other
    file's 50 digits, the queue 7 slots, and the AppTest page shows the other file."""
    keras_home = tmp_path / "keras_home"
    write_mnist_npz(keras_home / "datasets" / "mnist.npz", train=30, test=10)
    environment = {
        **os.environ,
        "MNIST_PATH": str(write_mnist_npz(tmp_path / "other_mnist.npz", train=50, test=20)),
        "KERAS_HOME": str(keras_home),
        "CNN_LAB_MAX_TRAININGS": "7",
        "CNN_LAB_MAX_EPOCHS": "1",
        "CNN_LAB_MAX_TRAIN_DIGITS": "100",
        "CNN_LAB_CLASS_PRESET": "quick",
        "CNN_LAB_CLASS_CODE": "OUTER-ROOM",
        "STREAMLIT_CLIENT_TOOLBAR_MODE": "developer",
    }
    this_test = "tests/test_isolation.py::" + INNER_RUN
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfEs"]
    command += ["tests/test_isolation.py", APP_TESTS, "--deselect", this_test]
    result = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    said = result.stdout[-4000:] + result.stderr[-2000:]
    assert result.returncode == 0, said
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed and int(passed.group(1)) >= 9, said  # not skipped, nor none collected
    assert "skipped" not in result.stdout, said


INNER_RUN = test_the_suite_ignores_the_settings_of_the_machine_it_runs_on.__name__
