"""Training throughput of the seed model against the hardware limit and PyTorch.

    python benchmarks/bench_training.py --out benchmarks/results/training.json

- s/epoch and samples/s on the seed's split (48k train + 12k validation, batch 200, Adam),
  measured on the second epoch (the first includes tracing).
- The limit: the model's FLOPs per epoch (forward + backward on the training part, forward on
  the validation part) divided by a float32 matrix-multiply GFLOPS measured in the same run.
- The same model in PyTorch eager (optional: skipped when torch is not installed).
Targets: <= 1.3x the limit; >= 1.5x PyTorch eager.
"""

from __future__ import annotations

import time

import numpy as np
from common import load_data, matmul_gflops, parser, report

import cnn
from cnn.layer_table import layer_specs

BATCH, SPLIT = 200, 0.2


def forward_flops_per_sample(config: cnn.ModelConfig) -> int:
    """Multiply-adds x 2 of one forward pass (conv and dense layers; pooling is negligible)."""
    flops, channels = 0, 1
    k = config.kernel_size
    for spec in layer_specs(config):
        if spec.kind == "Conv2D":
            height, width, filters = spec.output_shape
            flops += 2 * k * k * channels * filters * height * width
            channels = filters
        elif spec.kind == "Dense":
            flops += 2 * (spec.params - spec.output_shape[0])  # weights, not biases
    return flops


def keras_epoch_seconds(data) -> float:
    model = cnn.build_model(seed=0)
    history = cnn.train(model, data, epochs=2, batch_size=BATCH, validation_split=SPLIT, seed=0)
    return history["epoch_seconds"][1]


def torch_epoch_seconds(data) -> float | None:
    try:
        import torch
        from torch import nn
    except ImportError:
        return None
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 36, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Dropout(0.25),
        nn.Flatten(),
        nn.Linear(1764, 128),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(128, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.from_numpy(cnn.to_4d_float(data.x_train)).permute(0, 3, 1, 2).contiguous()
    y = torch.from_numpy(data.y_train.astype(np.int64))
    n_val = int(len(x) * SPLIT)
    x_train, y_train, x_val = x[:-n_val], y[:-n_val], x[-n_val:]
    seconds = []
    for _ in range(2):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(x_train))
        for begin in range(0, len(x_train), BATCH):
            index = order[begin : begin + BATCH]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x_train[index]), y_train[index])
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for begin in range(0, len(x_val), BATCH):
                model(x_val[begin : begin + BATCH])
        seconds.append(time.perf_counter() - start)
    return seconds[1]


def main() -> None:
    args = parser(__doc__).parse_args()
    data = load_data(args.data)
    gflops = matmul_gflops()
    n_val = int(len(data.x_train) * SPLIT)
    n_train = len(data.x_train) - n_val
    forward = forward_flops_per_sample(cnn.ModelConfig())
    epoch_flops = 3 * forward * n_train + forward * n_val
    limit = epoch_flops / (gflops * 1e9)
    keras_seconds = keras_epoch_seconds(data)
    torch_seconds = torch_epoch_seconds(data)
    report(
        {
            "benchmark": "training_throughput",
            "data": data.source,
            "matmul_gflops_float32": round(gflops, 1),
            "forward_mflops_per_sample": round(forward / 1e6, 3),
            "epoch_tflops": round(epoch_flops / 1e12, 3),
            "hardware_limit_s_per_epoch": round(limit, 2),
            "keras_s_per_epoch": round(keras_seconds, 2),
            "keras_train_samples_per_s": round(n_train / keras_seconds),
            "keras_vs_limit": round(keras_seconds / limit, 2),
            "torch_eager_s_per_epoch": None if torch_seconds is None else round(torch_seconds, 2),
            "speedup_vs_torch": None
            if torch_seconds is None
            else round(torch_seconds / keras_seconds, 2),
            "targets": {"keras_vs_limit": "<= 1.3", "speedup_vs_torch": ">= 1.5"},
        },
        args.out,
    )


if __name__ == "__main__":
    main()
