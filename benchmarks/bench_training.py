"""Training throughput of the course's model against the hardware limit and PyTorch.

    python benchmarks/bench_training.py --out benchmarks/results/training.json

- s/epoch and samples/s on the course's split (48k train + 12k validation, batch 200, Adam):
  the median of epochs 2 to 4 (the first includes tracing); every epoch is listed too.
- The limit: the model's FLOPs per epoch (forward + backward on the training part, without the
  first layer's unneeded input gradient; forward on the validation part) divided by a float32
  matrix-multiply GFLOPS measured in the same run.
- The same model in PyTorch eager (optional: skipped when torch is not installed).
- Where the CPU has native bf16 (AVX-512 BF16 or AMX), all three again in bfloat16: Keras'
  `mixed_bfloat16` policy (what the app trains with there), a bfloat16 matrix multiply for
  the limit, and PyTorch eager under `torch.autocast("cpu", torch.bfloat16)`.
Targets: <= 1.3x the limit; >= 1.5x PyTorch eager.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from common import load_data, matmul_gflops, parser, report

import cnn
from cnn.layer_table import layer_specs

BATCH, SPLIT = 200, 0.2
EPOCHS = 4  # epoch 1 traces; the median of the others is reported


def forward_flops_per_layer(config: cnn.ModelConfig) -> list[int]:
    """Multiply-adds x 2 of one sample's forward pass, per conv and dense layer (pooling and
    activations are negligible)."""
    flops, channels = [], 1
    k = config.kernel_size
    for spec in layer_specs(config):
        if spec.kind == "Conv2D":
            height, width, filters = spec.output_shape
            flops.append(2 * k * k * channels * filters * height * width)
            channels = filters
        elif spec.kind == "Dense":
            flops.append(2 * (spec.params - spec.output_shape[0]))  # weights, not biases
    return flops


def training_flops_per_sample(config: cnn.ModelConfig) -> int:
    """Forward + backward of one training sample: the backward pass computes each layer's
    weight gradient (as many FLOPs as its forward pass) and its input gradient (as many
    again), except the first layer's input gradient, which nothing needs."""
    per_layer = forward_flops_per_layer(config)
    return 3 * sum(per_layer) - per_layer[0]


def keras_epoch_seconds(data, bf16: bool = False) -> list[float]:
    recipe = cnn.TrainingRecipe(
        epochs=EPOCHS, batch_size=BATCH, validation_split=SPLIT, mixed_precision=bf16
    )
    run = cnn.train(cnn.build_for(recipe, seed=0), data, recipe, seed=0)
    return run.history["epoch_seconds"]


def torch_epoch_seconds(data, bf16: bool = False) -> list[float] | None:
    try:
        import torch
        from torch import nn
    except ImportError:
        print("PyTorch is not installed: comparison skipped (pip install torch)", flush=True)
        return None
    from contextlib import nullcontext

    def precision():
        return torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else nullcontext()

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
    for _ in range(EPOCHS):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(x_train))
        for begin in range(0, len(x_train), BATCH):
            index = order[begin : begin + BATCH]
            optimizer.zero_grad()
            with precision():
                logits = model(x_train[index])
            loss = nn.functional.cross_entropy(logits.float(), y_train[index])
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad(), precision():
            for begin in range(0, len(x_val), BATCH):
                model(x_val[begin : begin + BATCH])
        seconds.append(time.perf_counter() - start)
    return seconds


def compare(data, epoch_flops: int, n_train: int, bf16: bool) -> dict:
    """Keras against the limit and PyTorch, all in float32 or all in bfloat16."""
    gflops = matmul_gflops(dtype="bfloat16" if bf16 else "float32")
    limit = epoch_flops / (gflops * 1e9)
    keras_epochs = keras_epoch_seconds(data, bf16)
    torch_epochs = torch_epoch_seconds(data, bf16)
    keras_seconds = statistics.median(keras_epochs[1:])
    torch_seconds = None if torch_epochs is None else statistics.median(torch_epochs[1:])
    return {
        "matmul_gflops": round(gflops, 1),
        "hardware_limit_s_per_epoch": round(limit, 2),
        "keras_s_per_epoch": round(keras_seconds, 2),
        "keras_epoch_seconds": [round(s, 2) for s in keras_epochs],
        "keras_train_samples_per_s": round(n_train / keras_seconds),
        "keras_vs_limit": round(keras_seconds / limit, 2),
        "torch_eager_s_per_epoch": None if torch_seconds is None else round(torch_seconds, 2),
        "torch_epoch_seconds": torch_epochs and [round(s, 2) for s in torch_epochs],
        "speedup_vs_torch": None
        if torch_seconds is None
        else round(torch_seconds / keras_seconds, 2),
    }


def main() -> None:
    args = parser(__doc__).parse_args()
    data = load_data(args.data)
    n_val = int(len(data.x_train) * SPLIT)
    n_train = len(data.x_train) - n_val
    forward = sum(forward_flops_per_layer(cnn.ModelConfig()))
    epoch_flops = training_flops_per_sample(cnn.ModelConfig()) * n_train + forward * n_val
    precisions = {"float32": compare(data, epoch_flops, n_train, bf16=False)}
    if cnn.cpu_has_native_bf16():
        precisions["bfloat16"] = compare(data, epoch_flops, n_train, bf16=True)
    else:
        print("no native bf16 on this CPU: bfloat16 not measured", flush=True)
    report(
        {
            "benchmark": "training_throughput",
            "data": data.source,
            "forward_mflops_per_sample": round(forward / 1e6, 3),
            "epoch_tflops": round(epoch_flops / 1e12, 3),
            **precisions,
            "targets": {"keras_vs_limit": "<= 1.3", "speedup_vs_torch": ">= 1.5"},
        },
        args.out,
    )


if __name__ == "__main__":
    main()
