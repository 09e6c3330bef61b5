"""Time to 99.0 % test accuracy on full MNIST: the seed recipe against the quick preset.

    python benchmarks/bench_time_to_accuracy.py --out benchmarks/results/time_to_accuracy.json

Test accuracy is checked every half epoch; the time spent checking is not counted. Both
recipes train in bf16 mixed precision where the CPU has native bf16, in float32 elsewhere, as
the Training page does.
Target: quick <= 20 s on 2 cores.
"""

from __future__ import annotations

import time
from dataclasses import replace

from common import load_data, parser, report

import cnn

TARGET = 0.99


def time_to_target(data, recipe: cnn.TrainingRecipe, seed: int) -> dict:
    config = recipe.model
    if cnn.cpu_has_native_bf16():
        config = replace(config, mixed_precision=True)
    model = cnn.build_model(config, seed=seed)
    n_train = len(data.x_train) - int(len(data.x_train) * recipe.validation_split)
    batches = -(-n_train // recipe.batch_size)
    checks, paused = [], [0.0]
    reached = {}

    def check(progress: cnn.TrainingProgress) -> None:
        if progress.epoch_end:
            return  # the mid-epoch check at the last batch already covered it
        training_seconds = progress.seconds - paused[0]  # checks so far not counted
        start = time.perf_counter()
        accuracy = cnn.evaluate(model, data).accuracy
        paused[0] += time.perf_counter() - start
        epoch = progress.epoch - 1 + progress.batch / progress.batches_per_epoch
        checks.append(
            {
                "epoch": round(epoch, 2),
                "seconds": round(training_seconds, 1),
                "test_accuracy": accuracy,
            }
        )
        if accuracy >= TARGET and not reached:
            reached.update(checks[-1])

    cnn.train(
        model,
        data,
        epochs=recipe.epochs,
        batch_size=recipe.batch_size,
        validation_split=recipe.validation_split,
        seed=seed,
        progress=check,
        progress_every=max(1, batches // 2),
        schedule=recipe.schedule,
        warmup_fraction=recipe.warmup_fraction,
    )
    return {
        "mixed_precision": config.mixed_precision,
        "seconds_to_99": reached.get("seconds"),
        "epoch_at_99": reached.get("epoch"),
        "final_test_accuracy": checks[-1]["test_accuracy"] if checks else None,
        "checks": checks,
    }


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--recipes", nargs="+", default=["quick", "seed"])
    arguments.add_argument("--seed", type=int, default=0)
    args = arguments.parse_args()
    data = load_data(args.data)
    results = {name: time_to_target(data, cnn.PRESETS[name], args.seed) for name in args.recipes}
    report(
        {
            "benchmark": "time_to_99",
            "data": data.source,
            "native_bf16": cnn.cpu_has_native_bf16(),
            **results,
            "target_quick_s": 20,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
