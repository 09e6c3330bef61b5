"""Memory after repeated train-and-replace cycles in one process, as one app session does
when a user trains again and again (the old model must be released).

    python benchmarks/bench_memory_cycles.py --cycles 20 --out benchmarks/results/memory_cycles.json

Each cycle builds the course's CNN, trains one epoch on the offline sample (4,000 digits), evaluates
it, predicts one digit, takes feature maps and a saliency map, then drops the previous model.
Reports the process RSS after each cycle.
"""

from __future__ import annotations

import time

from common import parser, report

import cnn
from cnn.training import memory


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--cycles", type=int, default=20)
    args = arguments.parse_args()
    data = cnn.load_sample()
    image = cnn.to_4d_float(data.x_test[:1])[0, ..., 0]
    rss, model = [], None
    start = time.perf_counter()
    for _ in range(args.cycles):
        new_model = cnn.build_model()
        cnn.train(new_model, data, cnn.TrainingRecipe(epochs=1))
        cnn.evaluate(new_model, data)
        cnn.predict_digit(new_model, image)
        cnn.feature_maps(new_model, image)
        cnn.saliency_map(new_model, image)
        model = new_model  # the session replaces its model
        del new_model
        memory.release_memory()
        rss.append(round(memory.process_rss_mb(), 1))
        print(f"cycle {len(rss)}: RSS {rss[-1]} MB", flush=True)
    half = len(rss) // 2
    report(
        {
            "benchmark": "memory_cycles",
            "cycles": args.cycles,
            "seconds": round(time.perf_counter() - start, 1),
            "rss_mb_after_each_cycle": rss,
            "growth_mb_second_half": round(rss[-1] - rss[half - 1], 1) if half else None,
            "model_kept": model is not None,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
