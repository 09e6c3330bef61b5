"""Where a training step's time goes: each weighted layer of the course's model alone, TensorFlow
against PyTorch, in GFLOPS next to the machine's matrix multiply.

    python benchmarks/bench_layers.py --out benchmarks/results/layers.json

For a batch of 200 (the course's), each of conv 5x5 1->16 on 28x28, conv 5x5 16->36 on 14x14
and dense 1,764->128 is timed forward alone and forward + backward (gradients of the input
and the weights: 3x the forward FLOPs), best of 3 rounds of 30 calls, inside a `tf.function`
(PyTorch: eager, optional). A layer far below the matmul GFLOPS is where the hardware limit
of `bench_training.py` is lost. Needs no data.
"""

from __future__ import annotations

import time

from common import matmul_gflops, parser, report

BATCH = 200
# name: (input shape without the batch, output channels or units, kernel size; None = dense)
LAYERS = {
    "conv1_5x5_1to16_28x28": ((28, 28, 1), 16, 5),
    "conv2_5x5_16to36_14x14": ((14, 14, 16), 36, 5),
    "dense_1764to128": ((1764,), 128, None),
}


def forward_flops(shape: tuple, units: int, kernel: int | None) -> int:
    """Multiply-adds x 2 of one sample's forward pass ("same" padding keeps the size)."""
    if kernel is None:
        return 2 * shape[0] * units
    height, width, channels = shape
    return 2 * height * width * units * kernel * kernel * channels


def best_ms(call, calls: int = 30, rounds: int = 3) -> float:
    call()
    call()  # traced and warmed up
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            call()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1000


def tensorflow_ms(shape: tuple, units: int, kernel: int | None) -> tuple[float, float]:
    import keras
    import tensorflow as tf

    layer = (
        keras.layers.Dense(units)
        if kernel is None
        else keras.layers.Conv2D(units, kernel, padding="same")
    )
    x = tf.random.uniform((BATCH, *shape))
    layer.build(x.shape)
    forward = tf.function(lambda: layer(x))

    @tf.function
    def forward_backward():
        with tf.GradientTape() as tape:
            tape.watch(x)
            total = tf.reduce_sum(layer(x))
        return tape.gradient(total, [x, *layer.trainable_variables])

    return (
        best_ms(lambda: forward().numpy()),
        best_ms(lambda: [g.numpy() for g in forward_backward()]),
    )


def torch_ms(shape: tuple, units: int, kernel: int | None) -> tuple[float, float] | None:
    try:
        import torch
    except ImportError:
        return None
    if kernel is None:
        layer, x = torch.nn.Linear(shape[0], units), torch.rand(BATCH, *shape)
    else:
        height, width, channels = shape
        layer = torch.nn.Conv2d(channels, units, kernel, padding=kernel // 2)
        x = torch.rand(BATCH, channels, height, width)
    x.requires_grad_(True)

    def forward():
        with torch.no_grad():
            layer(x)

    def forward_backward():
        layer.zero_grad()
        x.grad = None
        layer(x).sum().backward()

    return best_ms(forward), best_ms(forward_backward)


def main() -> None:
    args = parser(__doc__).parse_args()
    gflops = matmul_gflops()
    layers = {}
    for name, (shape, units, kernel) in LAYERS.items():
        giga = forward_flops(shape, units, kernel) * BATCH / 1e9
        entry = {"forward_gflop_per_batch": round(giga, 3)}
        frameworks = {"tensorflow": tensorflow_ms(shape, units, kernel)}
        frameworks["torch"] = torch_ms(shape, units, kernel)
        for framework, times in frameworks.items():
            if times is None:
                continue
            forward, both = times
            entry[framework] = {
                "forward_ms": round(forward, 2),
                "forward_backward_ms": round(both, 2),
                "forward_gflops": round(giga / forward * 1000, 1),
                "forward_backward_gflops": round(3 * giga / both * 1000, 1),
            }
        layers[name] = entry
    report(
        {
            "benchmark": "layers",
            "batch": BATCH,
            "matmul_gflops_float32": round(gflops, 1),
            "layers": layers,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
