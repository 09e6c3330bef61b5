"""`python -m cnn`: summary, train, download, run as a person runs them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import cnn
from cnn.config import ModelConfig

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-m", "cnn", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    """`python -m cnn ARGS` in this process (no interpreter start-up): exit code, out, err.
    argparse's usage errors exit with `SystemExit(2)`, as the command does."""
    from cnn.cli import main

    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_summary_prints_the_seed_table():
    result = run_cli("summary")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Total params: 242,062" in out
    for name in ("conv_1", "pool_1", "conv_2", "pool_2", "dropout_1", "flatten", "dense"):
        assert name in out
    assert "(5×5×1 + 1) × 16 = 416" in out
    assert "1,764 × 128 + 128 = 225,920" in out


def test_summary_follows_the_options(capsys):
    code, out, err = run_main(capsys, "summary", "--filters", "8", "--kernel-size", "3")
    assert code == 0, err
    expected = cnn.count_params(ModelConfig(filters=(8,), kernel_size=3))
    assert expected != 242_062
    assert f"Total params: {expected:,}" in out
    assert "conv_2" not in out


@pytest.mark.parametrize("command", ["summary", "train"])
def test_an_invalid_option_exits_2_with_a_message(command, capsys):
    code, _, err = run_main(capsys, command, "--kernel-size", "0")
    assert code == 2
    assert "kernel_size = 0" in err
    assert "Traceback" not in err


def test_an_unknown_choice_exits_2(capsys):
    code, _, err = run_main(capsys, "summary", "--padding", "full")
    assert code == 2
    assert "invalid choice" in err


def test_a_missing_data_file_exits_2(tmp_path, capsys):
    missing = tmp_path / "none.npz"
    code, _, err = run_main(capsys, "train", "--data", str(missing), "--epochs", "1")
    assert code == 2
    assert str(missing) in err and "does not exist" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_train_on_a_tiny_file(tmp_path, write_mnist_npz):
    data = write_mnist_npz(tmp_path / "tiny.npz", train=500, test=100)
    model_path = tmp_path / "m.keras"
    metrics_path = tmp_path / "m.json"
    result = run_cli(
        "train",
        "--data",
        str(data),
        "--epochs",
        "1",
        "--out",
        str(model_path),
        "--seed",
        "1",
        "--metrics",
        str(metrics_path),
        "--augment",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert "Data: MNIST, 500 train / 100 test" in lines
    assert "Total params: 242,062" in lines
    assert any(line.startswith("Epoch 1/1 - ") and "val_accuracy" in line for line in lines)
    final = [line for line in lines if re.fullmatch(r"\[\d+\.\d{4}, [01]\.\d{4}\]", line)]
    assert len(final) == 1, lines
    loss, accuracy = json.loads(final[0])

    metrics = json.loads(metrics_path.read_text())
    assert metrics["epochs"] == 1 and metrics["seed"] == 1
    assert metrics["augment"] is True  # --augment on the course preset
    assert metrics["test_loss"] == pytest.approx(loss, abs=1e-4)
    assert metrics["test_accuracy"] == pytest.approx(accuracy, abs=1e-4)
    assert len(metrics["history"]["loss"]) == 1
    assert metrics["config"] == ModelConfig().to_dict()

    model = cnn.load_model_file(model_path)
    assert model.count_params() == 242_062
    # The saved model is the one that was evaluated.
    sample = cnn.load_mnist_file(data)
    result = cnn.evaluate(model, sample)
    assert result.accuracy == pytest.approx(accuracy, abs=1e-4)


@pytest.mark.slow
def test_train_the_mlp_baseline_on_a_tiny_file(tmp_path, write_mnist_npz):
    data = write_mnist_npz(tmp_path / "tiny.npz", train=500, test=100)
    model_path = tmp_path / "mlp.keras"
    metrics_path = tmp_path / "mlp.json"
    result = run_cli(
        "train",
        "--network",
        "mlp",
        "--data",
        str(data),
        "--epochs",
        "1",
        "--seed",
        "3",
        "--out",
        str(model_path),
        "--metrics",
        str(metrics_path),
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert "Data: MNIST, 500 train / 100 test" in lines
    assert "Total params: 795,010" in lines  # the MLP's table, not the CNN's
    assert "Total params: 242,062" not in lines
    assert not any("conv_1" in line for line in lines)
    assert any(line.startswith("Epoch 1/1 - ") and "val_accuracy" in line for line in lines)
    final = [line for line in lines if re.fullmatch(r"\[\d+\.\d{4}, [01]\.\d{4}\]", line)]
    assert len(final) == 1, lines
    loss, accuracy = json.loads(final[0])
    assert f"Saved {model_path}" in lines

    metrics = json.loads(metrics_path.read_text())
    assert metrics["network"] == "mlp"
    assert metrics["config"] == {"network": "mlp", "hidden_units": 1000, "dropout": 0.5}
    assert "model" not in metrics["recipe"]
    assert metrics["epochs"] == 1 and metrics["seed"] == 3
    assert metrics["batch_size"] == 200 and metrics["validation_split"] == 0.2
    assert metrics["recipe"]["optimizer"] == {
        "name": "adam",
        "learning_rate": 0.001,
        "beta_2": 0.999,
    }
    assert metrics["recipe"]["label_smoothing"] == 0.0
    assert metrics["test_accuracy"] == pytest.approx(accuracy, abs=1e-4)
    assert metrics["test_loss"] == pytest.approx(loss, abs=1e-4)

    # The NumPy engine reads it without Keras, and it is the model that was evaluated.
    model = cnn.load_model_file(model_path)
    assert model.count_params() == 795_010
    assert cnn.evaluate(model, cnn.load_mnist_file(data)).accuracy == pytest.approx(
        accuracy, abs=1e-4
    )


def test_the_mlp_takes_the_course_recipe_from_any_preset():
    from cnn.cli import _mlp_recipe, build_parser

    args = build_parser().parse_args(["train", "--network", "mlp", "--preset", "quick"])
    recipe = _mlp_recipe(args)
    assert recipe.optimizer == cnn.PRESETS["course"].optimizer  # baseline_recipe's
    assert recipe.schedule.name == "constant" and not recipe.mixed_precision
    quick = cnn.PRESETS["quick"]  # the preset's data settings
    assert (recipe.epochs, recipe.batch_size) == (quick.epochs, quick.batch_size)
    default = build_parser().parse_args(["train"])
    assert default.network == "cnn"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--filters", "8"], "--filters"),
        (["--kernel-size", "3", "--dense-units", "10"], "--kernel-size, --dense-units"),
        (["--mixed-precision", "on"], "--mixed-precision"),
    ],
)
def test_the_mlp_refuses_the_cnn_options(options, message, capsys):
    from cnn.cli import main

    assert main(["train", "--network", "mlp", *options]) == 2
    err = capsys.readouterr().err
    assert message in err and "MLP" in err.upper(), err
    assert "Traceback" not in err


