"""App start: from `streamlit run` to the first page fully rendered in Chromium, then each page.

    python benchmarks/bench_app_start.py --out benchmarks/results/app_start.json

"Fully rendered" is the moment of the last change to the page's DOM, counted from the start
of the navigation (the browser's `performance.now()`), once the page's title is visible,
Streamlit's script run has finished, every Plotly chart has drawn its SVG and every image has
loaded, and nothing has changed for a second. `detected_s` is the wall-clock time at which the
harness noticed all that (it includes its polling and settle waits); `rendered_s` is the
figure compared with the target. Each page is opened in a fresh browser session (a new
Streamlit session, as a new visitor), after a first visit to Home; the first visit to a page
in the process pays for its imports (TensorFlow on Training and Predict). Then each further tab
of Dataset and Architecture is opened in one session, in order: `tab_opened_s` counts from the
click to the tab's last DOM change (the first tab with a chart loads Plotly in the browser).
Target: <= 3 s for Home, Dataset and Architecture.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from common import ROOT, parser, report

sys.path.insert(0, str(ROOT / "tests" / "browser"))

from server import (  # noqa: E402
    CHART,
    CHARTS_DRAWN_JS,
    MAIN,
    PAGES,
    TAB_TEXT_PREFIX,
    TABBED_PAGES,
    StreamlitServer,
    launch_chromium,
    new_page,
    open_app,
    open_tab,
    text,
)

QUIET_MS = 1000  # no DOM change for this long: the page is done

# Installed before any script of the page runs: remembers when the DOM last changed.
_OBSERVE_JS = """
window.__lastChange = 0;
new MutationObserver(() => { window.__lastChange = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""

# True once every chart has drawn, every image has loaded, and the DOM has been still.
_DONE_JS = f"""(quietMs) => {{
  if (!({CHARTS_DRAWN_JS})()) return false;
  const main = document.querySelector("{MAIN}");
  for (const image of main.querySelectorAll("img")) if (!image.complete) return false;
  return performance.now() - window.__lastChange > quietMs;
}}"""


def open_watched(browser, url: str, url_path: str = ""):
    """A page opened in a new session with the DOM-change recorder installed first."""
    page = new_page(browser)
    page.context.add_init_script(_OBSERVE_JS)
    open_app(page, url, url_path)
    return page


def last_change_s(page) -> float:
    """Wait until charts are drawn, images loaded and the DOM still; when it last changed
    (seconds on the page's clock, from the start of its navigation)."""
    page.wait_for_function(_DONE_JS, arg=QUIET_MS, polling=100)
    return page.evaluate("window.__lastChange") / 1000


def visit(browser, url: str, url_path: str = "") -> dict:
    """Open a page in a new session; the seconds to its last DOM change and to detection."""
    began = time.perf_counter()
    page = open_watched(browser, url, url_path)
    rendered = last_change_s(page)
    detected = time.perf_counter() - began
    charts = page.locator(f"{MAIN} {CHART}").count()
    page.context.close()
    return {"rendered_s": round(rendered, 2), "detected_s": round(detected, 2), "charts": charts}


def tab_visits(browser, url: str) -> dict:
    """Each further tab of the tabbed pages, opened in order in one new session: seconds from
    the click to the tab's last DOM change (the first tab with charts loads Plotly)."""
    result = {}
    for url_path, name, key, tabs in TABBED_PAGES:
        page = open_watched(browser, url, url_path)
        last_change_s(page)
        for tab_name in tabs[1:]:
            clicked = page.evaluate("performance.now()") / 1000
            open_tab(page, text(f"{TAB_TEXT_PREFIX[key]}{tab_name}"))
            result[f"{name}/{tab_name}"] = round(last_change_s(page) - clicked, 2)
        page.context.close()
    return result


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--repeats", type=int, default=5, help="later visits per page")
    args = arguments.parse_args()
    from playwright.sync_api import sync_playwright

    env = {"MNIST_PATH": str(Path(args.data).resolve())} if args.data else {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        start = time.perf_counter()
        with StreamlitServer(extra_env=env) as server:
            healthy = time.perf_counter() - start
            first = visit(browser, server.url)
            first_page = healthy + first["rendered_s"]
            cold, warm = {}, {}
            for url_path, name, *_ in PAGES:
                cold[name] = visit(browser, server.url, url_path)
                warm[name] = [visit(browser, server.url, url_path) for _ in range(args.repeats)]
            tabs = tab_visits(browser, server.url)
        browser.close()

    def median(visits: list[dict], field: str) -> float:
        return round(statistics.median(v[field] for v in visits), 2)

    later = warm.items()
    report(
        {
            "benchmark": "app_start",
            "data": "MNIST_PATH" if args.data else "offline sample",
            "server_healthy_s": round(healthy, 2),
            "first_page_rendered_s": round(first_page, 2),
            "page_first_visit": cold,
            "page_later_visits_median_rendered_s": {k: median(v, "rendered_s") for k, v in later},
            "page_later_visits_median_detected_s": {k: median(v, "detected_s") for k, v in later},
            "page_later_visits_rendered_s": {k: [v["rendered_s"] for v in vs] for k, vs in later},
            "charts_per_page": {k: vs[0]["charts"] for k, vs in warm.items()},
            "tab_opened_s": tabs,
            "target_s": {"home": 3, "dataset": 3, "architecture": 3},
        },
        args.out,
    )


if __name__ == "__main__":
    main()
