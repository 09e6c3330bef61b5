"""Training: Keras models (`model`), the training loop (`loop`), the hardware choices
(`hardware`), the trainings' concurrency limits (`concurrency`), the TensorFlow import in the
background (`preload`) and the process' memory (`memory`).

This is the only package of `cnn` that imports TensorFlow: `model` and `loop` do, at import.
The package itself does not, so `concurrency`, `preload`, `memory` and `hardware` stay light.
"""

import importlib


def __getattr__(name: str):
    """`cnn.<package>.<module>` without importing the module first (as `cnn.<name>` works)."""
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
