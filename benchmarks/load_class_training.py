"""A class presses Train at once: N students on one server, from Train to the test accuracy shown.

    python benchmarks/load_class_training.py --students 30 --preset quick \\
        --data ../shared/data/mnist.npz --out benchmarks/results/class_training_quick_30.json
    python benchmarks/load_class_training.py --students 30 --preset quick \\
        --max-train-digits 20000 --data ../shared/data/mnist.npz \\
        --out benchmarks/results/class_training_quick_20k_30.json

Loopback only and bounded: one `streamlit run app.py` on 127.0.0.1 (full MNIST from `--data`),
a fixed amount of work, and the run stops by itself at `--deadline` seconds. The server gets
the caps a teacher sets for a class (ui/deployment.py): `--preset` (CNN_LAB_CLASS_PRESET),
`--max-epochs` (CNN_LAB_MAX_EPOCHS), `--max-train-digits` (CNN_LAB_MAX_TRAIN_DIGITS) and, if
given, `--max-trainings` (CNN_LAB_MAX_TRAININGS: the training queue's slots, by default one per
core).

The students press the Training page's real Train button, through the real server (its
websocket, session, script run, the training queue in cnn/training/concurrency.py), two ways:

- `--client protocol` (default): each student is one Streamlit session spoken to over the app's
  websocket as a browser tab speaks to it (BackMsg protobufs: the page's run, then the Train
  button's click; ForwardMsg protobufs back: what the page shows). No browser shares the
  server's 2 cores: as in a class, where every student's browser runs on their own device.
  "Shown" is when the message with the test accuracy reaches the student's connection.
- `--client browser`: one headless Chromium, each student a browser context of its own with a
  small window; "shown" is when the accuracy is drawn. Chromium runs at niceness
  `--browser-nice` (19: its whole autogroup, see `bench_training_page.renice_browser`) but still
  takes CPU from the server, and a page may draw its results long after they arrived: a
  pessimistic bound, not a class.

Each student opens the Training page, `--join-stagger` seconds after the one before; once all
are there, they press Train `--press-stagger` seconds apart, and each waits for the test
accuracy. The places in line each page shows are recorded as they change. A sampler records
the server's RSS every 0.25 s.

Reports, for each student: seconds from pressing Train to the test accuracy shown, the
accuracy, the places in line shown, the page's timing line, errors; then the median, p95 and
last, when the last student saw results counting from the first press, and whether that is
within `--goal` seconds (5 minutes). Exits with status 1 on errors or unfinished students.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from pathlib import Path

from bench_training_page import renice_browser
from common import ROOT, memory_mb, parser, report
from load_class_board import Sampler, check_no_exception, open_app, summary

sys.path.insert(0, str(ROOT / "tests" / "browser"))

from server import (  # noqa: E402
    CHROMIUM_FLAGS,
    MAIN,
    RUN_TIMEOUT_MS,
    StreamlitServer,
    chromium_path,
    metric,
    text,
)

WINDOW = {"width": 800, "height": 600}  # small: less for Chromium to lay out and paint
ERROR_ALERT = "[data-testid='stAlertContentError']"

# "... waiting for a free training slot, place 3 in line[, about 1 min to wait]."
PLACE_PREFIX = text("train.waiting", place=999).split("999")[0]
assert text("train.waiting_eta", place=999, wait="x").startswith(PLACE_PREFIX + "999")
# Runs in every page: the places in line it shows, each change with the browser's time (ms).
QUEUE_WATCH_JS = """(() => {
  const prefix = %s;
  const places = [];
  window.__cnnLabPlaces = places;
  setInterval(() => {
    for (const alert of document.querySelectorAll("[data-testid='stAlert']")) {
      const text = alert.textContent || "";
      const at = text.indexOf(prefix);
      if (at < 0) continue;
      const place = parseInt(text.slice(at + prefix.length), 10);
      if (!Number.isNaN(place) && (!places.length || places[places.length - 1][0] !== place)) {
        places.push([place, Date.now()]);
      }
    }
  }, 500);
})();"""


class Student:
    def __init__(self, index: int):
        self.index = index
        self.pressed: float | None = None  # time.time() of the press
        self.shown: float | None = None
        self.accuracy: str | None = None
        self.places: list[tuple[int, float]] = []  # (place, seconds after the press)
        self.timing_line = ""
        self.errors: list[str] = []

    def result(self, first_press: float | None) -> dict:
        wait = None if self.shown is None else round(self.shown - self.pressed, 1)
        return {
            "student": self.index + 1,
            "pressed_s_after_first_press": None
            if self.pressed is None or first_press is None
            else round(self.pressed - first_press, 1),
            "train_to_accuracy_shown_s": wait,
            "test_accuracy_shown": self.accuracy,
            "places_shown": [place for place, _ in self.places],
            "first_place_shown": self.places[0][0] if self.places else None,
            "timing_line": self.timing_line,
            "errors": self.errors,
        }


async def browser_student(
    context, url: str, who: Student, args, ready, start, timeout_ms: int
) -> None:
    name = f"student-{who.index + 1:02d}"
    try:
        page = await context.new_page()
        await asyncio.sleep(who.index * args.join_stagger)
        await open_app(page, url, "training")
        if args.preset:  # the class's recipe is in place (its caption), not the default's
            locked = page.locator(MAIN).get_by_text(text("train.preset_locked"))
            await locked.first.wait_for(state="visible")
        await check_no_exception(page, f"{name} opening Training")
    except Exception as error:
        who.errors.append(f"{name} opening Training: {type(error).__name__}: {str(error)[:300]}")
        return
    finally:
        ready.release()
    await start.wait()
    try:
        await asyncio.sleep(who.index * args.press_stagger)
        who.pressed = time.time()
        await page.locator(".st-key-train_start button").click()
        accuracy = metric(page, text("train.test_accuracy")).locator(
            "[data-testid='stMetricValue']"
        )
        await accuracy.first.wait_for(state="visible", timeout=timeout_ms)
        who.shown = time.time()
        who.accuracy = (await accuracy.first.inner_text()).strip()
        timing = page.locator(MAIN).get_by_text(re.compile("per epoch"))
        if await timing.count():
            who.timing_line = (await timing.first.inner_text()).strip()
        await check_no_exception(page, f"{name} training")
        refused = await page.locator(f"{MAIN} {ERROR_ALERT}").all_inner_texts()
        who.errors += [f"{name}: error shown: {message[:200]}" for message in refused]
    except Exception as error:  # a load run counts failures, it does not stop at one
        who.errors.append(f"{name} training: {type(error).__name__}: {str(error)[:300]}")
    finally:
        try:
            places = await page.evaluate("window.__cnnLabPlaces || []")
            pressed = who.pressed or time.time()
            who.places = [(int(place), round(ms / 1000 - pressed, 1)) for place, ms in places]
        except Exception as error:
            who.errors.append(f"{name}: places not read: {type(error).__name__}")


async def run_together(tasks, ready, start, count: int, deadline: float, times: dict, joined=None):
    """Wait until every student is on the page (or gave up), then let them all press Train
    at once and wait for them until the deadline; what is still running then is cancelled.
    Records join_began, all_joined and pending_at_deadline in `times`."""
    times["join_began"] = time.time()
    for _ in range(count):
        await asyncio.wait_for(ready.acquire(), timeout=max(1.0, deadline - time.time()))
    if joined is not None:
        joined()
    times["all_joined"] = time.time()
    start.set()
    _done, pending = await asyncio.wait(tasks, timeout=max(1.0, deadline - time.time()))
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
    times["pending_at_deadline"] = len(pending)


async def drive_browser(url: str, args, students: list[Student]) -> dict:
    """Every student at once, each a browser context; when things happened (time.time())."""
    from playwright.async_api import async_playwright

    times = {}
    deadline = time.time() + args.deadline
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS
        )
        renice_browser(args.browser_nice)
        try:
            warm = await browser.new_page(viewport=WINDOW)  # the server runs app.py once
            await open_app(warm, url)
            await warm.close()
            ready = asyncio.Semaphore(0)
            start = asyncio.Event()
            tasks = []
            for who in students:
                context = await browser.new_context(
                    viewport=WINDOW, locale="en-US", timezone_id="UTC"
                )
                context.set_default_timeout(RUN_TIMEOUT_MS)
                await context.add_init_script(QUEUE_WATCH_JS % repr(PLACE_PREFIX))
                timeout_ms = int(max(1.0, deadline - time.time()) * 1000)
                tasks.append(
                    asyncio.create_task(
                        browser_student(context, url, who, args, ready, start, timeout_ms)
                    )
                )
            await run_together(
                tasks, ready, start, len(students), deadline, times,
                joined=lambda: renice_browser(args.browser_nice),  # the renderers started since
            )  # fmt: skip
        finally:
            await browser.close()
    return times


# --- the students as Streamlit's own protocol: no browser ------------------------------------


class StreamlitSession:
    """One Streamlit session over the app's websocket, as a browser tab holds it: BackMsg
    protobufs out (a page's run, a button's click), ForwardMsg protobufs in. It keeps what a
    student would see: the Train button's widget id, the places in line, the test accuracy, and
    the exceptions and errors shown."""

    def __init__(self, url: str, who: Student):
        self.stream_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
        self.who = who
        self.page_script_hash = ""
        self.train_button_id: str | None = None
        self.run_finished = asyncio.Event()
        self.accuracy_shown = asyncio.Event()
        self.accuracy_label = text("train.test_accuracy")
        self.connection = None
        self._receiver = None

    async def __aenter__(self) -> StreamlitSession:
        import websockets

        # No pings from this side: a busy server would answer late and the library would close
        # the connection; the server's own pings are answered by this event loop.
        self.connection = await websockets.connect(
            self.stream_url, subprotocols=["streamlit"], max_size=None, ping_interval=None
        )
        self._receiver = asyncio.create_task(self._receive())
        return self

    async def __aexit__(self, *exc) -> None:
        self._receiver.cancel()
        await asyncio.gather(self._receiver, return_exceptions=True)
        await self.connection.close()

    async def run_page(self, page_name: str, widgets=()) -> None:
        """Ask for a run of the page `page_name` ("" for Home) with these widget states."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        state = message.rerun_script
        state.page_name = page_name
        state.page_script_hash = self.page_script_hash
        state.widget_states.widgets.extend(widgets)
        self.run_finished.clear()
        await self.connection.send(message.SerializeToString())

    async def click(self, page_name: str, widget_id: str) -> None:
        """What a browser sends for a click on the button `widget_id`."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        await self.run_page(page_name, [WidgetState(id=widget_id, trigger_value=True)])

    async def _receive(self) -> None:
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        async for raw in self.connection:
            message = ForwardMsg()
            message.ParseFromString(raw)
            kind = message.WhichOneof("type")
            if kind == "navigation":  # st.navigation's page: the one the next run asks for
                self.page_script_hash = message.navigation.page_script_hash
            elif kind == "script_finished":
                self.run_finished.set()
            elif kind == "ref_hash":  # never asked for (no cached_message_hashes sent)
                self.who.errors.append("a cached message was referenced, not sent")
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                shown = element.WhichOneof("type")
                if shown == "button" and element.button.id.endswith("train_start"):
                    self.train_button_id = element.button.id
                elif shown == "alert" and PLACE_PREFIX in element.alert.body:
                    place = int(re.match(r"\d+", element.alert.body.split(PLACE_PREFIX)[1])[0])
                    if not self.who.places or self.who.places[-1][0] != place:
                        pressed = self.who.pressed or time.time()
                        self.who.places.append((place, round(time.time() - pressed, 1)))
                elif shown == "alert" and element.alert.format == Alert.ERROR:
                    self.who.errors.append(f"error shown: {element.alert.body[:200]}")
                elif shown == "exception":
                    self.who.errors.append(f"exception: {element.exception.message[:200]}")
                elif shown == "metric" and element.metric.label == self.accuracy_label:
                    if self.who.pressed is not None and self.who.shown is None:
                        self.who.shown = time.time()
                        self.who.accuracy = element.metric.body
                        self.accuracy_shown.set()
                elif shown == "markdown" and "per epoch" in element.markdown.body:
                    self.who.timing_line = element.markdown.body


async def protocol_student(url: str, who: Student, args, ready, start, deadline: float) -> None:
    name = f"student-{who.index + 1:02d}"
    try:
        async with StreamlitSession(url, who) as session:
            try:
                await asyncio.sleep(who.index * args.join_stagger)
                await session.run_page("training")
                await asyncio.wait_for(session.run_finished.wait(), RUN_TIMEOUT_MS / 1000)
                if session.train_button_id is None:
                    raise RuntimeError("the Training page drew no Train button")
            finally:
                ready.release()
            await start.wait()
            await asyncio.sleep(who.index * args.press_stagger)
            who.pressed = time.time()
            await session.click("training", session.train_button_id)
            await asyncio.wait_for(
                session.accuracy_shown.wait(), timeout=max(1.0, deadline - time.time())
            )
    except Exception as error:  # a load run counts failures, it does not stop at one
        who.errors.append(f"{name}: {type(error).__name__}: {str(error)[:300]}")


async def drive_protocol(url: str, args, students: list[Student]) -> dict:
    """Every student at once over the websocket protocol; when things happened."""
    times = {}
    deadline = time.time() + args.deadline
    warm = Student(-1)  # the server runs app.py (its st.navigation) once first
    async with StreamlitSession(url, warm) as session:
        await session.run_page("")
        await asyncio.wait_for(session.run_finished.wait(), RUN_TIMEOUT_MS / 1000)
    ready = asyncio.Semaphore(0)
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(protocol_student(url, who, args, ready, start, deadline))
        for who in students
    ]
    await run_together(tasks, ready, start, len(students), deadline, times)
    return times


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--students", type=int, default=30)
    arguments.add_argument(
        "--client",
        choices=("protocol", "browser"),
        default="protocol",
        help="students as Streamlit's websocket protocol (no browser on the server's cores), "
        "or as Chromium contexts",
    )
    arguments.add_argument(
        "--preset", default="quick", help="the class preset (CNN_LAB_CLASS_PRESET); '' for none"
    )
    arguments.add_argument("--max-epochs", type=int, help="CNN_LAB_MAX_EPOCHS")
    arguments.add_argument("--max-train-digits", type=int, help="CNN_LAB_MAX_TRAIN_DIGITS")
    arguments.add_argument(
        "--max-trainings", type=int, help="CNN_LAB_MAX_TRAININGS (default: one per core)"
    )
    arguments.add_argument("--join-stagger", type=float, default=0.5, help="seconds")
    arguments.add_argument("--press-stagger", type=float, default=0.1, help="seconds")
    arguments.add_argument("--browser-nice", type=int, default=19, help="Chromium's niceness")
    arguments.add_argument("--goal", type=float, default=300, help="seconds for the last one")
    arguments.add_argument("--deadline", type=float, default=1500, help="seconds, at most")
    args = arguments.parse_args()
    if not 1 <= args.students <= 50:
        raise SystemExit("--students must be 1-50")
    if not 60 <= args.deadline <= 3600:
        raise SystemExit("--deadline must be 60-3600 seconds")
    if args.client == "browser" and chromium_path() is None:
        raise SystemExit("Chromium is not installed: sudo apt-get install chromium")
    if not args.data:
        print("warning: no --data/MNIST_PATH: the server trains on the sample", file=sys.stderr)

    caps = {
        "CNN_LAB_CLASS_PRESET": args.preset or None,
        "CNN_LAB_MAX_EPOCHS": args.max_epochs,
        "CNN_LAB_MAX_TRAIN_DIGITS": args.max_train_digits,
        "CNN_LAB_MAX_TRAININGS": args.max_trainings,
    }
    env = {name: str(value) for name, value in caps.items() if value is not None}
    if args.data:  # the server runs in the repository root: an absolute path
        env["MNIST_PATH"] = str(Path(args.data).resolve())
    students = [Student(index) for index in range(args.students)]
    started = time.perf_counter()
    log = ROOT / "test-artifacts" / "streamlit-class-training.log"
    with StreamlitServer(log, extra_env=env) as server:
        sampler = Sampler(server.process.pid)
        sampler.start()
        try:
            drive = drive_browser if args.client == "browser" else drive_protocol
            times = asyncio.run(drive(server.url, args, students))
        finally:
            sampler.running = False
            sampler.join()
        rss_end = memory_mb(server.process.pid)["VmRSS"]
    presses = [who.pressed for who in students if who.pressed is not None]
    first_press = min(presses) if presses else None
    results = [who.result(first_press) for who in students]
    waits = [r["train_to_accuracy_shown_s"] for r in results if r["train_to_accuracy_shown_s"]]
    shown = [who.shown for who in students if who.shown is not None]
    last_after_first_press = round(max(shown) - first_press, 1) if shown else None
    wait_summary = summary(waits)
    errors = [error for who in students for error in who.errors]
    unfinished = sum(who.shown is None for who in students)
    if unfinished:
        errors.append(f"{unfinished} students saw no results by the deadline")
    result = {
        "benchmark": "load_class_training",
        "students": args.students,
        "class_caps": {name: value for name, value in caps.items() if value is not None},
        "data": "MNIST_PATH" if args.data else "offline sample",
        "client": args.client,
        "browser": {"window": WINDOW, "niceness": args.browser_nice}
        if args.client == "browser"
        else None,
        "join_stagger_s": args.join_stagger,
        "press_stagger_s": args.press_stagger,
        "seconds": round(time.perf_counter() - started, 1),
        "join_seconds": round(times["all_joined"] - times["join_began"], 1),
        "goal_last_student_s": args.goal,
        "last_student_sees_results_s_after_first_press": last_after_first_press,
        "goal_met": last_after_first_press is not None
        and not unfinished
        and last_after_first_press <= args.goal,
        "train_to_accuracy_shown_s": {**wait_summary, "median": wait_summary["p50"]},
        "students_over_goal": sum(wait > args.goal for wait in waits),
        "max_place_shown": max((max(r["places_shown"], default=0) for r in results), default=0),
        "errors": errors,
        "error_count": len(errors),
        "unfinished": unfinished,
        "server_peak_rss_mb": round(sampler.peak, 1),
        "server_rss_end_mb": round(rss_end, 1),
        "each_student": results,
    }
    report(result, args.out)
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
