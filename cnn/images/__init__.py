"""Pictures into MNIST's format: the geometry every path shares (`geometry`: the 20-pixel box,
centring by centre of mass, morphology), canvas drawings (`drawing`), photos of a digit on
paper (`photo`, run in stages: `photo_file` reads the file, `photo_clean` cleans the page,
`photo_errors` holds the refusals), the invariance lab's transforms (`invariance`) and
generated phone photos for tests and benchmarks (`photo_synth`).

Nothing in this package imports TensorFlow or Keras (a test checks it).
"""

from cnn import submodules_on_demand

# `cnn.images.<module>` without importing the module first.
__getattr__ = submodules_on_demand(__name__)
