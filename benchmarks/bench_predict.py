"""Prediction latency: `canvas_to_mnist` + `predict_digit` on one 280x280 canvas, and the
saliency map, through the NumPy engine
(`cnn.inference.engine`); TensorFlow beside it for comparison.

    python benchmarks/bench_predict.py --out benchmarks/results/predict.json

Targets: canvas + prediction p50 <= 0.5 ms, saliency p50 <= 5 ms. The same shipped model
through TensorFlow (a compiled function with a fixed signature, as the app used before, and
`GradientTape` for the saliency) is timed in the same run, after the engine, so the ratio
is measured in one sitting. `--no-tensorflow` skips that part.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from common import load_data, parser, report

import cnn

CALLS = 1000


def ms(values, q: float) -> float:
    return round(float(np.percentile(values, q)) * 1000, 3)


def time_calls(function, inputs, calls: int = CALLS) -> list[float]:
    function(inputs[0])  # warm-up (and TensorFlow's trace)
    seconds = []
    for call in range(calls):
        start = time.perf_counter()
        function(inputs[call % len(inputs)])
        seconds.append(time.perf_counter() - start)
    return seconds


def tensorflow_timings(images: list[np.ndarray]) -> dict:
    """The shipped model in Keras: a compiled prediction and a GradientTape saliency."""
    import keras
    import tensorflow as tf

    model = keras.saving.load_model(
        cnn.inference.model_io.DEFAULT_MODEL_PATH, compile=False, safe_mode=True
    )
    predict = tf.function(
        lambda x: model(x, training=False),
        input_signature=[tf.TensorSpec((1, 28, 28, 1), tf.float32)],
    ).get_concrete_function()

    def saliency(image):
        x = tf.Variable(cnn.to_4d_float(image))
        with tf.GradientTape() as tape:
            probabilities = model(x, training=False)
            score = probabilities[0, int(tf.argmax(probabilities[0]))]
        return np.abs(tape.gradient(score, x).numpy())

    predicted = time_calls(lambda image: predict(tf.constant(cnn.to_4d_float(image))), images)
    explained = time_calls(saliency, images, calls=200)
    return {"predict_p50_ms": ms(predicted, 50), "saliency_p50_ms": ms(explained, 50)}


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--no-tensorflow", action="store_true")
    args = arguments.parse_args()
    data = load_data(args.data)
    model = cnn.load_default_model()
    rng = np.random.default_rng(0)
    canvases = [
        cnn.redraw_as_canvas(data.x_test[i], height=int(rng.integers(90, 241)), top=None, left=None)
        for i in rng.choice(len(data.x_test), 50, replace=False)
    ]
    images = [cnn.canvas_to_mnist(canvas) for canvas in canvases]
    total = time_calls(
        lambda canvas: cnn.predict_digit(model, cnn.canvas_to_mnist(canvas)), canvases
    )
    preprocess = time_calls(cnn.canvas_to_mnist, canvases)
    predict = time_calls(lambda image: cnn.predict_digit(model, image), images)
    saliency = time_calls(lambda image: cnn.saliency_map(model, image), images)
    batch = data.x_test[:1000]
    start = time.perf_counter()
    cnn.predict_probabilities(model, batch)
    batch_seconds = time.perf_counter() - start
    result = {
        "benchmark": "predict",
        "engine": "numpy (cnn.inference.engine)",
        "calls": CALLS,
        "canvas_and_predict_p50_ms": ms(total, 50),
        "canvas_and_predict_p99_ms": ms(total, 99),
        "canvas_to_mnist_p50_ms": ms(preprocess, 50),
        "predict_digit_p50_ms": ms(predict, 50),
        "saliency_p50_ms": ms(saliency, 50),
        "saliency_p99_ms": ms(saliency, 99),
        "predict_1000_digits_s": round(batch_seconds, 3),
        "targets": {"canvas_and_predict_p50_ms": 0.5, "saliency_p50_ms": 5.0},
        "tensorflow_imported_by_the_engine": "tensorflow" in sys.modules,
    }
    if not args.no_tensorflow:
        result["tensorflow"] = tensorflow_timings(images)
    report(result, args.out)


if __name__ == "__main__":
    main()
