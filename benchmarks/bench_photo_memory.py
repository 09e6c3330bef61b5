"""How much memory and time reading the largest picture of each format takes.

For each format, a white picture of as many pixels as `cnn.images.photo` accepts for it (and, for
JPEG, 48 Mpx) is read by `photo_steps` in a fresh process: the seconds it took and the peak
memory it added (VmHWM reset through /proc/self/clear_refs). A few hundred KB on disk can
decode to hundreds of MB: the caps keep every picture near ~130 MB.

    .venv/bin/python benchmarks/bench_photo_memory.py --out benchmarks/results/photo_memory.json
    .venv/bin/python benchmarks/bench_photo_memory.py --code /tmp/old-checkout   # older code
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

from common import ROOT, parser, report, run_child

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from cnn.images.photo import PhotoError, photo_steps

def memory():
    with open("/proc/self/status") as file:
        return {k: int(v.split()[0]) / 1024 for k, _, v in (l.partition(":") for l in file)
                if k in ("VmRSS", "VmHWM")}

try:  # warm-up on a small picture: imports, first buffers
    photo_steps(open(sys.argv[3], "rb").read())
except PhotoError:
    pass
data = open(sys.argv[2], "rb").read()
with open("/proc/self/clear_refs", "w") as file:
    file.write("5")
before = memory()["VmRSS"]
start = time.perf_counter()
try:
    photo_steps(data)
    outcome = "read"
except PhotoError as error:
    outcome = error.reason
seconds = time.perf_counter() - start
print(json.dumps({"outcome": outcome, "seconds": seconds, "added_mb": memory()["VmHWM"] - before}))
"""

CASES = [  # format, PIL mode, pixels
    ("PNG", "RGBA", 16_000_000),
    ("PNG", "RGB", 16_000_000),
    ("PNG", "1", 16_000_000),
    ("GIF", "P", 16_000_000),
    ("BMP", "RGB", 16_000_000),
    ("WEBP", "RGB", 8_000_000),
    ("JPEG", "RGB", 48_000_000),
    ("PNG", "RGBA", 49_000_000),  # refused now; what it cost before
    ("WEBP", "RGB", 16_000_000),
]


def main() -> None:
    arguments = parser(__doc__.splitlines()[0])
    arguments.add_argument("--code", default=str(ROOT), help="the checkout whose cnn is measured")
    options = arguments.parse_args()
    from PIL import Image

    results = []
    with tempfile.TemporaryDirectory() as folder:
        small = Path(folder) / "small.png"
        Image.new("RGB", (640, 480), "white").save(small)
        for fmt, mode, pixels in CASES:
            side = int(math.isqrt(pixels))
            path = Path(folder) / f"{fmt}_{mode}_{pixels}.{fmt.lower()}"
            Image.new(mode, (side, side), "white").save(path, fmt)
            measured = run_child(CHILD, options.code, str(path), str(small))
            measured.update(
                format=fmt, mode=mode, pixels=side * side, file_kb=path.stat().st_size // 1000
            )
            results.append(measured)
            print(
                f"{fmt:5s} {mode:5s} {side * side / 1e6:5.1f} Mpx {measured['file_kb']:>7} KB "
                f"{measured['outcome']:10s} {measured.get('seconds', 0):6.2f} s "
                f"{measured.get('added_mb', 0):7.0f} MB",
                file=sys.stderr,
            )
    report({"code": options.code, "pictures": results}, options.out)


if __name__ == "__main__":
    main()
