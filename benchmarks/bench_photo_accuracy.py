"""Photo accuracy: MNIST test digits written on paper and photographed (synthetic photos).

    python benchmarks/bench_photo_accuracy.py --out benchmarks/results/photo_accuracy.json

Each test digit of the offline sample (1,000) is photographed with `cnn.images.photo_synth`: black,
blue or pencil ink on plain, ruled or squared paper (every digit in every combination with
`--all-combinations`, else one combination per digit, cycling), uneven light and a shadow,
blur, sensor noise, JPEG 60-90, 480x640 to 1024x768. Read back with `cnn.photo_to_mnist` and
the shipped model (`--pen-width 3`: written with a thin pen, a ballpoint, along each digit's
centre line); for comparison, the naive path of many demos (grey, invert, resize the
whole photo to 28x28), on the same photos. Target: >= 95 % with `photo_to_mnist`.
"""

from __future__ import annotations

import io
import time

import numpy as np
from common import add_model_option, load_model, parser, report
from PIL import Image

import cnn
from cnn.images.photo import PhotoError, photo_to_mnist
from cnn.images.photo_synth import INKS, PAPERS, synthetic_photo


def naive(photo: bytes) -> np.ndarray:
    grey = Image.open(io.BytesIO(photo)).convert("L").resize((28, 28), Image.Resampling.BOX)
    return 1.0 - np.asarray(grey, np.float32) / 255.0


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--count", type=int, default=1000, help="test digits (sample)")
    arguments.add_argument(
        "--all-combinations", action="store_true", help="every digit on 3 papers x 3 inks"
    )
    arguments.add_argument("--seed", type=int, default=0)
    arguments.add_argument(
        "--pen-width",
        type=int,
        help="write with a thin pen this many px wide along each digit's centre line "
        "(a ballpoint: 3); default: strokes as wide as MNIST's",
    )
    add_model_option(arguments)
    args = arguments.parse_args()
    data = cnn.load_sample()  # the offline sample's 1,000 test digits, as in the tests
    model, model_name = load_model(args.model)
    combos = [(paper, ink) for paper in PAPERS for ink in INKS]
    count = min(args.count, len(data.x_test))
    jobs = [
        (index, combo)
        for index in range(count)
        for combo in (combos if args.all_combinations else [combos[index % len(combos)]])
    ]
    rng = np.random.default_rng(args.seed)
    ours, theirs, labels, kinds, times, sizes, errors = [], [], [], [], [], [], {}
    for index, (paper, ink) in jobs:
        photo = synthetic_photo(
            data.x_test[index], paper=paper, ink=ink, rng=rng, pen_width=args.pen_width
        )
        start = time.perf_counter()
        try:
            image = photo_to_mnist(photo)
        except PhotoError as error:
            errors[error.reason] = errors.get(error.reason, 0) + 1
            image = np.zeros((28, 28), np.float32)
        times.append(time.perf_counter() - start)
        sizes.append(Image.open(io.BytesIO(photo)).size)
        ours.append(image)
        theirs.append(naive(photo))
        labels.append(int(data.y_test[index]))
        kinds.append((paper, ink))
    labels = np.array(labels)
    right = cnn.predict_probabilities(model, np.stack(ours)).argmax(axis=1) == labels
    naive_right = cnn.predict_probabilities(model, np.stack(theirs)).argmax(axis=1) == labels

    def share(mask):
        return round(float(np.mean(right[mask])), 4)

    kinds_array = np.array(kinds)
    by_combo = {
        f"{paper}/{ink}": share((kinds_array[:, 0] == paper) & (kinds_array[:, 1] == ink))
        for paper, ink in combos
    }
    big = np.array([max(size) >= 1000 for size in sizes])
    report(
        {
            "benchmark": "photo_accuracy",
            "model": model_name,
            "photos": len(jobs),
            "digits": count,
            "data": data.source,
            "all_combinations": args.all_combinations,
            "pen_width_px": args.pen_width,
            "photo_to_mnist_accuracy": round(float(right.mean()), 4),
            "naive_resize_accuracy": round(float(naive_right.mean()), 4),
            "model_on_the_digits_themselves": round(
                float(
                    (
                        cnn.predict_probabilities(model, data.x_test[:count] / 255.0).argmax(1)
                        == data.y_test[:count]
                    ).mean()
                ),
                4,
            ),
            "by_paper": {paper: share(kinds_array[:, 0] == paper) for paper in PAPERS},
            "by_ink": {ink: share(kinds_array[:, 1] == ink) for ink in INKS},
            "by_paper_and_ink": by_combo,
            "refused": errors,
            "photo_to_mnist_ms_p50": round(1000 * float(np.median(times)), 1),
            "photo_to_mnist_ms_p95": round(1000 * float(np.percentile(times, 95)), 1),
            "photo_to_mnist_ms_p50_1024x768": round(
                1000 * float(np.median(np.array(times)[big])), 1
            )
            if big.any()
            else None,
            "target": 0.95,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
