"""The label box of "Add to the class's digits" on every path that adds a digit, over a sequence
of different digits: the box follows each new digit (a drawing's or a photo's prediction, a
test digit's true label, no choice for a photo on the Class page), keeps what the student
chose for the digit it was chosen for, and the board stores the digit shown with the label
shown when Add is clicked (read back from the SQLite board of `class_board_database`).

AppTest's canvas returns no drawing: the drawing test puts a stand-in `st_canvas` that returns
canvas images made from test digits (`cnn.redraw_as_canvas`), and the page does the rest.
"""

from __future__ import annotations

import functools
import sys
import types

import numpy as np
import pytest
import streamlit as st
from conftest import assert_no_exception, open_page

import classroom
import cnn
from cnn.images.photo import photo_steps
from cnn.images.photo_synth import synthetic_photo
from ui.i18n import translate

PREDICT = "pages/predict.py"
CLASS = "pages/classroom.py"
DRAWING = "test_drawing"  # the session-state key the stand-in canvas returns


@pytest.fixture(autouse=True)
def no_wait_between_digits(monkeypatch):
    """A student waits 1 s between two digits: no wait here, where one adds several."""
    relaxed = classroom.Limits(digit_interval_s=0)
    monkeypatch.setattr(
        classroom, "open_board", functools.partial(classroom.open_board, limits=relaxed)
    )


@pytest.fixture(scope="module")
def sample() -> cnn.Dataset:
    return cnn.load_mnist(download=False)  # what the app uses in AppTest (conftest)


@pytest.fixture(scope="module")
def shipped():
    return cnn.load_default_model()


def first_of(sample: cnn.Dataset, label: int) -> int:
    """The index of the first test digit with that true label."""
    return int(np.flatnonzero(sample.y_test == label)[0])


def joined(page: str, language: str):
    """A session that joined the open board as Ada, on `page`."""
    at = open_page(CLASS, language)
    at.text_input(key="class_nickname").input("Ada")
    [submit] = [button for button in at.button if button.proto.form_id == "class_join"]
    submit.click().run()
    assert at.session_state["class_member"]["nickname"] == "Ada"
    if page != CLASS:
        at.switch_page(page).run()
    assert_no_exception(at)
    return at


def stored(url: str) -> list[tuple[int, np.ndarray]]:
    """The board's digits, oldest first: (label, image in [0, 1])."""
    return [
        (digit.label, digit.image) for digit in reversed(classroom.open_board(url).list_digits())
    ]


def assert_stored(url: str, expected: list[tuple[int, np.ndarray]]) -> None:
    found = stored(url)
    assert [label for label, _ in found] == [label for label, _ in expected]
    for (_, image), (_, shown) in zip(found, expected, strict=True):
        # The board keeps round(value * 255).
        np.testing.assert_allclose(image, np.asarray(shown, np.float32), atol=0.5 / 255 + 1e-6)


def add(at, key: str, meant: int | None = None, *, language: str = "en"):
    """Click Add (after choosing `meant` in the same rerun when given: the click goes with the
    value the box shows, as when a student changes the box and clicks at once)."""
    if meant is not None:
        at.selectbox(key=f"{key}_label").set_value(meant)
    at.button(key=f"{key}_add").click().run()
    assert_no_exception(at)
    label = meant if meant is not None else at.selectbox(key=f"{key}_label").value
    assert translate("class.added", language, label=label) in [s.value for s in at.success]
    return at


# --- a random test digit: the box shows its true label -------------------------------------


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_box_follows_each_random_test_digit(class_board_database, sample, language):
    at = joined(PREDICT, language)
    key = "predict_sample"
    box = f"{key}_label"
    expected = []

    def show(label: int) -> int:
        index = first_of(sample, label)
        at.session_state["predict_sample"] = index  # what Random leaves
        at.run()
        assert_no_exception(at)
        assert at.selectbox(key=box).value == label  # the true label, known
        return index

    index = show(6)  # added as shown
    add(at, key, language=language)
    expected.append((6, sample.x_test[index] / 255))

    index = show(3)  # the student changes the box; it stays changed for this digit
    at.selectbox(key=box).set_value(5).run()
    at.run()
    assert at.selectbox(key=box).value == 5
    add(at, key, language=language)
    expected.append((5, sample.x_test[index] / 255))

    index = show(0)  # changed and clicked at once
    add(at, key, 9, language=language)
    expected.append((9, sample.x_test[index] / 255))

    index = show(1)  # the next digit is its own again, not the 9 chosen before
    add(at, key, language=language)
    expected.append((1, sample.x_test[index] / 255))

    at.button(key="predict_random").click().run()  # the real button: still its true label
    index = at.session_state["predict_sample"]
    assert at.selectbox(key=box).value == int(sample.y_test[index])
    assert_stored(class_board_database, expected)


