"""Shared by the benchmark scripts: the data, the machine, and where results go.

Benchmarks are scripts, not tests: they use full MNIST (`--data` or `MNIST_PATH`, e.g.
`--data ../shared/data/mnist.npz` on the team's machines) and print a JSON line; `--out` also
writes it to a file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parser(description: str) -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(description=description)
    result.add_argument(
        "--data",
        default=os.environ.get("MNIST_PATH") or None,
        help="full MNIST .npz in Keras' layout, e.g. ../shared/data/mnist.npz (default: "
        "MNIST_PATH, else Keras' cache, else the 5,000-digit sample with a warning)",
    )
    result.add_argument("--out", help="also write the JSON result to this file")
    return result


def add_model_option(arguments: argparse.ArgumentParser) -> None:
    """`--model`: the shipped CNN (default), "course" (the course's own model), "mlp", or a
    `.keras` file."""
    arguments.add_argument(
        "--model",
        default="shipped",
        help='"shipped" (models/mnist_cnn.keras), "course" (the course\'s own model), "mlp" '
        "(the shipped MLP) or a .keras file",
    )


def load_model(name: str):
    """The NumPy model `--model` names, and the name to report."""
    from cnn.inference import model_io

    if name == "shipped":
        return model_io.load_default_model(), name
    if name == "course":
        return model_io.load_course_model(), name
    if name == "mlp":
        return model_io.load_shipped_mlp(), name
    return model_io.load_model_file(name), Path(name).name


def load_data(path: str | None):
    import cnn

    data = cnn.load_mnist(path)
    if data.is_sample:
        print("warning: using the 5,000-digit sample, not full MNIST", file=sys.stderr)
    return data


def machine() -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo") as file:
            for line in file:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    from cnn.training.hardware import cpu_has_native_bf16

    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "native_bf16": cpu_has_native_bf16(),
        "python": platform.python_version(),
    }


def matmul_gflops(size: int = 2048, repeats: int = 5, dtype: str = "float32") -> float:
    """Matrix-multiply GFLOPS of this machine through TensorFlow (best of `repeats`), in
    float32 or bfloat16."""
    import tensorflow as tf

    a = tf.cast(tf.random.normal((size, size)), dtype)
    b = tf.cast(tf.random.normal((size, size)), dtype)
    (a @ b).numpy()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        (a @ b).numpy()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def memory_mb(pid: int | str = "self") -> dict[str, float]:
    """A process' memory from /proc/<pid>/status in MB: VmRSS, VmHWM (peak RSS) and RssAnon
    (RSS without file-backed pages such as shared libraries); NaN where unknown."""
    values = dict.fromkeys(("VmRSS", "VmHWM", "RssAnon"), float("nan"))
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                key, _, value = line.partition(":")
                if key in values:
                    values[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return values


def report(result: dict, out: str | None) -> None:
    result = {"machine": machine(), **result}
    text = json.dumps(result, indent=2)
    print(text)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text + "\n")


def run_child(code: str, *args: str, timeout: float = 600) -> dict:
    """Run `python -c code args` in a fresh process (its own memory peak, nothing imported
    before); its last stdout line is a JSON object, returned. A child that printed nothing
    gives {"outcome": the end of its stderr}."""
    import subprocess

    child = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = child.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {"outcome": child.stderr[-300:]}


def most_confused(labels, predicted, most: int = 8) -> dict[str, int]:
    """The commonest misreadings, "true->read": count, most first."""
    counts: dict[str, int] = {}
    for truth, guess in zip(labels, predicted, strict=True):
        if truth != guess:
            counts[f"{truth}->{guess}"] = counts.get(f"{truth}->{guess}", 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1])[:most])


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil(n * fraction), at least 1
    return ordered[int(rank) - 1]
