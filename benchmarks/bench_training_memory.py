"""Peak memory of one process that trains the course's model on full MNIST, as the app does.

    python benchmarks/bench_training_memory.py --epochs 10 \
        --out benchmarks/results/training_memory.json

Imports Streamlit and caps malloc arenas as the app server does, loads full MNIST, trains the
course's CNN with its recipe (batch 200, validation split 0.2) and evaluates it. Reports the
RSS before training and the process's peak RSS (`ru_maxrss`), total and without shared library
pages.
"""

from __future__ import annotations

import resource
import time

from common import load_data, memory_mb, parser, report

import cnn
from cnn.training import memory


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--epochs", type=int, default=10)
    args = arguments.parse_args()
    import streamlit  # noqa: F401  (the app server has it loaded)

    memory.limit_malloc_arenas()  # as app.py does

    data = load_data(args.data)
    model = cnn.build_model()
    before = memory.process_rss_mb()
    peak_anonymous = 0.0

    def progress(update):
        nonlocal peak_anonymous
        peak_anonymous = max(peak_anonymous, memory_mb()["RssAnon"])

    start = time.perf_counter()
    recipe = cnn.TrainingRecipe(epochs=args.epochs)
    history = cnn.train(model, data, recipe, progress=progress, seed=0).history
    result = cnn.evaluate(model, data)
    peak_anonymous = max(peak_anonymous, memory_mb()["RssAnon"])
    report(
        {
            "benchmark": "training_memory",
            "data": data.source,
            "epochs": args.epochs,
            "seconds": round(time.perf_counter() - start, 1),
            "test_accuracy": round(result.accuracy, 4),
            "val_accuracy_last": round(history["val_accuracy"][-1], 4),
            "rss_mb_before_training": round(before, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "peak_anonymous_rss_mb": round(peak_anonymous, 1),
            "target_peak_rss_mb": 1200,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
