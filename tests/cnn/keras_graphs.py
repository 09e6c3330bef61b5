"""Keras models built only from layers the NumPy engine runs, but not as a chain: the engine
must refuse them (shared by `test_engine.py` and `test_model_io.py`)."""

from __future__ import annotations

import keras


def skip_connection():
    """A convolution added back onto its own input (an Add layer)."""
    inputs = keras.Input(shape=(28, 28, 1))
    x = keras.layers.Conv2D(1, 3, padding="same")(inputs)
    x = keras.layers.Add()([x, inputs])
    x = keras.layers.Flatten()(x)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))


def two_heads():
    """Only supported layers, but not a chain: two outputs read the same layer."""
    inputs = keras.Input(shape=(28, 28, 1))
    x = keras.layers.Flatten()(inputs)
    heads = [keras.layers.Dense(10, activation="softmax")(x) for _ in range(2)]
    return keras.Model(inputs, heads)
