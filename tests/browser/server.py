"""Start the app and a headless Chromium for the browser tests and the screenshot script.

Shared by `tests/browser/conftest.py` and `scripts/make_screenshots.py`, so both see the app
the same way: `streamlit run app.py` on a free port of 127.0.0.1, offline (no `MNIST_PATH`,
an empty Keras cache: the 5,000-digit sample), with a fresh, empty SQLite class board of its own
(never ~/.cnn_lab's), driven by Debian's Chromium through the `playwright` package
(playwright's own browser download does not work everywhere).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for folder in (ROOT, ROOT / "tests"):  # ui.i18n, for the texts the tests look for; isolation
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

# What the server does not take from the caller's environment (extra_env may still set it):
# full MNIST, Keras' cache, a class deployment's settings (a developer's own board, class code,
# teacher password or caps never reach a test server), Streamlit options.
from isolation import offline_environ  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
INSTALL_HINT = "install Debian's Chromium: sudo apt-get install chromium"

# Quiet and offline: no GPU, no background requests, no updates, no first-run UI.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]

# Generous: a cold 2-core runner imports TensorFlow in ~5 s, traces the first prediction and
# trains for tens of seconds.
SERVER_START_TIMEOUT_S = 90
RUN_TIMEOUT_MS = 90_000
# One epoch on 4,000 sample digits takes ~10-20 s on 2 cores; TensorFlow builds the model too.
TRAINING_TIMEOUT_MS = 240_000
VIEWPORT = {"width": 1400, "height": 1000}

# The app's pages: (URL path, name, translation key of the h1 title, of the navigation link).
PAGES = [
    ("", "home", "app.title", "nav.home"),
    ("lesson", "lesson", "nav.lesson", "nav.lesson"),
    ("dataset", "dataset", "nav.dataset", "nav.dataset"),
    ("architecture", "architecture", "nav.architecture", "nav.architecture"),
    ("training", "training", "nav.training", "nav.training"),
    ("predict", "predict", "nav.predict", "nav.predict"),
    ("lab", "lab", "nav.lab", "nav.lab"),
    ("classroom", "classroom", "nav.classroom", "nav.classroom"),
]


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file (an absolute path)."""
    return f"sqlite:///{Path(path).resolve()}"


def chromium_path() -> str | None:
    """Debian's Chromium (or `$CHROMIUM`), or None when it is not installed."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamlitServer:
    """`streamlit run app.py` in a child process, offline, on a free port.

    Use as a context manager, or call `start()` and `stop()`.
    """

    def __init__(
        self,
        log_path: Path | None = None,
        python: str = sys.executable,
        extra_env: dict[str, str] | None = None,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.python = python
        self.log_path = log_path or ARTIFACTS / "streamlit.log"
        self.extra_env = dict(extra_env or {})  # e.g. MNIST_PATH for benchmarks
        self.process: subprocess.Popen | None = None
        self._keras_home: tempfile.TemporaryDirectory | None = None
        self._log = None

    def start(self, timeout_s: float = SERVER_START_TIMEOUT_S) -> StreamlitServer:
        self._keras_home = tempfile.TemporaryDirectory(prefix="cnn_lab_keras_home_")
        # KERAS_HOME empty: the app falls back to the sample.
        env = offline_environ(os.environ, self._keras_home.name)
        # A fresh, empty class board of its own (never ~/.cnn_lab's); extra_env may name one.
        env["CNN_LAB_DATABASE_URL"] = sqlite_url(Path(self._keras_home.name) / "class_board.db")
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.extra_env)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        command = [
            self.python,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_healthy(timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        health = f"{self.url}/_stcore/health"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with code {self.process.returncode} before it was "
                    f"healthy:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(health, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.2)
        raise TimeoutError(
            f"streamlit was not healthy at {health} within {timeout_s:.0f} s:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 40) -> str:
        if self._log is not None:
            self._log.flush()
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._keras_home is not None:
            self._keras_home.cleanup()
            self._keras_home = None

    def __enter__(self) -> StreamlitServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def launch_chromium(playwright, executable: str | None = None):
    """Debian's Chromium, headless and quiet. Each launch gets a fresh temporary profile
    (playwright's user-data dir, deleted on close)."""
    executable = executable or chromium_path()
    if executable is None:
        raise FileNotFoundError(INSTALL_HINT)
    return playwright.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_FLAGS
    )


