"""Test accuracy of a training recipe over several seeds, with the training time.

    python benchmarks/bench_accuracy.py --recipe course --seeds 1 2 3 \
        --out benchmarks/results/accuracy_course_float32.json
    python benchmarks/bench_accuracy.py --recipe best --seeds 1 2 3 --mixed-precision auto \
        --out benchmarks/results/accuracy_best_bf16.json

One result file per recipe and precision: `accuracy_<recipe>_<float32|bf16>.json`.

Targets: the course recipe's median >= 0.991, the "best" preset's >= 0.995.
"""

from __future__ import annotations

import statistics
import time

from common import load_data, parser, report

import cnn
from cnn.training.hardware import MIXED_PRECISION_CHOICES, mixed_precision_for


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    arguments.add_argument("--recipe", default="course", choices=list(cnn.PRESETS))
    arguments.add_argument("--epochs", type=int, help="default: the recipe's")
    arguments.add_argument(
        "--mixed-precision",
        choices=MIXED_PRECISION_CHOICES,
        default="off",
        help="bfloat16 compute; 'auto' turns it on where the CPU has native bf16",
    )
    args = arguments.parse_args()
    data = load_data(args.data)
    mixed = mixed_precision_for(args.mixed_precision)
    recipe = cnn.PRESETS[args.recipe].with_settings(mixed_precision=mixed)
    if args.epochs:
        recipe = recipe.with_settings(epochs=args.epochs)
    runs = []
    for seed in args.seeds:
        model = cnn.build_for(recipe, seed=seed)
        start = time.perf_counter()
        history = cnn.train(model, data, recipe, seed=seed).history
        seconds = time.perf_counter() - start
        result = cnn.evaluate(model, data)
        runs.append(
            {
                "seed": seed,
                "test_accuracy": result.accuracy,
                "test_loss": round(result.loss, 4),
                "train_seconds": round(seconds, 1),
                "epochs": len(history["loss"]),
                "val_accuracy_per_epoch": [round(v, 4) for v in history["val_accuracy"]],
                "train_accuracy_per_epoch": [round(v, 4) for v in history["accuracy"]],
            }
        )
        print(runs[-1], flush=True)
    report(
        {
            "benchmark": "accuracy",
            "recipe": args.recipe,
            "epochs": recipe.epochs,
            "mixed_precision": mixed,
            "data": data.source,
            "runs": runs,
            "median_test_accuracy": statistics.median(r["test_accuracy"] for r in runs),
            "target_median": 0.995 if args.recipe == "best" else 0.991,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
