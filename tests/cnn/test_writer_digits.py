"""The other writers' digits: reading optdigits' rows, redrawing them as canvas digits, the
held-out split, and the .npz a training adds (`cnn.writer_digits`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cnn import writer_digits
from cnn.images.drawing import INK_STYLES


def bar_counts() -> np.ndarray:
    """A "1" as optdigits counts it: a vertical bar two blocks wide, full at its centre."""
    counts = np.zeros((8, 8), np.uint8)
    counts[0:8, 3] = 8
    counts[0:8, 4] = 16
    return counts


def ring_counts() -> np.ndarray:
    """A "0": a ring of full blocks."""
    counts = np.zeros((8, 8), np.uint8)
    counts[1:7, 1:7] = 16
    counts[3:5, 3:5] = 0
    return counts


def as_line(counts: np.ndarray, label: int) -> str:
    return ",".join(str(value) for value in [*counts.ravel(), label])


def test_rows_are_read_as_counts_and_labels():
    text = as_line(bar_counts(), 1) + "\n\n" + as_line(ring_counts(), 0) + "\n"
    counts, labels = writer_digits.read_optdigits(text)
    assert counts.shape == (2, 8, 8) and counts.dtype == np.uint8
    assert np.array_equal(counts[0], bar_counts()) and np.array_equal(counts[1], ring_counts())
    assert labels.tolist() == [1, 0]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no digits"),
        ("1,2,3", "3 values, expected 65"),
        (",".join(["0"] * 64 + ["x"]), "line 1: expected 65 integers"),
        (",".join(["17"] * 64 + ["1"]), "counts must be 0-16"),
        (",".join(["0"] * 64 + ["10"]), "labels must be 0-9"),
    ],
)
def test_bad_rows_are_refused_with_the_reason(text, message):
    with pytest.raises(ValueError, match=message):
        writer_digits.read_optdigits(text)


def test_counts_become_a_32_pixel_digit_with_its_ink_where_the_counts_are():
    image = writer_digits.counts_to_image(bar_counts())
    assert image.shape == (32, 32) and image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0
    columns = image.sum(axis=0)
    assert columns[10:22].sum() > 0.95 * columns.sum()  # the bar's blocks: columns 12-19
    assert columns[16:20].mean() > columns[12:16].mean()  # the full blocks are darker
    assert np.all(image[:, :8] < 0.05)


def test_the_split_holds_out_a_share_of_each_label_the_same_every_time():
    labels = np.repeat(np.arange(10), 20)
    train, held = writer_digits.split_per_label(labels, held_share=0.25, seed=3)
    assert len(np.intersect1d(train, held)) == 0
    assert sorted([*train, *held]) == list(range(len(labels)))
    assert np.bincount(labels[held]).tolist() == [5] * 10
    again = writer_digits.split_per_label(labels, held_share=0.25, seed=3)
    assert np.array_equal(train, again[0]) and np.array_equal(held, again[1])
    other = writer_digits.split_per_label(labels, held_share=0.25, seed=4)
    assert not np.array_equal(held, other[1])
    with pytest.raises(ValueError, match="held_share"):
        writer_digits.split_per_label(labels, held_share=1.0)


def test_each_digit_is_redrawn_in_every_ink_style_and_read_as_the_canvas_reads():
    counts = np.stack([bar_counts(), ring_counts()])
    x, y = writer_digits.as_canvas_digits(counts, np.array([1, 0]), seed=0)
    assert x.shape == (2 * len(INK_STYLES), 28, 28) and x.dtype == np.uint8
    assert y.tolist() == [1, 0] * len(INK_STYLES)
    for bar, ring in zip(x[0::2], x[1::2], strict=True):
        # MNIST's framing: ink within the central 20x20 box, the middle row inked.
        assert bar.max() == 255 and ring.max() == 255
        assert bar[:3].sum() == 0 and bar[25:].sum() == 0
        rows, cols = np.nonzero(bar > 127)
        assert np.ptp(rows) > 3 * np.ptp(cols)  # a "1" stays tall and thin
        assert ring[14, 14] < 64 and ring[14].max() == 255  # a "0" keeps its hole
    # Same digits, same seed: the same result; another seed draws other heights.
    again, _ = writer_digits.as_canvas_digits(counts, np.array([1, 0]), seed=0)
    assert np.array_equal(x, again)


def test_the_extra_digits_file_is_read_and_checked(tmp_path):
    good = tmp_path / "good.npz"
    np.savez(good, x_train=np.zeros((3, 28, 28), np.uint8), y_train=np.array([1, 2, 9]))
    x, y = writer_digits.load_extra_digits(good)
    assert x.shape == (3, 28, 28) and y.dtype == np.uint8 and y.tolist() == [1, 2, 9]

    cases = {
        "missing.npz": None,
        "text.npz": b"not a zip",
        "no_labels.npz": {"x_train": np.zeros((3, 28, 28), np.uint8)},
        "floats.npz": {"x_train": np.zeros((3, 28, 28)), "y_train": np.zeros(3, int)},
        "shape.npz": {"x_train": np.zeros((3, 32, 32), np.uint8), "y_train": np.zeros(3, int)},
        "count.npz": {"x_train": np.zeros((3, 28, 28), np.uint8), "y_train": np.zeros(2, int)},
        "label.npz": {"x_train": np.zeros((1, 28, 28), np.uint8), "y_train": np.array([10])},
        "pickle.npz": {"x_train": np.array([{"a": 1}], dtype=object), "y_train": np.zeros(1)},
        "array.npz": np.zeros((3, 28, 28), np.uint8),
    }
    for name, content in cases.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, np.ndarray):
            with open(path, "wb") as file:  # a plain .npy under an .npz name
                np.save(file, content)
        elif isinstance(content, dict):
            np.savez(path, **content)
        with pytest.raises(ValueError, match=name.replace(".", r"\.")):
            writer_digits.load_extra_digits(path)


def test_the_fetch_script_stops_if_a_digit_is_also_a_measured_one():
    """`scripts/fetch_writer_digits.py` never lets a digit of the measured writers (scikit-
    learn's copy of optdigits' test set) into the digits trained on."""
    import importlib.util

    from sklearn.datasets import load_digits

    path = Path(__file__).resolve().parents[2] / "scripts" / "fetch_writer_digits.py"
    spec = importlib.util.spec_from_file_location("fetch_writer_digits", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    measured = load_digits().images.astype(np.uint8)
    others = np.stack([bar_counts(), ring_counts()])
    script.check_disjoint(others)  # none of them measured: no stop
    with pytest.raises(SystemExit, match="digits also in the measured set: 1"):
        script.check_disjoint(np.concatenate([others, measured[5:6]]))
