"""Load run of the class board: N browser sessions join a class, each adds digits, some submit.

    python benchmarks/load_class_board.py --sessions 30 --digits 10 --submitters 6 \\
        --out benchmarks/results/class_board_load.json
    python benchmarks/load_class_board.py --database-url postgresql+psycopg://u@127.0.0.1/db \\
        --out benchmarks/results/class_board_load_postgresql.json

Loopback only (one `streamlit run app.py` on 127.0.0.1, driven by headless Chromium) and
bounded: a fixed amount of work, and the run stops by itself at `--deadline` seconds. The
server gets `--database-url` (default: a fresh SQLite file in a temporary folder) and a random
class code, so the rows of this run are told apart even on a shared database.

Every session is its own browser context (its own Streamlit session), all running at once,
each starting `--stagger` seconds after the one before: it opens the Class page, joins with a
nickname and the code, goes to Predict (sidebar link, same session) and `--digits` times picks
a random test digit and presses Add, at most one add a second (the board's per-session rate
limit). An add is timed from the click to its success message (the callback stores the digit,
then the page's whole rerun shows it). The first `--submitters` sessions then train a model
(`--epochs`, the offline sample unless `--data`) on the Training page and submit it to the
leaderboard.

Afterwards the database is read directly (`classroom.open_board`): the digits stored must be
exactly sessions x digits, the entries exactly submitters. Reports errors (exception boxes,
refusals, timeouts: must be none), the rows stored, and add/join/submit times (p50, p95, max).
Exits with status 1 when there were errors or the counts are not exact.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from common import ROOT, memory_mb, parser, percentile, report

sys.path.insert(0, str(ROOT / "tests" / "browser"))

from server import (  # noqa: E402
    _IDLE_JS,
    CHROMIUM_FLAGS,
    EXCEPTION,
    MAIN,
    RUN_TIMEOUT_MS,
    SIDEBAR,
    STATUS,
    TRAINING_TIMEOUT_MS,
    VIEWPORT,
    StreamlitServer,
    chromium_path,
    sqlite_url,
    text,
)

RATE_INTERVAL_S = 1.1  # a little over the board's 1 digit per second and session
ADDED = re.compile(
    "^" + re.escape(text("class.added", label=999)).replace("999", r"(\d)") + "$", re.S
)
SUBMITTED_PREFIX = text("class.submitted", accuracy="{}").split("{}")[0]


def summary(values: list[float]) -> dict:
    def rounded(fraction: float) -> float | None:
        value = percentile(values, fraction)
        return None if value is None else round(value, 3)

    return {
        "count": len(values),
        "p50": rounded(0.50),
        "p95": rounded(0.95),
        "max": round(max(values), 3) if values else None,
    }


class Sampler(threading.Thread):
    """The server's RSS every 0.25 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0.0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, memory_mb(self.pid)["VmRSS"] or 0.0)
            time.sleep(0.25)


# --- driving Streamlit, async (as tests/browser/server.py does it, sync) --------------------


async def wait_for_idle(page, timeout_ms: int = RUN_TIMEOUT_MS, settle_ms: int = 300) -> None:
    """Connected, the script run over, and still so `settle_ms` later (see server.py)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        remaining = max(1, int((deadline - time.monotonic()) * 1000))
        await page.wait_for_function(_IDLE_JS, timeout=remaining)
        await page.locator(STATUS).wait_for(state="hidden", timeout=remaining)
        await page.wait_for_timeout(settle_ms)
        if await page.evaluate(_IDLE_JS) and await page.locator(STATUS).count() == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"Streamlit still running after {timeout_ms} ms")


async def open_app(page, base_url: str, url_path: str = "") -> None:
    await page.goto(f"{base_url}/{url_path}", wait_until="domcontentloaded")
    await page.locator(f"{MAIN} h1").first.wait_for(state="visible")
    await wait_for_idle(page)


async def go_to(page, title: str, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """The sidebar's link to the page titled `title` (same session), and its run."""
    nav = page.locator(f"{SIDEBAR} [data-testid='stSidebarNav']")
    await nav.get_by_text(title, exact=True).click()
    await page.locator(f"{MAIN} h1", has_text=title).first.wait_for(timeout=timeout_ms)
    await wait_for_idle(page, timeout_ms)


async def check_no_exception(page, where: str) -> None:
    found = await page.locator(EXCEPTION).all_inner_texts()
    if found:
        raise RuntimeError(f"{where}: Streamlit exception: {found[0][:200]}")


