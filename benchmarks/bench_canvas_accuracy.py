"""Redrawn-canvas accuracy: MNIST test digits redrawn the way a drawing canvas returns them.

    python benchmarks/bench_canvas_accuracy.py --out benchmarks/results/canvas_accuracy.json

Each test digit is redrawn with hard strokes, 90-240 px tall, anywhere on a 280x280 canvas,
thinner or thicker, in one of three ink styles; then read back with `canvas_to_mnist` and the
shipped model. For comparison, the naive way of many public demos: resize the whole canvas to
28x28 (no cropping, no centring). Target: >= 98 % with `canvas_to_mnist`.
"""

from __future__ import annotations

import numpy as np
from common import add_model_option, load_data, load_model, parser, report
from PIL import Image

import cnn
from cnn.images.drawing import INK_STYLES

THICKNESSES = (-2, -1, 0, 2, 4, 6)


def naive_resize(canvas: np.ndarray) -> np.ndarray:
    ink = cnn.ink_strength(canvas)
    return np.asarray(
        Image.fromarray(ink.astype(np.float32), mode="F").resize((28, 28), Image.BILINEAR)
    ).clip(0, 1)


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--count", type=int, default=10000, help="test digits to redraw")
    add_model_option(arguments)
    args = arguments.parse_args()
    data = load_data(args.data)
    model, model_name = load_model(args.model)
    rng = np.random.default_rng(0)
    count = min(args.count, len(data.x_test))
    ours, naive, by_style, by_thickness, by_height = [], [], {}, {}, {}
    for index in range(count):
        height = int(rng.integers(90, 241))
        top = int(rng.integers(0, 280 - height + 1))
        left = int(rng.integers(0, 280 - height // 2 + 1))
        style = INK_STYLES[index % len(INK_STYLES)]
        thickness = int(rng.choice(THICKNESSES))
        canvas = cnn.redraw_as_canvas(
            data.x_test[index],
            height=height,
            top=top,
            left=left,
            thickness=thickness,
            style=style,
        )
        images = np.stack([cnn.canvas_to_mnist(canvas), naive_resize(canvas)])
        predicted = cnn.predict_probabilities(model, images).argmax(axis=1)
        right = predicted == data.y_test[index]
        ours.append(bool(right[0]))
        naive.append(bool(right[1]))
        by_style.setdefault(style, []).append(bool(right[0]))
        by_thickness.setdefault(thickness, []).append(bool(right[0]))
        by_height.setdefault(f"{height // 50 * 50}-{height // 50 * 50 + 49}", []).append(
            bool(right[0])
        )

    def share(values):
        return round(float(np.mean(values)), 4)

    report(
        {
            "benchmark": "canvas_accuracy",
            "model": model_name,
            "digits": count,
            "data": data.source,
            "canvas_to_mnist_accuracy": share(ours),
            "naive_resize_accuracy": share(naive),
            "by_style": {k: share(v) for k, v in by_style.items()},
            "by_thickness_px": {str(k): share(v) for k, v in sorted(by_thickness.items())},
            "by_height_px": {k: share(v) for k, v in sorted(by_height.items())},
            "target": 0.98,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