def test_an_unknown_network_is_a_usage_error(capsys):
    code, _, err = run_main(capsys, "train", "--network", "rnn")
    assert code == 2
    assert "invalid choice" in err


def test_download_fails_fast_without_network(offline_environment):
    # A proxy that refuses connections stands for "no network", whatever this machine has.
    dead = "http://127.0.0.1:9"
    start = time.perf_counter()
    result = run_cli(
        "download",
        "--timeout",
        "0.5",
        timeout=60,
        https_proxy=dead,
        HTTPS_PROXY=dead,
        no_proxy="",
        NO_PROXY="",
    )
    elapsed = time.perf_counter() - start
    assert result.returncode == 1
    assert "Could not download MNIST" in result.stderr
    assert "MNIST_PATH" in result.stderr
    assert elapsed < 20
    assert not (offline_environment / "datasets" / "mnist.npz").exists()


def test_no_command_is_a_usage_error(capsys):
    code, _, err = run_main(capsys)
    assert code == 2
    assert "usage" in err.lower()


def test_main_in_process(capsys):
    from cnn.cli import main

    assert main(["summary", "--filters", "4", "8", "--dense-units", "10"]) == 0
    expected = cnn.count_params(ModelConfig(filters=(4, 8), dense_units=10))
    assert f"Total params: {expected:,}" in capsys.readouterr().out


def test_extra_digits_that_cannot_be_used_exit_2(tmp_path, write_mnist_npz, capsys):
    data = write_mnist_npz(tmp_path / "tiny.npz", train=50, test=20)
    broken = tmp_path / "extra.npz"
    broken.write_bytes(b"not a zip")
    code, out, err = run_main(capsys, "train", "--data", str(data), "--extra-digits", str(broken))
    assert code == 2 and str(broken) in err and "not a readable .npz" in err
    assert "Traceback" not in err and "Epoch" not in out

    good = tmp_path / "good.npz"
    np.savez(good, x_train=np.zeros((5, 28, 28), np.uint8), y_train=np.arange(5))
    code, out, err = run_main(
        capsys, "train", "--data", str(data), "--extra-digits", str(good), "--extra-weight", "2"
    )
    assert code == 2 and "--extra-weight 2.0" in err and "Epoch" not in out


@pytest.mark.slow
def test_train_with_extra_digits_adds_them_to_the_training_digits(
    tmp_path, write_mnist_npz, sample
):
    data = write_mnist_npz(tmp_path / "tiny.npz", train=500, test=100)
    extra = tmp_path / "extra.npz"
    np.savez(extra, x_train=sample.x_test[-50:], y_train=sample.y_test[-50:])
    metrics_path = tmp_path / "m.json"
    result = run_cli(
        "train", "--data", str(data), "--epochs", "1", "--seed", "1",
        "--extra-digits", str(extra), "--extra-weight", "0.5", "--metrics", str(metrics_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # 0.5 of 500 MNIST digits: the 50 extra ones 5 times over, in front of MNIST's.
    assert "Data: MNIST, 500 train / 100 test + 50 digits from extra.npz × 5" in result.stdout
    metrics = json.loads(metrics_path.read_text())
    assert metrics["extra_digits"] == str(extra) and metrics["extra_weight"] == 0.5