def new_page(browser):
    """A page in a fresh context (its own cookies and Streamlit session), English locale."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(RUN_TIMEOUT_MS)
    return context.new_page()


@contextmanager
def app_and_browser(log_path: Path | None = None):
    """The server and a browser, both stopped on exit: `with app_and_browser() as (server,
    browser):`."""
    from playwright.sync_api import sync_playwright

    with StreamlitServer(log_path) as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield server, browser
        finally:
            browser.close()


# --- driving Streamlit ------------------------------------------------------------------------

APP = "[data-testid='stApp']"
STATUS = "[data-testid='stStatusWidget']"
EXCEPTION = "[data-testid='stException']"
MAIN = "[data-testid='stMain']"
SIDEBAR = "[data-testid='stSidebar']"

_IDLE_JS = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    return app !== null
        && app.getAttribute("data-test-connection-state") === "CONNECTED"
        && app.getAttribute("data-test-script-state") === "notRunning";
}"""


def wait_for_idle(page, timeout_ms: int = RUN_TIMEOUT_MS, settle_ms: int = 300) -> None:
    """Wait until Streamlit is connected and has finished its script run.

    A rerun a click asks for can take a moment to start, so the script state must read
    "notRunning" twice `settle_ms` apart, with the status widget ("Running...") hidden.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        remaining = max(1, int((deadline - time.monotonic()) * 1000))
        page.wait_for_function(_IDLE_JS, timeout=remaining)
        page.locator(STATUS).wait_for(state="hidden", timeout=remaining)
        page.wait_for_timeout(settle_ms)
        if page.evaluate(_IDLE_JS) and page.locator(STATUS).count() == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"Streamlit still running after {timeout_ms} ms")


def open_app(page, base_url: str, url_path: str = "", timeout_ms: int = RUN_TIMEOUT_MS):
    """Load a page of the app by URL (a new Streamlit session) and wait for its first run."""
    page.goto(f"{base_url}/{url_path}", wait_until="domcontentloaded", timeout=timeout_ms)
    page.locator(f"{MAIN} h1").first.wait_for(state="visible", timeout=timeout_ms)
    wait_for_idle(page, timeout_ms)


MAX_SCREENSHOT_HEIGHT = 6000
_CONTENT_HEIGHT_JS = """() => {
    const main = document.querySelector("[data-testid='stMain']");
    const sidebar = document.querySelector("[data-testid='stSidebarContent']");
    const extra = main ? main.getBoundingClientRect().top : 0;
    return Math.max(main ? main.scrollHeight + extra : 0, sidebar ? sidebar.scrollHeight : 0);
}"""


def warm_up(browser, base_url: str) -> None:
    """Open the Home page once, so the server has run app.py (and its `st.navigation`).

    Until a server has run `st.navigation` once, Streamlit treats an app with a `pages/`
    folder as a v1 multipage app: a first session that opens another page's URL runs that
    page's script alone, without app.py's frame.
    """
    page = new_page(browser)
    try:
        open_app(page, base_url)
    finally:
        page.context.close()


def metric(page, label: str):
    """The `st.metric`s of the main area labelled exactly `label`."""
    return page.locator(f"{MAIN} [data-testid='stMetric']").filter(
        has=page.locator(
            "[data-testid='stMetricLabel']", has_text=re.compile(f"^{re.escape(label)}$")
        )
    )


def exceptions(page) -> list[str]:
    """The text of every Streamlit exception box on the page."""
    return [found.strip() for found in page.locator(EXCEPTION).all_inner_texts()]


def screenshot(page, name: str, folder: Path = SCREENSHOTS, full_page: bool = True) -> Path:
    """Save a PNG of the page as `folder/name.png`.

    Streamlit scrolls its main area inside the window, so for the whole page the window is
    made as tall as that content (at most `MAX_SCREENSHOT_HEIGHT`) for the screenshot.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    viewport = page.viewport_size
    height = viewport["height"]
    if full_page:
        height = page.evaluate(_CONTENT_HEIGHT_JS)
        height = min(max(viewport["height"], int(height)), MAX_SCREENSHOT_HEIGHT)
    if height != viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": height})
        page.wait_for_timeout(500)  # charts redraw at the new size
    try:
        page.screenshot(path=str(path), animations="disabled")
    finally:
        if height != viewport["height"]:
            page.set_viewport_size(viewport)
    return path


