"""The tests' one tiny network (the `small_config` fixture, or imported where a module needs
it at import time): the course's layers with 4 and 8 filters and 16 dense units, which trains
in a second on a few hundred digits."""

from __future__ import annotations

from cnn.config import ModelConfig

SMALL_CONFIG = ModelConfig(filters=(4, 8), dense_units=16)