# --- a drawing: the box shows the model's reading of the latest drawing -----------------------


def stand_in_canvas(**_):
    """`st_canvas` as a browser would answer it: the drawing in session state."""
    return types.SimpleNamespace(image_data=st.session_state.get(DRAWING))


def test_the_box_follows_each_drawing(monkeypatch, class_board_database, sample, shipped):
    # `ui.drawing_input` imports `st_canvas` at each call: this one, in place of the component.
    canvas_module = types.ModuleType("streamlit_drawable_canvas")
    canvas_module.st_canvas = stand_in_canvas
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", canvas_module)
    at = joined(PREDICT, "en")
    key = "predict_drawing"
    box = f"{key}_label"
    expected = []

    def draw(label: int) -> tuple[int, np.ndarray]:
        drawing = cnn.redraw_as_canvas(sample.x_test[first_of(sample, label)], height=180)
        image = cnn.canvas_to_mnist(drawing)
        read = int(cnn.predict_digit(shipped, image).argmax())
        at.session_state[DRAWING] = drawing
        at.run()
        assert_no_exception(at)
        assert at.metric[0].value == str(read)
        assert at.selectbox(key=box).value == read  # the reading of this drawing
        return read, image

    readings = []
    for label in (4, 7):  # a 4, then a 7: the 7 is added as a 7, not as the 4 before it
        read, image = draw(label)
        readings.append(read)
        add(at, key)
        expected.append((read, image))
    read, image = draw(2)  # the student means another digit than the model reads
    readings.append(read)
    meant = (read + 1) % 10
    at.selectbox(key=box).set_value(meant).run()
    assert at.selectbox(key=box).value == meant
    add(at, key)
    expected.append((meant, image))
    read, image = draw(0)  # changed and clicked at once
    readings.append(read)
    add(at, key, (read + 3) % 10)
    expected.append(((read + 3) % 10, image))

    assert all(a != b for a, b in zip(readings, readings[1:], strict=False)), readings
    assert_stored(class_board_database, expected)


# --- a photo on Predict: the box shows the model's reading of the latest photo ----------------


def photo_of(sample: cnn.Dataset, label: int) -> bytes:
    index = first_of(sample, label)
    return synthetic_photo(sample.x_test[index], paper="squared", ink="black", rng=index)


def test_the_box_follows_each_photo(class_board_database, sample, shipped):
    at = joined(PREDICT, "en")
    key = "predict_photo_result"
    box = f"{key}_label"
    expected, readings = [], []
    for step, label in enumerate((5, 7, 2, 0)):
        photo = photo_of(sample, label)
        image = photo_steps(photo).mnist
        read = int(cnn.predict_digit(shipped, image).argmax())
        readings.append(read)
        at.file_uploader(key="predict_photo_upload").upload(f"{label}.jpg", photo, "image/jpeg")
        at.run()
        assert_no_exception(at)
        assert at.selectbox(key=box).value == read
        meant = None if step % 2 == 0 else (read + 1) % 10  # as read; changed and clicked
        add(at, key, meant)
        expected.append((read if meant is None else meant, image))
    assert all(a != b for a, b in zip(readings, readings[1:], strict=False)), readings
    assert_stored(class_board_database, expected)


# --- a photo on the Class page: no digit chosen for a new photo -----------------------------


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_class_page_asks_for_the_digit_of_each_photo(class_board_database, sample, language):
    at = joined(CLASS, language)
    box = "class_photo_label"
    expected = []
    for step, label in enumerate((5, 7, 3)):
        photo = photo_of(sample, label)
        at.file_uploader(key="class_photo_upload").upload(f"{label}.jpg", photo, "image/jpeg")
        at.run()
        assert_no_exception(at)
        # A new photo: nothing chosen yet, whatever was chosen for the photo before.
        assert at.selectbox(key=box).value is None
        assert at.selectbox(key=box).proto.placeholder == translate(
            "class.meant_placeholder", language
        )
        assert at.button(key="class_photo_add").proto.disabled
        if step == 1:  # first another digit, then the right one chosen and clicked at once
            at.selectbox(key=box).set_value((label + 1) % 10).run()
            at.selectbox(key=box).set_value(label)
            at.button(key="class_photo_add").click().run()
        else:  # chosen, then Add
            at.selectbox(key=box).set_value(label).run()
            assert not at.button(key="class_photo_add").proto.disabled
            at.run()
            assert at.selectbox(key=box).value == label  # the choice stays for this photo
            at.button(key="class_photo_add").click().run()
        assert_no_exception(at)
        added = translate("class.added", language, label=label)
        assert added in [s.value for s in at.success]
        expected.append((label, photo_steps(photo).mnist))
    assert_stored(class_board_database, expected)