def assert_no_exception(page) -> None:
    """Fail with their text if Streamlit shows an exception box."""
    found = exceptions(page)
    assert not found, f"Streamlit exception on the page: {found}"


def text(key: str, language: str = "en", **values) -> str:
    """The app's text for `key` (ui/i18n.py), so the tests follow the translation table."""
    from ui.i18n import translate

    return translate(key, language, **values)


def heading(page):
    """The page's title (the first h1 of the main area)."""
    return page.locator(f"{MAIN} h1").first


def nav_link(page, title: str):
    """The sidebar navigation link whose label is exactly `title`."""
    return page.locator(f"{SIDEBAR} [data-testid='stSidebarNav']").get_by_text(title, exact=True)


def go_to(page, nav_title: str, title: str, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Click a sidebar navigation link (same session) and wait for the page titled `title`."""
    nav_link(page, nav_title).click()
    page.locator(f"{MAIN} h1", has_text=title).first.wait_for(state="visible", timeout=timeout_ms)
    wait_for_idle(page, timeout_ms)


# The pages in tabs (`ui.widgets.chapter_tabs`): (URL path, name, widget key, tab names).
TABBED_PAGES = [
    ("dataset", "dataset", "dataset_tab", ("grid", "digit", "classes")),
    ("architecture", "architecture", "arch_tab", ("network", "convolution", "pooling", "model")),
    ("lab", "lab", "lab_tab", ("transform", "sweeps")),
]
TAB_TEXT_PREFIX = {"dataset_tab": "dataset.tab_", "arch_tab": "arch.tab_", "lab_tab": "lab.tab_"}
CHART = "[data-testid='stPlotlyChart']"
# What React shows in an element's place while its code is still loading: a chart is a
# skeleton, not yet a stPlotlyChart, until the browser has fetched Plotly's 4.7 MB bundle.
SKELETON = "[data-testid='stSkeleton']"
# True once the main area has no skeleton left and every Plotly chart in it has its SVG.
CHARTS_DRAWN_JS = f"""() => {{
  const main = document.querySelector("{MAIN}");
  if (!main || main.querySelector("{SKELETON}")) return false;
  return [...main.querySelectorAll("{CHART}")].every((chart) => chart.querySelector(".main-svg"));
}}"""


def tab(page, label: str):
    """The tab labelled exactly `label` in the main area."""
    return page.locator(MAIN).get_by_role("tab", name=label, exact=True)


def open_tab(page, label: str, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Click a tab (its content runs only now) and wait for the rerun and its charts."""
    click_tab(page, label, timeout_ms)
    wait_for_charts(page, timeout_ms)


def click_tab(page, label: str, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Click a tab and wait for the rerun that sends its content (its charts may still load)."""
    tab(page, label).click()
    page.locator(f"{MAIN} [role='tab'][aria-selected='true']", has_text=label).wait_for(
        timeout=timeout_ms
    )
    # A closed tab's panel is empty until the rerun the click asks for sends its content.
    page.locator(f"{MAIN} [role='tabpanel']:not([hidden]) [data-testid]").first.wait_for(
        timeout=timeout_ms
    )
    wait_for_idle(page, timeout_ms)


def wait_for_charts(page, timeout_ms: int = RUN_TIMEOUT_MS) -> int:
    """Wait until every Plotly chart of the main area has loaded and drawn; how many there are.

    Call it once the script run has ended (`wait_for_idle`): a chart still loading is a
    skeleton, so counting charts before the skeletons are gone would miss it.
    """
    page.wait_for_function(CHARTS_DRAWN_JS, timeout=timeout_ms)
    return page.locator(f"{MAIN} {CHART}").count()


def slow_network(page, bytes_per_s: int, latency_ms: int = 50) -> None:
    """From now on, the page's downloads run at `bytes_per_s` (Chrome's network emulation),
    as on a workshop's bad Wi-Fi."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": latency_ms,
            "downloadThroughput": bytes_per_s,
            "uploadThroughput": bytes_per_s,
        },
    )


