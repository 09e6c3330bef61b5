"""Pictures into MNIST's format: the geometry every path shares (`geometry`: the 20-pixel box,
centring by centre of mass, morphology), canvas drawings (`drawing`), photos of a digit on
paper (`photo`), the invariance lab's transforms (`invariance`) and generated phone photos
for tests and benchmarks (`photo_synth`).

Nothing in this package imports TensorFlow or Keras (a test checks it).
"""
