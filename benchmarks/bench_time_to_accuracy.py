"""Time to 99.0 % test accuracy on full MNIST: the course recipe against the quick preset.

    python benchmarks/bench_time_to_accuracy.py --out benchmarks/results/time_to_accuracy.json

Test accuracy is checked every half epoch; the time spent checking is not counted. Both
recipes train in bf16 mixed precision where the CPU has native bf16, in float32 elsewhere, as
the Training page does.
Target: quick <= 10 s on 2 cores (issue 15; it was 20 s).
"""

from __future__ import annotations

import time

from common import load_data, parser, report

import cnn

TARGET = 0.99


def time_to_target(data, recipe: cnn.TrainingRecipe, seed: int) -> dict:
    recipe = recipe.with_settings(mixed_precision=cnn.cpu_has_native_bf16())
    model = cnn.build_for(recipe, seed=seed)
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

    batches = recipe.batches_per_epoch(len(data.x_train))
    cnn.train(model, data, recipe, seed=seed, progress=check, progress_every=max(1, batches // 2))
    return {
        "mixed_precision": recipe.mixed_precision,
        "seconds_to_99": reached.get("seconds"),
        "epoch_at_99": reached.get("epoch"),
        "final_test_accuracy": checks[-1]["test_accuracy"] if checks else None,
        "checks": checks,
    }


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--recipes", nargs="+", default=["quick", "course"])
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
            "target_quick_s": 10,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
