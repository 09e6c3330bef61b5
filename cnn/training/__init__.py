"""Training: Keras models (`model`), the training loop (`loop`), the hardware choices
(`hardware`), the trainings' concurrency limits (`concurrency`), the TensorFlow import in the
background (`preload`) and the process' memory (`memory`).

This is the only package of `cnn` that imports TensorFlow: `model` and `loop` do, at import.
The package itself does not, so `concurrency`, `preload`, `memory` and `hardware` stay light.
"""

from cnn import submodules_on_demand

# `cnn.training.<module>` without importing the module first.
__getattr__ = submodules_on_demand(__name__)
