"""Load test: N browser sessions against a local app server, with the server's memory.

    python benchmarks/load_test.py --sessions 10 --trainers 3 \\
        --out benchmarks/results/load_test_10_sessions_3_trainings.json
    python benchmarks/load_test.py --sessions 1 --trainers 1 --epochs 10 \\
        --data ../shared/data/mnist.npz \\
        --out benchmarks/results/load_test_1_session_1_training_10_epochs.json

One result file per setting, named after it (`load_test_30_sessions_6_trainings.json`, ...).

Loopback only (the server listens on 127.0.0.1), bounded: every session does one fixed round
of pages, and the whole run stops by itself at `--deadline` seconds. Each session is its own
browser context (its own Streamlit session). All sessions open Home, Dataset, Architecture
and Predict (drawing a 7 on the canvas and asking for a random test digit); the first
`--trainers` of them then start a training on the Training page at the same time, so the
training queue is exercised. A
sampler thread records the server's RSS every 0.25 s. Reports errors (Streamlit exception
boxes, timeouts), the place-in-line messages seen, and memory.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from common import ROOT, memory_mb, parser, report

sys.path.insert(0, str(ROOT / "tests" / "browser"))

from server import (  # noqa: E402
    MAIN,
    StreamlitServer,
    assert_no_exception,
    draw,
    launch_chromium,
    metric,
    new_page,
    open_app,
    read_prediction,
    set_epochs,
    text,
    wait_for_idle,
)

# A large 7, as the browser tests draw it (canvas pixels 0-280).
SEVEN = [[(55, 45), (140, 45), (228, 48), (180, 140), (125, 245)]]


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, RssAnon) of a process in MB."""
    values = memory_mb(pid)
    return values["VmRSS"], values["RssAnon"]


class Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.samples, self.running = pid, [], True
        self.start_time = time.perf_counter()

    def run(self) -> None:
        while self.running:
            rss, anon = rss_mb(self.pid)
            self.samples.append((time.perf_counter() - self.start_time, rss, anon))
            time.sleep(0.25)


PAGES = ("home", "dataset", "architecture", "predict")


def visit_pages(page, base_url: str, errors: list, timings: dict, pages=PAGES) -> None:
    for name in pages:
        url_path = "" if name == "home" else name
        began = time.perf_counter()
        try:
            open_app(page, base_url, url_path)
            if url_path == "predict":
                draw(page, SEVEN)
                read_prediction(page)
                page.locator(".st-key-predict_random button").click()
                wait_for_idle(page)
                metric(page, text("predict.prediction")).first.wait_for(state="visible")
            assert_no_exception(page)
        except Exception as error:  # a load test counts failures, it does not stop at one
            errors.append(f"{url_path or 'home'}: {type(error).__name__}: {error}"[:300])
        timings.setdefault(url_path or "home", []).append(round(time.perf_counter() - began, 2))


def main() -> None:
    arguments = parser(__doc__)
    arguments.set_defaults(data=None)
    arguments.add_argument("--sessions", type=int, default=10)
    arguments.add_argument("--trainers", type=int, default=3)
    arguments.add_argument("--epochs", type=int, default=1)
    arguments.add_argument("--deadline", type=float, default=600, help="seconds, at most")
    arguments.add_argument(
        "--pages", nargs="+", default=list(PAGES), choices=PAGES, help="pages every session opens"
    )
    args = arguments.parse_args()
    if not 1 <= args.sessions <= 50 or not 0 <= args.trainers <= args.sessions:
        raise SystemExit("--sessions must be 1-50 and --trainers at most --sessions")
    from playwright.sync_api import sync_playwright

    # The server runs in the repository root: give it an absolute path.
    env = {"MNIST_PATH": str(Path(args.data).resolve())} if args.data else {}
    errors, timings, queue_messages = [], {}, 0
    started = time.perf_counter()
    with sync_playwright() as playwright, StreamlitServer(extra_env=env) as server:
        browser = launch_chromium(playwright)
        sampler = Sampler(server.process.pid)
        sampler.start()
        idle_rss = rss_mb(server.process.pid)[0]
        pages = [new_page(browser) for _ in range(args.sessions)]
        for page in pages:  # every session open at once, each visiting every page
            visit_pages(page, server.url, errors, timings, args.pages)
        after_visits = rss_mb(server.process.pid)[0]
        trainers = pages[: args.trainers]
        for page in trainers:
            open_app(page, server.url, "training")
            set_epochs(page, args.epochs)
        train_began = time.perf_counter()
        for page in trainers:  # press Train in every trainer session, without waiting
            page.locator(".st-key-train_start button").click()
        done = set()
        accuracy_label = text("train.test_accuracy")
        while len(done) < len(trainers) and time.perf_counter() - started < args.deadline:
            for index, page in enumerate(trainers):
                if index in done:
                    continue
                if page.get_by_text("waiting for a free training slot", exact=False).count():
                    queue_messages += 1
                if metric(page, accuracy_label).count():
                    done.add(index)
                    timings.setdefault("training", []).append(
                        round(time.perf_counter() - train_began, 1)
                    )
                box = page.locator(f"{MAIN} [data-testid='stException']")
                if box.count():
                    message = box.first.inner_text()[:300].replace("\n", " ")
                    errors.append(f"training session {index}: exception box: {message}")
                    done.add(index)
            time.sleep(0.5)
        unfinished = len(trainers) - len(done)
        if unfinished:
            errors.append(f"{unfinished} trainings unfinished at the deadline")
        sampler.running = False
        sampler.join()
        browser.close()
    peak = max(sample[1] for sample in sampler.samples)
    peak_anon = max(sample[2] for sample in sampler.samples)
    report(
        {
            "benchmark": "load_test",
            "sessions": args.sessions,
            "trainers": args.trainers,
            "epochs": args.epochs,
            "data": "MNIST_PATH" if args.data else "offline sample",
            "seconds": round(time.perf_counter() - started, 1),
            "errors": errors,
            "page_seconds_median": {k: sorted(v)[len(v) // 2] for k, v in timings.items()},
            "page_seconds_max": {k: max(v) for k, v in timings.items()},
            "queue_messages_seen": queue_messages,
            "server_rss_mb": {
                "idle_after_start": round(idle_rss, 1),
                "after_all_sessions_visited": round(after_visits, 1),
                "peak": round(peak, 1),
                "peak_anonymous": round(peak_anon, 1),
                "end": round(sampler.samples[-1][1], 1),
            },
        },
        args.out,
    )


if __name__ == "__main__":
    main()
