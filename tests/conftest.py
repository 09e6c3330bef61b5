"""Shared fixtures for the `cnn` unit tests: offline, small and fast.

Every test runs with no `MNIST_PATH` and an empty Keras cache, so nothing is ever
downloaded and full MNIST is never needed: the data is the 5,000-digit offline sample. Nor do
the tests see a class deployment's settings or Streamlit options from the environment they run
in (`tests/isolation.py`): that holds from before the app's packages are imported to the end of
the run, for fixtures of every scope and for every process a test starts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from isolation import isolate

# Here, not in a fixture: a module- or session-scoped fixture runs before any function-scoped
# one (a fixture's monkeypatch came too late for `cnn.load_mnist()` in a module fixture), and
# `cnn.training.concurrency` reads CNN_LAB_MAX_TRAININGS when it is imported, just below.
_restore_environment = isolate()


def pytest_unconfigure(config):
    _restore_environment()


ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `pytest` (not only `python -m pytest`) finds the package
    sys.path.insert(0, str(ROOT))

from networks import SMALL_CONFIG  # noqa: E402

import cnn  # noqa: E402
from cnn.config import ModelConfig  # noqa: E402


@pytest.fixture(scope="session")
def small_config() -> ModelConfig:
    """The tests' one tiny network: the course's layers, 4 and 8 filters, 16 dense units."""
    return SMALL_CONFIG


@pytest.fixture(autouse=True)
def offline_environment(monkeypatch, tmp_path_factory):
    """No MNIST_PATH, and KERAS_HOME pointing at an empty folder of this test's own: no test
    downloads MNIST or reads a copy the machine, or a test before it, left there (the whole
    run is isolated already; this undoes what a test changes)."""
    monkeypatch.delenv("MNIST_PATH", raising=False)
    keras_home = tmp_path_factory.mktemp("keras_home")
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    return keras_home


@pytest.fixture(scope="session")
def sample() -> cnn.Dataset:
    """The offline sample (4,000 train / 1,000 test real MNIST digits)."""
    return cnn.load_sample()


@pytest.fixture(scope="session")
def tiny_data(sample) -> cnn.Dataset:
    """600 training and 200 test digits: enough for a model to learn something in seconds."""
    return sample.subset(600, 200, seed=0)


@pytest.fixture(scope="session")
def write_mnist_npz(sample):
    """A function that saves the first `train` / `test` sample digits as an .npz in Keras'
    layout at `path` (extra keyword arrays replace or add entries) and returns the path."""

    def write(path: Path, train: int = 50, test: int = 20, **arrays) -> Path:
        content = {
            "x_train": sample.x_train[:train],
            "y_train": sample.y_train[:train],
            "x_test": sample.x_test[:test],
            "y_test": sample.y_test[:test],
        }
        content.update(arrays)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as file:  # np.savez(str) would add ".npz" to other names
            np.savez(file, **content)
        return path

    return write


@pytest.fixture
def default_model():
    """The shipped model, or a skip that says why it is missing."""
    from cnn.inference.model_io import DEFAULT_MODEL_PATH

    if not DEFAULT_MODEL_PATH.is_file():
        pytest.skip(
            f"The shipped model {DEFAULT_MODEL_PATH} is missing; train it with "
            "`python -m cnn train --out models/mnist_cnn.keras`."
        )
    return cnn.load_default_model()


@pytest.fixture(autouse=True)
def trainings_are_marked_slow(request, monkeypatch):
    """A test that trains a model must be marked `slow`, so that the quick loop
    (`pytest -m "not slow and not browser"`) stays quick: once the training loop is imported,
    an unmarked test that runs an epoch in the test's own thread fails, naming the rule."""
    loop = sys.modules.get("cnn.training.loop")
    if loop is None or request.node.get_closest_marker("slow") is not None:
        return
    import threading

    original = loop._train_epoch
    main = threading.current_thread()

    def epoch_in_a_quick_test(*args, **kwargs):
        if threading.current_thread() is main:
            pytest.fail(f"{request.node.nodeid} trains a model: mark it @pytest.mark.slow")
        return original(*args, **kwargs)

    monkeypatch.setattr(loop, "_train_epoch", epoch_in_a_quick_test)
