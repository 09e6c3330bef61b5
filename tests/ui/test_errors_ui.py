"""The UI's one translator of library errors (`ui.errors.error_text`): real errors of each
family (a model file, a photo, the class board) read as their texts in English and Chinese,
with the deployment's secrets never shown."""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pytest

import classroom
import cnn
import ui.text
from classroom import counters
from cnn.errors import ReasonError
from cnn.images.photo import PhotoError, photo_to_mnist
from ui.errors import error_text
from ui.i18n import translate

CJK = re.compile(r"[\u4e00-\u9fff]")
SECRET = "s3cret-Teacher-pw"


@pytest.fixture(params=["en", "zh"])
def language(request, monkeypatch):
    """The chosen language, and a deployment whose teacher password is `SECRET`."""
    monkeypatch.setattr(ui.text, "language", lambda: request.param)
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", SECRET)
    return request.param


def caught(function, *args) -> Exception:
    with pytest.raises(ReasonError) as info:
        function(*args)
    return info.value


class Upload(io.BytesIO):
    """An uploaded file: its bytes and the name the browser gave it."""

    def __init__(self, content: bytes, name: str):
        super().__init__(content)
        self.name = name


def assert_translated(text: str, language: str) -> None:
    assert bool(CJK.search(text)) is (language == "zh"), text
    assert SECRET not in text, text


def test_a_photo_error(language):
    error = caught(photo_to_mnist, np.zeros((4, 4), np.uint8))
    assert isinstance(error, PhotoError) and error.reason == "too_small"
    text = error_text(error)
    assert text == translate("photo.error_too_small", language, **error.details)
    assert "16" in text  # the limit the message names
    assert_translated(text, language)


def test_a_model_file_error_hides_a_secret_in_its_details(language):
    error = caught(cnn.load_model_file, Upload(b"junk", f"model-{SECRET}.h5"))
    assert isinstance(error, cnn.ModelFileError) and error.reason == "hdf5"
    assert SECRET in error.details["name"]
    text = error_text(error)
    assert text == translate("model_error.hdf5", language, name="model-***.h5")
    assert_translated(text, language)


def test_a_full_board_has_a_text_per_kind(language):
    error = counters.board_full("digits", 500)
    assert isinstance(error, classroom.LimitExceededError)
    text = error_text(error)
    assert text == translate("class.error_board_full_digits", language, **error.details)
    assert "500" in text
    assert_translated(text, language)


def test_a_board_unavailable_for_an_unknown_reason_reads_as_unavailable(language):
    error = classroom.BoardUnavailableError(f"New trouble with {SECRET}.", "from_the_future")
    text = error_text(error)
    assert text == translate("class.error_unavailable", language)
    assert_translated(text, language)


def test_a_secret_in_a_translated_detail_is_hidden(language):
    error = classroom.BoardUnavailableError("none", "no_database", database=f"class-{SECRET}")
    text = error_text(error)
    assert text == translate("class.error_no_database", language, database="class-***")
    assert_translated(text, language)


def test_a_wait_is_whole_seconds_and_at_least_one(language):
    for seconds in (0.2, 2.1):
        error = classroom.RateLimitError("Wait.", "too_fast", retry_after=seconds, interval=1.0)
        wait = max(1, math.ceil(seconds))
        expected = translate("class.error_too_fast", language, retry_after=wait, interval=1.0)
        assert error_text(error) == expected


def test_without_a_text_the_message_shows_without_secrets(language):
    for error in (
        ReasonError(f"Odd: {SECRET}.", "no_such_reason"),  # a reason without a text
        classroom.ClassroomError(f"Something about {SECRET}."),  # a base class's default
        ValueError(f"CNN_LAB_MAX_EPOCHS = {SECRET!r}"),  # not a library error
    ):
        text = error_text(error)
        assert text == str(error).replace(SECRET, "***")
