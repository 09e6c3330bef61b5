"""Everything a trained model does, in NumPy: the engine (`engine`), Keras configs turned into
engine models (`keras_config`), model files read as untrusted data (`model_archive`,
`model_io`), predictions, saliency and feature maps (`inspection`), evaluation on a test set
(`evaluation`) and the single layer operations the Architecture page shows (`operations`).

Nothing in this package imports TensorFlow or Keras (a test checks it).
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
