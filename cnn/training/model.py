"""Building the CNN (from a `ModelConfig`) and the multilayer-perceptron baseline in Keras."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import keras
from keras import layers

from cnn.config import INPUT_SHAPE, NUM_CLASSES, ModelConfig
from cnn.recipe import OptimizerConfig, TrainingRecipe

LOSS = "categorical_crossentropy"
MIXED_POLICY = "mixed_bfloat16"


def make_optimizer(name: str, learning_rate, *, beta_2: float = 0.999):
    """A fresh Keras optimizer by name; `learning_rate` may be a float or a schedule; `beta_2`
    is Adam's (the others have none)."""
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=learning_rate, beta_2=beta_2)
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=learning_rate)
    raise ValueError(f"Unknown optimizer {name!r}; expected 'adam', 'sgd' or 'rmsprop'.")


def compile_model(model, optimizer: OptimizerConfig | None = None, *, learning_rate=None):
    """Compile as the course does: categorical cross-entropy, accuracy, the chosen optimizer.

    Args:
        optimizer: the optimizer and learning rate (Adam at 0.001 when None).
        learning_rate: instead of the optimizer's own: a schedule, say.
    """
    optimizer = optimizer or OptimizerConfig()
    rate = optimizer.learning_rate if learning_rate is None else learning_rate
    model.compile(
        optimizer=make_optimizer(optimizer.name, rate, beta_2=optimizer.beta_2),
        loss=LOSS,
        metrics=["accuracy"],
    )
    return model


def build_model(
    config: ModelConfig | None = None,
    *,
    optimizer: OptimizerConfig | None = None,
    mixed_precision: bool = False,
    seed: int | None = None,
):
    """The CNN described by `config` (the course's model by default), compiled.

    Reads like the architecture: each block is Conv2D + 2x2 pooling; then dropout, flatten,
    a hidden dense layer, dropout and the 10-way softmax. Layer names match `layer_table`.

    Args:
        config: the network; `ModelConfig()` when None.
        optimizer: compiled with it (Adam at 0.001 when None); `train` compiles again with
            its recipe's.
        mixed_precision: compute in bfloat16 with float32 weights; the output stays float32.
        seed: makes the initial weights reproducible.

    Returns:
        A compiled `keras.Sequential`; the default has 242,062 parameters.
    """
    config = config or ModelConfig()
    if seed is not None:
        keras.utils.set_random_seed(seed)
    dtype = MIXED_POLICY if mixed_precision else None
    pool = layers.MaxPooling2D if config.pooling == "max" else layers.AveragePooling2D
    model = keras.Sequential(name="cnn")
    model.add(keras.Input(shape=INPUT_SHAPE, name="input"))
    for block, filters in enumerate(config.filters, start=1):
        model.add(
            layers.Conv2D(
                filters,
                config.kernel_size,
                padding=config.padding,
                activation=config.activation,
                name=f"conv_{block}",
                dtype=dtype,
            )
        )
        model.add(pool(pool_size=2, name=f"pool_{block}", dtype=dtype))
    model.add(layers.Dropout(config.conv_dropout, name="dropout_1", dtype=dtype))
    model.add(layers.Flatten(name="flatten", dtype=dtype))
    model.add(
        layers.Dense(
            config.dense_units,
            activation=config.activation,
            kernel_initializer="random_normal",
            name="dense",
            dtype=dtype,
        )
    )
    model.add(layers.Dropout(config.dense_dropout, name="dropout_2", dtype=dtype))
    # Probabilities stay float32 even in mixed precision.
    model.add(
        layers.Dense(
            NUM_CLASSES,
            activation="softmax",
            kernel_initializer="random_normal",
            name="output",
            dtype="float32",
        )
    )
    return compile_model(model, optimizer)


def build_for(recipe: TrainingRecipe, *, seed: int | None = None):
    """The CNN of `recipe.model`, in the recipe's precision, compiled with its optimizer."""
    return build_model(
        recipe.model,
        optimizer=recipe.optimizer,
        mixed_precision=recipe.mixed_precision,
        seed=seed,
    )


def build_mlp(
    hidden_units: int = 1000,
    dropout: float = 0.5,
    *,
    optimizer: OptimizerConfig | None = None,
    seed: int | None = None,
):
    """The multilayer-perceptron baseline the course compares the CNN with, compiled the same way.

    Flatten -> Dense(hidden_units, relu) -> Dropout -> Dense(10, softmax).
    """
    if isinstance(hidden_units, bool) or not isinstance(hidden_units, int) or hidden_units < 1:
        raise ValueError(f"hidden_units = {hidden_units!r}: expected a positive integer.")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout = {dropout!r}: expected a rate from 0 up to 1.")
    if seed is not None:
        keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE, name="input"),
            layers.Flatten(name="flatten"),
            layers.Dense(
                hidden_units, activation="relu", kernel_initializer="random_normal", name="dense"
            ),
            layers.Dropout(dropout, name="dropout"),
            layers.Dense(
                NUM_CLASSES,
                activation="softmax",
                kernel_initializer="random_normal",
                name="output",
            ),
        ],
        name="mlp",
    )
    return compile_model(model, optimizer)


def save_model_bytes(model) -> bytes:
    """A Keras model as `.keras` bytes, for a download button."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        return Path(path).read_bytes()
