"""Coarse digits, the development set of the "other writers" figure: MNIST digits made the way
UCI's optdigits made its digits, then read exactly as `bench_other_writers.py` reads those.

    python benchmarks/bench_coarse_digits.py --data ../shared/data/mnist.npz --model shipped \
        --out benchmarks/results/coarse_digits_shipped.json

The digits: the last 3,000 of MNIST's training set, which the "robust" preset holds out for
validation (the shipped model never trained on them). Each is made as optdigits' forms were:
its ink fitted into a 32x32 bitmap (aspect kept), thresholded to black and white, counted in
4x4 blocks (8x8, 17 grey levels); then, as in the other writers' benchmark, scaled back to
32x32, redrawn as a canvas stroke (120-220 px, three ink styles) and read by `canvas_to_mnist`.

Why: the other writers' set mixes two differences from MNIST, other hands and an 8x8 scan.
This set has MNIST's hands and the scan only, so it measures what the scan costs, and the
coarse-grid augmentation (`AugmentConfig.coarse`) was tuned here; the other writers' digits are
only ever measured. A drawing the canvas refuses (nothing left, or only a dot) counts as
misread.
"""

from __future__ import annotations

import numpy as np
from common import add_model_option, load_data, load_model, most_confused, parser, report
from PIL import Image

import cnn
from cnn.images.drawing import INK_STYLES
from cnn.writer_digits import counts_to_image

HELD_OUT = 3000  # the robust preset's validation split: 5 % of 60,000


def optdigits_like(digit: np.ndarray) -> np.ndarray:
    """An MNIST digit (28x28 uint8) as optdigits would have scanned it, scaled to 32x32 0-1."""
    image = digit.astype(np.float32) / 255.0
    rows = np.flatnonzero(image.max(axis=1) > 0.3)
    cols = np.flatnonzero(image.max(axis=0) > 0.3)
    crop = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    height, width = crop.shape
    side = max(height, width)
    square = np.zeros((side, side), np.float32)
    top, left = (side - height) // 2, (side - width) // 2
    square[top : top + height, left : left + width] = crop
    bitmap = np.asarray(
        Image.fromarray(square, mode="F").resize((32, 32), Image.Resampling.BILINEAR)
    )
    return counts_to_image((bitmap > 0.5).reshape(8, 4, 8, 4).sum(axis=(1, 3)))


def main() -> None:
    arguments = parser(__doc__)
    add_model_option(arguments)
    args = arguments.parse_args()
    data = load_data(args.data)
    model, name = load_model(args.model)
    digits, labels = data.x_train[-HELD_OUT:], data.y_train[-HELD_OUT:].astype(np.int64)
    rng = np.random.default_rng(0)
    read, refused = [], np.zeros(len(labels), bool)
    for index, digit in enumerate(digits):
        style = INK_STYLES[index % len(INK_STYLES)]
        canvas = cnn.redraw_as_canvas(
            optdigits_like(digit), height=int(rng.integers(120, 221)), style=style
        )
        try:
            read.append(cnn.canvas_to_mnist(canvas))
        except cnn.CanvasError:
            refused[index] = True
            read.append(np.zeros((28, 28), np.float32))
    predicted = cnn.predict_probabilities(model, np.stack(read)).argmax(axis=1)
    right = (predicted == labels) & ~refused
    clean = cnn.predict_probabilities(model, digits).argmax(axis=1) == labels
    report(
        {
            "benchmark": "coarse_digits",
            "model": name,
            "digits": int(len(labels)),
            "source": "MNIST training digits 57,000-59,999 (held out by the robust preset), "
            "scanned as optdigits (8x8, 17 levels), redrawn on the canvas",
            "accuracy": round(float(right.mean()), 4),
            "accuracy_unscanned": round(float(clean.mean()), 4),
            "refused_by_canvas": int(refused.sum()),
            "by_digit": {str(d): round(float(right[labels == d].mean()), 4) for d in range(10)},
            "most_confused": most_confused(labels, predicted),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