async def alert_in(page, container_key: str, timeout_ms: int = RUN_TIMEOUT_MS) -> str:
    """The text of the first alert (success or error) in the container `container_key`."""
    alert = page.locator(f".st-key-{container_key} [data-testid='stAlert']").first
    await alert.wait_for(state="visible", timeout=timeout_ms)
    return (await alert.inner_text()).strip()


# --- one student ---------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.errors: list[str] = []
        self.join_s: list[float] = []
        self.add_s: list[float] = []
        self.train_s: list[float] = []
        self.submit_s: list[float] = []
        self.added = 0
        self.submitted = 0


async def student(context, base_url: str, index: int, code: str, args, stats: Stats) -> None:
    page = await context.new_page()
    name = f"student-{index:02d}"
    await asyncio.sleep(index * args.stagger)  # a class does not click all in one instant
    try:
        began = time.perf_counter()
        await open_app(page, base_url, "classroom")
        await page.locator(".st-key-class_nickname input").fill(name)
        await page.locator(".st-key-class_code input").fill(code)
        await page.locator(f"{MAIN} [data-testid='stFormSubmitButton'] button").click()
        await page.locator(".st-key-class_leave").wait_for(state="visible")
        await wait_for_idle(page)
        stats.join_s.append(time.perf_counter() - began)
        await check_no_exception(page, f"{name} join")

        await go_to(page, text("nav.predict"))
        last_added = 0.0
        notice = page.locator(".st-key-predict_sample_class [data-testid='stAlert']").first
        for number in range(args.digits):
            await page.locator(".st-key-predict_random button").click()
            # The last add's message stays until the run of this click has ended: gone, it
            # tells that run is over (under load a run can start long after the click), and
            # the next message seen is the next add's.
            await notice.wait_for(state="detached")
            await wait_for_idle(page)
            add = page.locator(".st-key-predict_sample_add button")
            await add.wait_for(state="visible")
            await asyncio.sleep(max(0.0, last_added + RATE_INTERVAL_S - time.perf_counter()))
            clicked = time.perf_counter()
            await add.click()
            message = await alert_in(page, "predict_sample_class")
            last_added = time.perf_counter()
            if not ADDED.match(message):
                stats.errors.append(f"{name} digit {number + 1}: {message[:200]}")
                continue
            stats.add_s.append(last_added - clicked)
            stats.added += 1
        await wait_for_idle(page)
        await check_no_exception(page, f"{name} adds")

        if index < args.submitters:
            await go_to(page, text("nav.training"))
            slider = page.locator(".st-key-train_epochs").get_by_role("slider")
            await slider.focus()
            await slider.press("Home")  # the slider's minimum, 1
            for _ in range(args.epochs - 1):
                await slider.press("ArrowRight")
            await slider.blur()
            await wait_for_idle(page)
            began = time.perf_counter()
            await page.locator(".st-key-train_start button").click()
            submit = page.locator(".st-key-train_submit_cnn button")
            # In the training queue (CNN_LAB_MAX_TRAININGS, the cores by default) the last
            # submitter waits for the others: the whole training wave may take a while.
            wait_ms = int(args.training_timeout * 1000)
            await submit.wait_for(state="visible", timeout=wait_ms)
            await wait_for_idle(page, wait_ms)
            stats.train_s.append(time.perf_counter() - began)
            await check_no_exception(page, f"{name} training")
            clicked = time.perf_counter()
            await submit.click()
            message = await alert_in(page, "train_class")
            if message.startswith(SUBMITTED_PREFIX):
                stats.submit_s.append(time.perf_counter() - clicked)
                stats.submitted += 1
            else:
                stats.errors.append(f"{name} submit: {message[:200]}")
            await wait_for_idle(page)
            await check_no_exception(page, f"{name} submit")
    except Exception as error:  # a load run counts failures, it does not stop at one
        stats.errors.append(f"{name}: {type(error).__name__}: {str(error)[:300]}")
    finally:
        await page.close()


