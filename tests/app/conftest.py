"""AppTest fixtures: the app offline on the 5,000-digit sample, in either language.

Offline and without the machine's class settings as every test is (`tests/conftest.py`,
`tests/isolation.py`): no MNIST_PATH, an empty Keras cache, no CNN_LAB_ settings.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
from databases import database_url, postgres_admin  # noqa: F401 (fixtures)
from google.protobuf import text_format
from PIL import Image
from streamlit.testing.v1 import AppTest

import classroom
from ui.deployment import ENV as CLASS_ENV
from ui.i18n import translate

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
# Generous: TensorFlow's import alone takes seconds on a cold 2-core runner.
TIMEOUT = 120


@pytest.fixture(autouse=True)
def class_board_database(monkeypatch, tmp_path):
    """A fresh SQLite class board in tmp_path and no class settings from the environment this
    runs in: no AppTest reads or writes ~/.cnn_lab. Yields the database URL."""
    for variable in CLASS_ENV.values():
        monkeypatch.delenv(variable, raising=False)
    url = f"sqlite:///{tmp_path / 'class_board.db'}"
    monkeypatch.setenv(classroom.ENV_VAR, url)
    yield url
    classroom.dispose_engines()


@pytest.fixture
def class_board_both(monkeypatch, database_url):  # noqa: F811 (the fixture imported above)
    """Like `class_board_database`, run twice: on a SQLite file and on a fresh schema of the
    PostgreSQL test server (`tests/databases.py`). Yields the database URL."""
    for variable in CLASS_ENV.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv(classroom.ENV_VAR, database_url)
    yield database_url


def open_page(page: str | None = None, language: str = "en", **state) -> AppTest:
    """Run app.py once (the frame and Home), then switch to `page` (e.g. "pages/predict.py").

    Extra keyword arguments are put into session state before the page runs.
    """
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = language
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def open_tab(at: AppTest, key: str, name: str, text_prefix: str, language: str = "en") -> AppTest:
    """Open the tab `name` of the page's `chapter_tabs(key, ...)` and rerun.

    AppTest cannot click a tab: this sets what a click leaves in session state (the tab's
    label in the widget key, its name in the plain key the page remembers it by).
    """
    at.session_state[key] = translate(f"{text_prefix}{name}", language)
    at.session_state[f"{key}_name"] = name
    return at.run()


def image_urls(at: AppTest, key: str) -> list[str]:
    """The URLs of the images in the container `key`: media URLs (content hashes), or data
    URIs for SVG images."""
    return [
        image.url for child in at.get_by_key(key).children.values() for image in child.proto.imgs
    ]


def image_pixels(at: AppTest, key: str) -> np.ndarray:
    """The pixels (uint8) of the one PNG image, sent inline as a `data:` URI, in the container
    `key`."""
    (url,) = image_urls(at, key)
    header, encoded = url.split(",", 1)
    assert header == "data:image/png;base64", header
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))))


def chart_values(at: AppTest, key: str, field: str = "z", trace: int = 0) -> np.ndarray:
    """A data array of the Plotly chart `key` (Plotly sends numpy arrays as typed base64)."""
    value = json.loads(at.get_by_key(key).proto.spec)["data"][trace][field]
    if isinstance(value, dict):
        shape = [int(n) for n in str(value.get("shape", "-1")).split(",")]
        value = np.frombuffer(base64.b64decode(value["bdata"]), value["dtype"]).reshape(shape)
    return np.asarray(value)


def tab_labels(at: AppTest) -> list[str]:
    return [tab.label for tab in at.tabs]


def page_text(at) -> str:
    """Every element the page sends the browser, as text (labels, values, messages)."""
    parts = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(text_format.MessageToString(proto, as_utf8=True))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def assert_no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