def choose_language(page, language: str, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Pick a language ("en" or "zh") in the sidebar's selectbox and wait for the rerun."""
    from ui.i18n import LANGUAGES

    page.locator(SIDEBAR).get_by_role("combobox", name=text("sidebar.language")).click()
    page.get_by_role("option", name=LANGUAGES[language], exact=True).click()
    title = text("nav.home", language)
    nav_link(page, title).wait_for(state="visible", timeout=timeout_ms)
    wait_for_idle(page, timeout_ms)


# --- the Predict page's canvas ----------------------------------------------------------

CANVAS = ".canvas-root canvas"  # Fabric.js' upper canvas, the last one, takes the mouse
CANVAS_SIZE = 280
Point = tuple[float, float]


def ellipse(cx: float, cy: float, rx: float, ry: float, points: int = 24) -> list[Point]:
    """A closed loop starting at the top, drawn anticlockwise as people write a 0."""
    loop = [
        (cx - rx * math.sin(2 * math.pi * i / points), cy - ry * math.cos(2 * math.pi * i / points))
        for i in range(points + 1)
    ]
    return [*loop, loop[1]]  # overlap a little at the top, as a pen does


def canvas(page):
    """The canvas' drawing surface, scrolled into view."""
    surface = page.locator(CANVAS).last
    surface.wait_for(state="visible")
    surface.scroll_into_view_if_needed()
    return surface


def draw(page, strokes: list[list[Point]]) -> None:
    """Draw `strokes` on the canvas with the mouse: down, moves, up.

    Between two points the mouse moves in up to 10 steps (one per ~8 px: a 24-point loop
    needs fewer, and each step costs a round trip to the browser).
    """
    box = canvas(page).bounding_box()
    scale_x, scale_y = box["width"] / CANVAS_SIZE, box["height"] / CANVAS_SIZE

    def at(point: Point) -> Point:
        return box["x"] + point[0] * scale_x, box["y"] + point[1] * scale_y

    for stroke in strokes:
        page.mouse.move(*at(stroke[0]))
        page.mouse.down()
        for previous, point in zip(stroke, stroke[1:], strict=False):
            distance = math.dist(previous, point)
            page.mouse.move(*at(point), steps=min(10, max(2, math.ceil(distance / 8))))
        page.mouse.up()
        wait_for_idle(page)


def prediction_metric(page, language: str = "en"):
    """The "Prediction" metrics of the main area."""
    return metric(page, text("predict.prediction", language))


def read_prediction(page, language: str = "en") -> int:
    """The digit in the first "Prediction" metric, once the run that shows it is over."""
    value = prediction_metric(page, language).first.locator("[data-testid='stMetricValue']")
    value.wait_for(state="visible", timeout=RUN_TIMEOUT_MS)
    wait_for_idle(page)
    return int(value.inner_text().strip())


# --- the Training page -------------------------------------------------------------------


def set_epochs(page, epochs: int) -> None:
    """Set the epochs widget (a number input or a slider starting at 1) and wait for it."""
    widget = page.locator(".st-key-train_epochs")
    number = widget.locator("input[type='number'], input[inputmode]")
    if number.count():
        number.first.fill(str(epochs))
        number.first.press("Enter")
    else:
        slider = widget.get_by_role("slider")
        slider.focus()
        slider.press("Home")  # the slider's minimum, 1
        for _ in range(epochs - 1):
            slider.press("ArrowRight")
        _wait_value(slider, str(epochs))
        slider.blur()
    wait_for_idle(page)


def _wait_value(field, value: str, timeout_ms: int = 5_000) -> None:
    deadline = time.monotonic() + timeout_ms / 1000
    while field.input_value() != value:
        if time.monotonic() > deadline:
            raise AssertionError(f"{field} shows {field.input_value()!r}, not {value!r}")
        time.sleep(0.05)
