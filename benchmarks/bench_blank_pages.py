"""Blank pages: photos of paper with no digit on it, which `photo_to_mnist` should refuse.

    python benchmarks/bench_blank_pages.py --out benchmarks/results/blank_pages.json

The other side of reading faint ink (`photo_clean.MIN_DIGIT_INK`): the same generated phone
photos as `bench_photo_accuracy.py` (uneven light, soft shadows, printed lines, dust specks,
blur, noise, JPEG), with an empty digit, `--count` per paper. A photo that is not refused is a
false digit. Seeds 1000 and up, so none of these pages is one of the tests' blank pages.
"""

from __future__ import annotations

import numpy as np
from common import parser, report

from cnn.images.photo import PhotoError, photo_to_mnist
from cnn.images.photo_clean import MIN_DIGIT_INK
from cnn.images.photo_synth import PAPERS, synthetic_photo

FIRST_SEED = 1000


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--count", type=int, default=100, help="blank photos per paper")
    args = arguments.parse_args()
    refused, reasons = {}, {}
    for paper in PAPERS:
        refused[paper] = 0
        for seed in range(FIRST_SEED, FIRST_SEED + args.count):
            photo = synthetic_photo(np.zeros((28, 28), np.uint8), paper=paper, rng=seed)
            try:
                photo_to_mnist(photo)
            except PhotoError as error:
                refused[paper] += 1
                reasons[error.reason] = reasons.get(error.reason, 0) + 1
    total = args.count * len(PAPERS)
    report(
        {
            "benchmark": "blank_pages",
            "photos": total,
            "min_digit_ink": MIN_DIGIT_INK,
            "refused": round(sum(refused.values()) / total, 4),
            "refused_by_paper": {paper: round(n / args.count, 4) for paper, n in refused.items()},
            "reasons": reasons,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
