"""Prediction latency: `canvas_to_mnist` + `predict_digit` on one 280x280 canvas.

    python benchmarks/bench_predict.py --out benchmarks/results/predict.json

Target: p50 <= 2 ms. Also times `model.predict` for comparison.
"""

from __future__ import annotations

import time

import numpy as np
from common import load_data, parser, report

import cnn


def main() -> None:
    args = parser(__doc__).parse_args()
    args.calls = 1000
    data = load_data(args.data)
    model = cnn.load_default_model()
    rng = np.random.default_rng(0)
    canvases = [
        cnn.redraw_as_canvas(data.x_test[i], height=int(rng.integers(90, 241)), top=None, left=None)
        for i in rng.choice(len(data.x_test), 50, replace=False)
    ]
    cnn.predict_digit(model, cnn.canvas_to_mnist(canvases[0]))  # trace once
    preprocess, predict, total = [], [], []
    for call in range(args.calls):
        canvas = canvases[call % len(canvases)]
        start = time.perf_counter()
        image = cnn.canvas_to_mnist(canvas)
        middle = time.perf_counter()
        cnn.predict_digit(model, image)
        end = time.perf_counter()
        preprocess.append(middle - start)
        predict.append(end - middle)
        total.append(end - start)
    x = cnn.to_4d_float(data.x_test[:1])
    model.predict(x, verbose=0)
    keras_predict = []
    for _ in range(50):
        start = time.perf_counter()
        model.predict(x, verbose=0)
        keras_predict.append(time.perf_counter() - start)

    def ms(values, q):
        return round(float(np.percentile(values, q)) * 1000, 3)

    report(
        {
            "benchmark": "predict",
            "calls": args.calls,
            "total_p50_ms": ms(total, 50),
            "total_p99_ms": ms(total, 99),
            "canvas_to_mnist_p50_ms": ms(preprocess, 50),
            "predict_digit_p50_ms": ms(predict, 50),
            "keras_model_predict_p50_ms": ms(keras_predict, 50),
            "target_p50_ms": 2.0,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
