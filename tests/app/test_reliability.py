"""Bad data settings, and sessions that must not see each other's work."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_no_exception, open_page

import cnn
from ui.keys import MODEL_CONFIG, TRAINED

DATA_PAGES = ["pages/dataset.py", "pages/architecture.py", "pages/training.py"]


@pytest.fixture
def bad_mnist_path(monkeypatch, tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=np.zeros((3, 28, 28), np.float32))  # wrong dtype, missing keys
    monkeypatch.setenv("MNIST_PATH", str(path))
    return path


def _errors(at) -> str:
    return " ".join(error.value for error in at.error)


def test_a_broken_mnist_path_is_an_error_message_in_the_sidebar(bad_mnist_path):
    at = open_page()
    assert_no_exception(at)
    sidebar_errors = " ".join(error.value for error in at.sidebar.error)
    assert "MNIST_PATH" in sidebar_errors and str(bad_mnist_path) in sidebar_errors


@pytest.mark.parametrize("page", DATA_PAGES)
def test_a_broken_mnist_path_is_an_error_message_on_every_data_page(bad_mnist_path, page):
    at = open_page(page)
    assert_no_exception(at)
    assert "MNIST_PATH" in _errors(at) and str(bad_mnist_path) in _errors(at)


def test_predict_still_works_for_drawings_and_says_why_there_is_no_test_digit(bad_mnist_path):
    at = open_page("pages/predict.py")
    assert_no_exception(at)
    at.button(key="predict_random").click().run()
    assert_no_exception(at)
    assert "MNIST_PATH" in _errors(at)


def test_a_missing_mnist_path_names_the_file(monkeypatch, tmp_path):
    missing = tmp_path / "nowhere" / "mnist.npz"
    monkeypatch.setenv("MNIST_PATH", str(missing))
    at = open_page("pages/dataset.py")
    assert_no_exception(at)
    assert any(
        str(missing) in error.value and "does not exist" in error.value for error in at.error
    )


def _train_one_epoch(config: cnn.ModelConfig):
    at = open_page("pages/training.py", **{MODEL_CONFIG: config})
    at.slider(key="train_epochs").set_value(1).run()
    at.button(key="train_start").click().run()
    assert_no_exception(at)
    return at


@pytest.mark.slow
def test_two_sessions_training_different_networks_keep_their_own_model_and_history():
    small = cnn.ModelConfig(filters=(4,), dense_units=16)
    other = cnn.ModelConfig(filters=(6, 8), kernel_size=3, dense_units=24, pooling="average")
    first = _train_one_epoch(small)
    second = _train_one_epoch(other)
    first_run, second_run = first.session_state[TRAINED], second.session_state[TRAINED]
    assert first_run.model is not second_run.model
    assert first_run.model.count_params() == cnn.count_params(small)
    assert second_run.model.count_params() == cnn.count_params(other)
    # The networks as set; the precision is the Training page's (bfloat16 where the CPU has it).
    native = cnn.cpu_has_native_bf16()
    assert first_run.recipe.model == small and first_run.recipe.mixed_precision == native
    assert second_run.recipe.model == other and second_run.recipe.mixed_precision == native
    assert first_run.history is not second_run.history
    # The first session, run again, still shows its own model, untouched by the second.
    first.run()
    assert_no_exception(first)
    assert first.session_state[TRAINED].model.count_params() == cnn.count_params(small)
