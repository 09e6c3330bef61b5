"""Everything a trained model does, in NumPy: the engine (`engine`), Keras configs turned into
engine models (`keras_config`), model files read as untrusted data (`model_archive`,
`model_io`), predictions, saliency and feature maps (`inspection`), evaluation on a test set
(`evaluation`) and the single layer operations the Architecture page shows (`operations`).

Nothing in this package imports TensorFlow or Keras (a test checks it).
"""

from cnn import submodules_on_demand

# `cnn.inference.<module>` without importing the module first.
__getattr__ = submodules_on_demand(__name__)