async def drive(base_url: str, code: str, args, stats: Stats) -> float:
    """All sessions at once; returns the seconds they took."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            warm = await browser.new_page(viewport=VIEWPORT)  # the server runs app.py once
            await open_app(warm, base_url)
            await warm.close()
            contexts = []
            for _ in range(args.sessions):
                context = await browser.new_context(
                    viewport=VIEWPORT, locale="en-US", timezone_id="UTC"
                )
                context.set_default_timeout(RUN_TIMEOUT_MS)
                contexts.append(context)
            began = time.perf_counter()
            tasks = [
                asyncio.create_task(student(context, base_url, index, code, args, stats))
                for index, context in enumerate(contexts)
            ]
            _done, pending = await asyncio.wait(tasks, timeout=args.deadline)
            for task in pending:
                task.cancel()
            if pending:
                stats.errors.append(f"{len(pending)} sessions unfinished at the deadline")
                await asyncio.gather(*pending, return_exceptions=True)
            return time.perf_counter() - began
        finally:
            await browser.close()


def count_rows(url: str, code: str) -> dict:
    import classroom

    board = classroom.open_board(url, class_code=code, expected_code=code)
    digits = sum(board.digit_counts().values())
    entries = len(board.leaderboard())
    classroom.dispose_engines()
    return {"digits": digits, "entries": entries}


def main() -> None:
    arguments = parser(__doc__)
    arguments.set_defaults(data=None)
    arguments.add_argument("--sessions", type=int, default=30)
    arguments.add_argument("--digits", type=int, default=10, help="digits each session adds")
    arguments.add_argument("--submitters", type=int, default=6, help="sessions that submit")
    arguments.add_argument("--epochs", type=int, default=1, help="epochs of each submitted model")
    arguments.add_argument(
        "--database-url", help="the class board's database (default: a fresh SQLite file)"
    )
    arguments.add_argument(
        "--training-timeout",
        type=float,
        default=max(600, TRAINING_TIMEOUT_MS / 1000),
        help="seconds a submitter waits for its training, queue included",
    )
    arguments.add_argument(
        "--stagger", type=float, default=0.5, help="seconds between two sessions' starts"
    )
    arguments.add_argument("--deadline", type=float, default=1500, help="seconds, at most")
    args = arguments.parse_args()
    if not 1 <= args.sessions <= 50 or not 0 <= args.submitters <= args.sessions:
        raise SystemExit("--sessions must be 1-50 and --submitters at most --sessions")
    if not 1 <= args.digits <= 100 or not 1 <= args.epochs <= 20:
        raise SystemExit("--digits must be 1-100 and --epochs 1-20")
    if chromium_path() is None:
        raise SystemExit("Chromium is not installed: sudo apt-get install chromium")

    from sqlalchemy.engine import make_url

    with tempfile.TemporaryDirectory(prefix="cnn_lab_class_load_") as folder:
        url = args.database_url or sqlite_url(Path(folder) / "class_board.db")
        code = f"LOAD-{uuid.uuid4().hex[:8].upper()}"
        env = {"CNN_LAB_DATABASE_URL": url, "CNN_LAB_CLASS_CODE": code}
        if args.data:  # the server runs in the repository root: an absolute path
            env["MNIST_PATH"] = str(Path(args.data).resolve())
        stats = Stats()
        started = time.perf_counter()
        log = ROOT / "test-artifacts" / "streamlit-class-load.log"
        with StreamlitServer(log, extra_env=env) as server:
            sampler = Sampler(server.process.pid)
            sampler.start()
            sessions_s = asyncio.run(drive(server.url, code, args, stats))
            sampler.running = False
            sampler.join()
        stored = count_rows(url, code)
    expected = {"digits": args.sessions * args.digits, "entries": args.submitters}
    exact = stored == expected
    result = {
        "benchmark": "load_class_board",
        "database": make_url(url).get_backend_name(),
        "sessions": args.sessions,
        "digits_per_session": args.digits,
        "submitters": args.submitters,
        "epochs": args.epochs,
        "stagger_seconds": args.stagger,
        "data": "MNIST_PATH" if args.data else "offline sample",
        "seconds": round(time.perf_counter() - started, 1),
        "sessions_seconds": round(sessions_s, 1),
        "errors": stats.errors,
        "error_count": len(stats.errors),
        "acknowledged": {"digits": stats.added, "entries": stats.submitted},
        "rows_expected": expected,
        "rows_stored": stored,
        "rows_exact": exact,
        "rows_match_acknowledged": stored == {"digits": stats.added, "entries": stats.submitted},
        "add_seconds": summary(stats.add_s),
        "join_seconds": summary(stats.join_s),
        "training_seconds": summary(stats.train_s),
        "submit_seconds": summary(stats.submit_s),
        "server_peak_rss_mb": round(sampler.peak, 1),
    }
    report(result, args.out)
    if stats.errors or not exact:
        sys.exit(1)


if __name__ == "__main__":
    main()
