"""The Training page's quick preset in a browser: from pressing Train to the test accuracy shown.

    python benchmarks/bench_training_page.py --data ../shared/data/mnist.npz \
        --out benchmarks/results/training_page_quick.json

A fresh `streamlit run` server on full MNIST (`--data`), Chromium through Playwright: open
Training, choose the quick preset, press Train, and time until the test accuracy metric
appears (the page's whole run: the first TensorFlow import of the process, building the
model, training, the test). Then again in a new session of the same server (TensorFlow
loaded). Target (issue 15): the training itself <= 10 s; this reports the rest around it.
"""

from __future__ import annotations

import re
import sys
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


def quick_run(browser, url: str) -> dict:
    page = new_page(browser)
    open_app(page, url, "training")
    page.locator(".st-key-train_preset").get_by_text(text("train.preset_quick"), exact=True).click()
    wait_for_idle(page, TIMEOUT_MS)
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


def main() -> None:
    args = parser(__doc__).parse_args()
    from playwright.sync_api import sync_playwright

    env = {"MNIST_PATH": str(Path(args.data).resolve())} if args.data else {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        with StreamlitServer(extra_env=env) as server:
            first = quick_run(browser, server.url)
            again = quick_run(browser, server.url)
        browser.close()
    report(
        {
            "benchmark": "training_page_quick",
            "data": "MNIST_PATH" if args.data else "offline sample",
            "first_run_in_the_process": first,
            "second_run": again,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
