"""Pictures into MNIST's format: the geometry every path shares (`geometry`: the 20-pixel box,
centring by centre of mass, morphology), canvas drawings (`drawing`), photos of a digit on
paper (`photo`, run in stages: `photo_file` reads the file, `photo_clean` cleans the page,
`photo_errors` holds the refusals), the invariance lab's transforms (`invariance`) and
generated phone photos for tests and benchmarks (`photo_synth`).

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
