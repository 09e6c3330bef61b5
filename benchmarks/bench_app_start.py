"""App start: from `streamlit run` to the first page fully rendered in Chromium, then each page.

    python benchmarks/bench_app_start.py --out benchmarks/results/app_start.json

"Rendered" means the page's title is visible and Streamlit's script run has finished (status
widget hidden). Each page is opened in a fresh browser session (a new Streamlit session, as a
new visitor), after a first visit to Home; the first visit to a page in the process pays for
its imports (TensorFlow on Training and Predict). Target: <= 3 s for Home, Dataset and
Architecture.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from common import ROOT, parser, report

sys.path.insert(0, str(ROOT / "tests" / "browser"))

from server import (  # noqa: E402
    PAGES,
    StreamlitServer,
    launch_chromium,
    new_page,
    open_app,
)


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--repeats", type=int, default=3, help="warm visits per page")
    args = arguments.parse_args()
    from playwright.sync_api import sync_playwright

    env = {"MNIST_PATH": str(Path(args.data).resolve())} if args.data else {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        start = time.perf_counter()
        with StreamlitServer(extra_env=env) as server:
            healthy = time.perf_counter() - start
            page = new_page(browser)
            open_app(page, server.url)
            first_page = time.perf_counter() - start
            page.context.close()
            cold, warm = {}, {}
            for url_path, name, *_ in PAGES:
                for attempt in range(1 + args.repeats):
                    page = new_page(browser)
                    began = time.perf_counter()
                    open_app(page, server.url, url_path)
                    seconds = round(time.perf_counter() - began, 2)
                    page.context.close()
                    if attempt == 0:
                        cold[name] = seconds
                    else:
                        warm.setdefault(name, []).append(seconds)
        browser.close()
    report(
        {
            "benchmark": "app_start",
            "data": "MNIST_PATH" if args.data else "offline sample",
            "server_healthy_s": round(healthy, 2),
            "first_page_rendered_s": round(first_page, 2),
            "page_first_visit_s": cold,
            "page_later_visits_median_s": {k: sorted(v)[len(v) // 2] for k, v in warm.items()},
            "target_s": {"home": 3, "dataset": 3, "architecture": 3},
        },
        args.out,
    )


if __name__ == "__main__":
    main()
