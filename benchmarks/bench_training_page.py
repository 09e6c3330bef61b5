"""The Training page's quick preset in a browser: from pressing Train to the test accuracy shown.

    python benchmarks/bench_training_page.py --data ../shared/data/mnist.npz \
        --repeats 3 --out benchmarks/results/training_page_quick.json
    python benchmarks/bench_training_page.py --data ../shared/data/mnist.npz \
        --repeats 3 --browser-nice 19 --out benchmarks/results/training_page_quick_nice.json

A fresh `streamlit run` server on full MNIST (`--data`), Chromium through Playwright: open
Training, choose the quick preset, press Train, and time until the test accuracy metric
appears (the page's whole run: the first TensorFlow import of the process, building the
model, training, the test). Then `--repeats` more times, each in a new session of the same
server (TensorFlow loaded). Last, Stop pressed two seconds into a run: seconds until the
page says it stopped. `--browser-nice 19` runs Chromium at the lowest priority, so that it
draws only with what the server leaves (as when it runs on the student's machine). Before
and after the browser part, the CLI trains the same preset (seed 1) to compare with: this
VM's speed drifts within an hour. Targets (issue 15): the training itself <= 10 s (the
page's timing line), Stop within a second; this also reports the rest around the training.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, parser, report

sys.path.insert(0, str(ROOT / "tests" / "browser"))

from server import (  # noqa: E402
    MAIN,
    StreamlitServer,
    launch_chromium,
    metric,
    new_page,
    open_app,
    text,
    wait_for_idle,
)

TIMEOUT_MS = 300_000


def renice_browser(nice: int) -> int:
    """Give every thread of the Chromium processes this benchmark started the niceness `nice`
    (renderers forked later inherit it from Chromium's zygote): the server then has the 2
    cores first, as when the browser runs on the student's own machine. Returns how many
    threads were changed.

    With the kernel's autogroup scheduling on (/proc/sys/kernel/sched_autogroup_enabled = 1,
    as on the team's VMs), a thread's niceness only counts against the threads of its own
    session, and Chromium starts sessions of its own (so does `StreamlitServer`): the CPU is
    then split between the sessions by their autogroup's niceness, so that is set too."""
    if not nice:
        return 0
    parents = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])

    def ours(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == os.getpid():
                return True
        return False

    changed = 0
    for pid in filter(ours, parents):
        with contextlib.suppress(OSError):
            if b"chrom" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            for thread in os.listdir(f"/proc/{pid}/task"):
                os.setpriority(os.PRIO_PROCESS, int(thread), nice)
                changed += 1
        with contextlib.suppress(OSError):  # no autogroups, or not allowed: threads only
            Path(f"/proc/{pid}/autogroup").write_text(str(nice))
    return changed


def quick_preset_page(browser, url: str, nice: int):
    """A new session on the Training page with the quick preset chosen and applied, its
    renderer at niceness `nice`."""
    page = new_page(browser)
    open_app(page, url, "training")
    page.locator(".st-key-train_preset").get_by_text(text("train.preset_quick"), exact=True).click()
    # The preset's own caption: its settings are applied (a rerun may not have begun yet).
    quick_help = text("train.preset_quick_help")[:40]
    page.locator(MAIN).get_by_text(quick_help).first.wait_for(state="visible", timeout=TIMEOUT_MS)
    wait_for_idle(page, TIMEOUT_MS)
    renice_browser(nice)  # this page's renderer too
    return page


def quick_run(browser, url: str, nice: int) -> dict:
    page = quick_preset_page(browser, url, nice)
    pressed = time.perf_counter()
    page.locator(".st-key-train_start button").click()
    accuracy = metric(page, text("train.test_accuracy")).locator("[data-testid='stMetricValue']")
    accuracy.wait_for(state="visible", timeout=TIMEOUT_MS)
    shown = time.perf_counter() - pressed
    value = accuracy.inner_text().strip()
    timing = page.locator(MAIN).get_by_text(re.compile("per epoch"))
    line = timing.first.inner_text() if timing.count() else ""
    page.context.close()
    return {
        "train_to_accuracy_shown_s": round(shown, 2),
        "test_accuracy_shown": value,
        "timing_line": line,
    }


def stop_run(browser, url: str, nice: int, after_s: float = 2.0) -> dict:
    """Train, press Stop `after_s` seconds into the first epoch: seconds until the page
    says the training stopped."""
    page = quick_preset_page(browser, url, nice)
    page.locator(".st-key-train_start button").click()
    progress = page.locator(MAIN).locator("[data-testid='stProgress']")
    progress.get_by_text(re.compile(r"batch [1-9]")).wait_for(state="visible", timeout=TIMEOUT_MS)
    page.wait_for_timeout(after_s * 1000)
    at = progress.inner_text().strip()
    pressed = time.perf_counter()
    page.locator(".st-key-train_stop button").click()
    stopped = page.locator(MAIN).get_by_text(re.compile(r"^Training stopped after"))
    stopped.wait_for(state="visible", timeout=TIMEOUT_MS)
    shown = time.perf_counter() - pressed
    said = stopped.inner_text().strip()
    page.context.close()
    return {"progress_when_pressed": at, "stop_to_stopped_shown_s": round(shown, 2), "said": said}


def cli_training_seconds(data: str | None) -> float | None:
    """The CLI's own "Training took X s" for the quick preset, seed 1, in this same sitting:
    this VM's speed drifts by ±20 % within an hour, so the page is compared with it."""
    command = [sys.executable, "-m", "cnn", "train", "--preset", "quick"]
    command += ["--mixed-precision", "auto", "--seed", "1"]
    with tempfile.TemporaryDirectory() as folder:
        command += ["--out", str(Path(folder) / "quick.keras")]
        if data:
            command += ["--data", data]
        output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    took = re.search(r"Training took ([\d.]+) s", output.stdout)
    return float(took.group(1)) if took else None


def main() -> None:
    cli = parser(__doc__)
    cli.add_argument("--repeats", type=int, default=1, help="runs in new sessions after the first")
    cli.add_argument(
        "--browser-nice",
        type=int,
        default=0,
        help="run Chromium at this niceness (19: the server's training gets the cores first, as "
        "with the browser on another machine)",
    )
    args = cli.parse_args()
    nice = args.browser_nice
    from playwright.sync_api import sync_playwright

    cli_before = cli_training_seconds(args.data)
    env = {"MNIST_PATH": str(Path(args.data).resolve())} if args.data else {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        renice_browser(nice)
        with StreamlitServer(extra_env=env) as server:
            first = quick_run(browser, server.url, nice)
            again = [quick_run(browser, server.url, nice) for _ in range(args.repeats)]
            stop = stop_run(browser, server.url, nice)
        browser.close()
    cli_after = cli_training_seconds(args.data)
    report(
        {
            "benchmark": "training_page_quick",
            "data": "MNIST_PATH" if args.data else "offline sample",
            "browser_nice": nice,
            "first_run_in_the_process": first,
            "later_runs": again,
            "stop": stop,
            "cli_training_s_before_and_after": [cli_before, cli_after],
        },
        args.out,
    )


if __name__ == "__main__":
    main()
