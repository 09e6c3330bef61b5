"""The course as a standalone Jupyter notebook: the student's network and recipe as Keras code.

`course_notebook(recipe, language)` writes, in the handout's order and with its explanations
in the chosen language (the `[notebook]` texts of `locales/<language>.toml`), a notebook that
needs only NumPy, Keras/TensorFlow and matplotlib: it reads MNIST from `MNIST_PATH` when set
and through Keras' download otherwise, reshapes and scales the digits, one-hot encodes the
labels, builds the network as `keras.Sequential` code (the same layers `cnn.build_model`
builds, so `model.summary()` prints the parameter count `cnn.count_params` gives), compiles
and fits it with the recipe, evaluates it on the test set and plots the history.

`python -m cnn notebook [--preset P] [--epochs N] [--language zh] --out course.ipynb` writes
one; the Training page offers the same as a download. nbformat is imported when used.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from cnn.config import ModelConfig
from cnn.layer_table import count_params
from cnn.recipe import TrainingRecipe

LOCALES = Path(__file__).resolve().parents[1] / "locales"
MNIST_TRAIN = 60_000
# Every text the notebook uses (`locales/*.toml`, table [notebook]).
TEXT_KEYS = (
    "notebook.title",
    "notebook.intro",
    "notebook.data",
    "notebook.prepare",
    "notebook.network",
    "notebook.summary",
    "notebook.training",
    "notebook.augment",
    "notebook.augment_hands",
    "notebook.evaluate",
    "notebook.history",
    "notebook.conclusion",
)


@cache
def _texts(language: str) -> dict[str, str]:
    english = tomllib.loads((LOCALES / "en.toml").read_text(encoding="utf-8"))["notebook"]
    path = LOCALES / f"{language}.toml"
    chosen = {}
    if language != "en" and path.is_file():
        chosen = tomllib.loads(path.read_text(encoding="utf-8")).get("notebook", {})
    return {**english, **chosen}


def text(key: str, language: str, **values) -> str:
    """A notebook text (`notebook.<name>`) in `language`, English where it has none."""
    return _texts(language)[key.removeprefix("notebook.")].format(**values)


def model_code(config: ModelConfig, recipe: TrainingRecipe | None = None) -> str:
    """`config` as `keras.Sequential` code, layer by layer as `cnn.build_model` builds it
    (with the recipe's rotation, shift and zoom layers first when it augments)."""
    pool = "MaxPooling2D" if config.pooling == "max" else "AveragePooling2D"
    k = config.kernel_size
    lines = ["model = keras.Sequential([", "    keras.Input(shape=(28, 28, 1)),"]
    augment = recipe.augment if recipe is not None else None
    if augment is not None and augment.enabled:
        lines += [
            f'    layers.RandomRotation({augment.rotation}, fill_mode="constant"),',
            f"    layers.RandomTranslation({augment.shift}, {augment.shift}, "
            'fill_mode="constant"),',
            f'    layers.RandomZoom({augment.zoom}, fill_mode="constant"),',
        ]
    for filters in config.filters:
        lines.append(
            f'    layers.Conv2D({filters}, ({k}, {k}), padding="{config.padding}", '
            f'activation="{config.activation}"),'
        )
        lines.append(f"    layers.{pool}(pool_size=(2, 2)),")
    lines += [
        f"    layers.Dropout({config.conv_dropout}),",
        "    layers.Flatten(),",
        f'    layers.Dense({config.dense_units}, activation="{config.activation}", '
        'kernel_initializer="random_normal"),',
        f"    layers.Dropout({config.dense_dropout}),",
        '    layers.Dense(10, activation="softmax", kernel_initializer="random_normal"),',
        "])",
        "model.summary()",
    ]
    return "\n".join(lines)


def _optimizer_code(recipe: TrainingRecipe, steps: int) -> str:
    optimizer = recipe.optimizer
    rate = f"{optimizer.learning_rate}"
    lines = []
    if recipe.schedule.name == "cosine":
        warmup = int(steps * recipe.schedule.warmup_fraction)
        lines.append(
            "learning_rate = keras.optimizers.schedules.CosineDecay(\n"
            f"    initial_learning_rate={optimizer.learning_rate / 100 if warmup else rate},\n"
            f"    decay_steps={max(1, steps - warmup)},\n"
            f"    warmup_target={rate if warmup else None},\n"
            f"    warmup_steps={warmup},\n"
            ")"
        )
        rate = "learning_rate"
    if optimizer.name == "adam":
        made = f"keras.optimizers.Adam(learning_rate={rate}, beta_2={optimizer.beta_2})"
    elif optimizer.name == "sgd":
        made = f"keras.optimizers.SGD(learning_rate={rate}, momentum=0.9)"
    else:
        made = f"keras.optimizers.RMSprop(learning_rate={rate})"
    lines.append(f"optimizer = {made}")
    return "\n".join(lines)


def training_code(recipe: TrainingRecipe) -> str:
    """The recipe as `compile` and `fit` code."""
    steps = recipe.epochs * recipe.batches_per_epoch(MNIST_TRAIN)
    loss = '"categorical_crossentropy"'
    if recipe.label_smoothing:
        loss = f"keras.losses.CategoricalCrossentropy(label_smoothing={recipe.label_smoothing})"
    return (
        f"{_optimizer_code(recipe, steps)}\n"
        f'model.compile(loss={loss}, optimizer=optimizer, metrics=["accuracy"])\n'
        "history = model.fit(\n"
        "    x_train4d,\n"
        "    y_train_onehot,\n"
        f"    validation_split={recipe.validation_split},\n"
        f"    epochs={recipe.epochs},\n"
        f"    batch_size={recipe.batch_size},\n"
        "    verbose=2,\n"
        ")"
    )


DATA_CODE = """import os

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import layers

path = os.environ.get("MNIST_PATH")
if path:  # a copy of mnist.npz, in Keras' layout
    with np.load(path) as mnist:
        x_train, y_train = mnist["x_train"], mnist["y_train"]
        x_test, y_test = mnist["x_test"], mnist["y_test"]
else:
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
print("train:", x_train.shape, "test:", x_test.shape)"""

PREPARE_CODE = """x_train4d = x_train.reshape(-1, 28, 28, 1).astype("float32") / 255
x_test4d = x_test.reshape(-1, 28, 28, 1).astype("float32") / 255
y_train_onehot = keras.utils.to_categorical(y_train, 10)
y_test_onehot = keras.utils.to_categorical(y_test, 10)
print(y_train[0], "->", y_train_onehot[0])"""

EVALUATE_CODE = """test_loss, test_accuracy = model.evaluate(x_test4d, y_test_onehot, verbose=0)
print(f"test loss {test_loss:.4f}, test accuracy {test_accuracy:.4f}")"""

HISTORY_CODE = """figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
for axes, name in ((left, "accuracy"), (right, "loss")):
    axes.plot(history.history[name], label="train")
    axes.plot(history.history["val_" + name], label="validation")
    axes.set_xlabel("epoch")
    axes.set_title(name)
    axes.legend()
plt.show()"""


def course_notebook(recipe: TrainingRecipe, language: str = "en"):
    """The course as an `nbformat` notebook (version 4) for `recipe`, texts in `language`."""
    import nbformat.v4 as nbf

    config = recipe.model
    train_digits = recipe.split_sizes(MNIST_TRAIN)[0]
    values = {
        "params": f"{count_params(config):,}",
        "epochs": recipe.epochs,
        "batch_size": recipe.batch_size,
        "validation_split": recipe.validation_split,
        "train_digits": f"{train_digits:,}",
        "batches": recipe.batches_per_epoch(MNIST_TRAIN),
        "optimizer": recipe.optimizer.name,
        "learning_rate": recipe.optimizer.learning_rate,
    }

    def md(key: str):
        return nbf.new_markdown_cell(text(key, language, **values))

    cells = [
        md("notebook.title"),
        md("notebook.intro"),
        md("notebook.data"),
        nbf.new_code_cell(DATA_CODE),
        md("notebook.prepare"),
        nbf.new_code_cell(PREPARE_CODE),
        md("notebook.network"),
    ]
    if recipe.augment.enabled:
        cells.append(md("notebook.augment"))
        if recipe.augment.hands:
            cells.append(md("notebook.augment_hands"))
    cells += [
        nbf.new_code_cell(model_code(config, recipe)),
        md("notebook.summary"),
        md("notebook.training"),
        nbf.new_code_cell(training_code(recipe)),
        md("notebook.evaluate"),
        nbf.new_code_cell(EVALUATE_CODE),
        md("notebook.history"),
        nbf.new_code_cell(HISTORY_CODE),
        md("notebook.conclusion"),
    ]
    notebook = nbf.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


def notebook_bytes(recipe: TrainingRecipe, language: str = "en") -> bytes:
    """`course_notebook` as the bytes of an `.ipynb` file."""
    import nbformat

    return nbformat.writes(course_notebook(recipe, language)).encode("utf-8")
