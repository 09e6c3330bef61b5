"""The course as a Jupyter notebook (`cnn.notebook`, `python -m cnn notebook`): the handout's
order, the student's network and recipe as Keras code, and, run in a real kernel by
nbclient on a small MNIST file, the parameter count `cnn` gives."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import nbformat
import pytest

import cnn
from cnn import notebook
from cnn.cli import main

CJK = re.compile(r"[\u4e00-\u9fff]")
OTHER = replace(
    cnn.PRESETS["quick"],
    model=cnn.ModelConfig(
        filters=(8,),
        kernel_size=3,
        padding="valid",
        pooling="average",
        activation="tanh",
        conv_dropout=0.1,
        dense_units=32,
        dense_dropout=0.2,
    ),
    epochs=1,
)


def code(nb) -> str:
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")


def test_the_course_notebook_follows_the_handout():
    nb = notebook.course_notebook(cnn.PRESETS["course"])
    nbformat.validate(nb)
    kinds = [cell.cell_type for cell in nb.cells]
    assert kinds[0] == "markdown" and kinds.count("code") == 6
    source = code(nb)
    for line in (
        'layers.Conv2D(16, (5, 5), padding="same", activation="relu")',
        "layers.MaxPooling2D(pool_size=(2, 2))",
        'layers.Conv2D(36, (5, 5), padding="same", activation="relu")',
        "layers.Dropout(0.25)",
        'layers.Dense(128, activation="relu", kernel_initializer="random_normal")',
        "layers.Dropout(0.5)",
        'layers.Dense(10, activation="softmax", kernel_initializer="random_normal")',
        "model.summary()",
        'reshape(-1, 28, 28, 1).astype("float32") / 255',
        "keras.utils.to_categorical(y_train, 10)",
        "keras.optimizers.Adam(learning_rate=0.001",
        "validation_split=0.2",
        "epochs=10",
        "batch_size=200",
        'os.environ.get("MNIST_PATH")',
        "keras.datasets.mnist.load_data()",
        "model.evaluate(x_test4d, y_test_onehot",
    ):
        assert line in source, line
    order = [source.index(s) for s in ("load_data", "reshape", "Sequential", "fit(", "evaluate(")]
    assert order == sorted(order)
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    assert "242,062" in text and "240 batches an epoch" in text  # 48,000 / 200


def test_another_network_and_recipe_are_written_as_they_are():
    source = code(notebook.course_notebook(OTHER))
    assert 'layers.Conv2D(8, (3, 3), padding="valid", activation="tanh")' in source
    assert "layers.AveragePooling2D" in source and "MaxPooling2D" not in source
    assert "CosineDecay" in source and "label_smoothing=0.1" in source
    assert "beta_2=0.99" in source and "epochs=1" in source


def test_the_chinese_notebook_explains_in_chinese():
    nb = notebook.course_notebook(cnn.PRESETS["course"], "zh")
    texts = [cell.source for cell in nb.cells if cell.cell_type == "markdown"]
    assert all(CJK.search(text) for text in texts)
    assert code(nb) == code(notebook.course_notebook(cnn.PRESETS["course"], "en"))


def test_an_augmenting_recipe_adds_keras_augmentation_layers_without_parameters():
    source = code(notebook.course_notebook(cnn.PRESETS["robust"]))
    assert "layers.RandomRotation(0.03" in source and "layers.RandomZoom(0.1" in source
    texts = "\n".join(c.source for c in notebook.course_notebook(cnn.PRESETS["robust"]).cells)
    assert "cnn.images.augment" in texts  # says what plain Keras leaves out


def test_the_command_writes_the_notebook(tmp_path, capsys):
    out = tmp_path / "course.ipynb"
    assert main(["notebook", "--preset", "quick", "--epochs", "3", "--out", str(out)]) == 0
    nb = nbformat.read(out, as_version=4)
    assert "epochs=3" in code(nb)
    assert "76,898 parameters" in capsys.readouterr().out
    assert main(["notebook", "--kernel-size", "0", "--out", str(out)]) == 2
    assert json.loads(out.read_text())["nbformat"] == 4


@pytest.mark.slow
@pytest.mark.parametrize("recipe", [cnn.PRESETS["course"], OTHER], ids=["course", "other"])
def test_the_notebook_runs_and_counts_the_parameters_cnn_counts(
    recipe, tmp_path, write_mnist_npz, monkeypatch
):
    from nbclient import NotebookClient

    monkeypatch.setenv("MNIST_PATH", str(write_mnist_npz(tmp_path / "mnist.npz", 400, 100)))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = notebook.course_notebook(replace(recipe, epochs=1))
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    printed = re.sub(  # Keras' summary is rich text: its colours removed
        r"\x1b\[[0-9;]*m",
        "",
        "\n".join(
            output.get("text", "") + output.get("data", {}).get("text/plain", "")
            for cell in nb.cells
            if cell.cell_type == "code"
            for output in cell.outputs
        ),
    )
    found = re.search(r"Total params: ([\d,]+)", printed)
    assert found, printed[-2000:]
    assert int(found.group(1).replace(",", "")) == cnn.count_params(recipe.model)
    assert re.search(r"test accuracy 0\.\d{4}", printed)
    assert "train: (400, 28, 28)" in printed
