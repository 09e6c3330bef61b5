"""Other writers: handwritten digits by people MNIST never saw, drawn onto the canvas and read
back with `canvas_to_mnist` and a model.

    python benchmarks/bench_other_writers.py --model shipped \
        --out benchmarks/results/other_writers_shipped.json

The digits: scikit-learn's `load_digits` (installed with mlxtend, no download), the 1,797
test digits of UCI's "Optical Recognition of Handwritten Digits" (Alpaydin and Kaynak, 1998):
13 writers who are not among MNIST's, scanned forms, 32x32 bitmaps averaged to 8x8 with 17
grey levels. Each is redrawn as a canvas stroke (`redraw_as_canvas`: scaled to 120-220 px,
hard pen edges, in the three ink styles, in turn) and read back. This set is only ever
measured: no model here is trained or tuned on it.

`--digits held` reads, the same way, the quarter of optdigits' *training* writers' digits
that `scripts/fetch_writer_digits.py` holds out (30 other writers; the shipped model learns
from the other three quarters). Settings are chosen on that quarter, never on the test set.
"""

from __future__ import annotations

import numpy as np
from common import ROOT, add_model_option, load_model, most_confused, parser, report

import cnn
from cnn.images.drawing import INK_STYLES
from cnn.writer_digits import counts_to_image

HELD = ROOT / "data" / "writer_digits.npz"


def other_writers(which: str = "test") -> tuple[np.ndarray, np.ndarray, str]:
    """(N, 32, 32) float digits 0-1, their labels, and where they come from."""
    if which == "held":
        if not HELD.exists():
            raise SystemExit(f"error: {HELD} is missing: run scripts/fetch_writer_digits.py")
        with np.load(HELD) as saved:
            counts, labels = saved["held_counts"], saved["y_held"]
        source = "UCI optdigits training writers, the quarter held out (30 writers)"
    else:
        from sklearn.datasets import load_digits

        digits = load_digits()
        counts, labels = digits.images, digits.target
        source = "scikit-learn load_digits (UCI optdigits test set, 13 writers)"
    images = np.stack([counts_to_image(image) for image in counts])
    return images, labels.astype(np.int64), source


def main() -> None:
    arguments = parser(__doc__)
    add_model_option(arguments)
    arguments.add_argument("--digits", choices=("test", "held"), default="test")
    args = arguments.parse_args()
    model, name = load_model(args.model)
    images, labels, source = other_writers(args.digits)
    rng = np.random.default_rng(0)
    read, styles = [], []
    for index, image in enumerate(images):
        style = INK_STYLES[index % len(INK_STYLES)]
        canvas = cnn.redraw_as_canvas(image, height=int(rng.integers(120, 221)), style=style)
        read.append(cnn.canvas_to_mnist(canvas))
        styles.append(style)
    predicted = cnn.predict_probabilities(model, np.stack(read)).argmax(axis=1)
    right = predicted == labels
    styles = np.array(styles)
    report(
        {
            "benchmark": "other_writers",
            "model": name,
            "digits": int(len(labels)),
            "source": source,
            "accuracy": round(float(right.mean()), 4),
            "by_style": {s: round(float(right[styles == s].mean()), 4) for s in INK_STYLES},
            "by_digit": {str(d): round(float(right[labels == d].mean()), 4) for d in range(10)},
            "most_confused": most_confused(labels, predicted),
            "target": 0.95,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
