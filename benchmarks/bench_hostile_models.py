"""How fast and how cheaply each hostile `.keras` upload is refused.

Every attack of `tests/hostile_models.py` (built from the shipped model, with a made-up
secret in a temporary folder) is loaded in a fresh process, after a warm-up load of the good
model: the seconds `load_model_file` took, and the peak memory it added beyond what the
process held with the file's bytes in memory (VmHWM reset through /proc/self/clear_refs).
The target: every refusal under 1 s and under 100 MB.

    .venv/bin/python benchmarks/bench_hostile_models.py --out benchmarks/results/hostile_models.json
    .venv/bin/python benchmarks/bench_hostile_models.py --code /tmp/old-checkout   # older code
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from common import ROOT, parser, report, run_child

sys.path.insert(0, str(ROOT / "tests"))

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import cnn
from cnn.inference.model_io import DEFAULT_MODEL_PATH

def memory():
    values = {}
    with open("/proc/self/status") as file:
        for line in file:
            key, _, value = line.partition(":")
            values[key] = int(value.split()[0]) / 1024 if key in ("VmRSS", "VmHWM") else None
    return values

cnn.load_model_file(DEFAULT_MODEL_PATH.read_bytes())  # warm-up: imports, first allocations
data = open(sys.argv[2], "rb").read()
with open("/proc/self/clear_refs", "w") as file:
    file.write("5")  # VmHWM := VmRSS
before = memory()["VmRSS"]
start = time.perf_counter()
try:
    cnn.load_model_file(data)
    outcome = "loaded"
except cnn.ModelFileError as error:
    outcome = error.reason
except BaseException as error:
    outcome = "crashed: " + type(error).__name__
seconds = time.perf_counter() - start
print(json.dumps({"outcome": outcome, "seconds": seconds, "added_mb": memory()["VmHWM"] - before}))
"""


def main() -> None:
    arguments = parser(__doc__.splitlines()[0])
    arguments.add_argument("--code", default=str(ROOT), help="the checkout whose cnn is measured")
    options = arguments.parse_args()
    import hostile_models

    good = (ROOT / "models" / "mnist_cnn.keras").read_bytes()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        secret = Path(folder) / "secrets.toml"
        secret.write_bytes(b'teacher_password = "made-up-Secret-4711"\n' * 60)
        for name, (data, reason) in hostile_models.attacks(good, secret).items():
            path = Path(folder) / f"{name}.keras"
            path.write_bytes(data)
            measured = run_child(CHILD, options.code, str(path))
            measured.update(expected=reason, file_mb=round(len(data) / 1e6, 2))
            results[name] = measured
            print(
                f"{name:22s} {measured['outcome']:28s} {measured.get('seconds', 0):7.3f} s "
                f"{measured.get('added_mb', 0):8.1f} MB",
                file=sys.stderr,
            )
    refused = [r for r in results.values() if r["outcome"] == r["expected"]]
    report(
        {
            "code": options.code,
            "attacks": results,
            "all_refused_as_expected": len(refused) == len(results),
            "slowest_s": max(r.get("seconds", 0) for r in results.values()),
            "most_added_mb": max(r.get("added_mb", 0) for r in results.values()),
        },
        options.out,
    )


if __name__ == "__main__":
    main()
