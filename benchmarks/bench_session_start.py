"""What Streamlit's file watcher costs the server for each new session.

    python benchmarks/bench_session_start.py --out benchmarks/results/session_start.json

With file watching on (`server.fileWatcherType` "auto", Streamlit's default), every new
session's first script run ends with `LocalSourcesWatcher.update_watched_modules()`: the
paths of every module in `sys.modules` are computed and filtered, on the server's main
thread. This times that call for new watchers (the first in the process, then the median of
later ones) with the modules the app's pages import, then again once TensorFlow is loaded
(the Training page). `.streamlit/config.toml` turns
file watching off, so a deployment does not pay it per visitor.
"""

from __future__ import annotations

import statistics
import sys
import time

from common import ROOT, parser, report


def watcher_seconds(repeats: int = 4) -> dict:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.watcher.local_sources_watcher import LocalSourcesWatcher

    times = []
    for _ in range(repeats):
        watcher = LocalSourcesWatcher(PagesManager(str(ROOT / "app.py")))
        began = time.perf_counter()
        watcher.update_watched_modules()
        times.append(time.perf_counter() - began)
        watcher.close()
    return {
        "modules": len(sys.modules),
        "first_s": round(times[0], 3),
        "later_median_s": round(statistics.median(times[1:]), 3),
    }


def main() -> None:
    args = parser(__doc__).parse_args()
    import plotly.graph_objects  # noqa: F401 (what the pages import)
    import streamlit  # noqa: F401

    import cnn  # noqa: F401
    from ui import charts  # noqa: F401

    without_tensorflow = watcher_seconds()
    import keras  # noqa: F401

    with_tensorflow = watcher_seconds()
    report(
        {
            "benchmark": "session_start_file_watcher",
            "per_new_session_without_tensorflow": without_tensorflow,
            "per_new_session_with_tensorflow": with_tensorflow,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
