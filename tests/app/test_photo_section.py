"""Photos of digits on paper in AppTest: the Predict page's photo section and the Class page's
photo upload, with generated phone photos (`cnn.images.photo_synth`)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_no_exception, open_page

import cnn
from cnn.images.photo_synth import synthetic_photo
from ui.i18n import translate

PREDICT = "pages/predict.py"


@pytest.fixture(scope="module")
def sample():
    return cnn.load_sample()


def upload(at, key: str, name: str, data: bytes, mime: str = "image/jpeg"):
    return at.file_uploader(key=key).upload(name, data, mime).run()


@pytest.mark.parametrize(
    ("index", "paper", "ink"), [(5, "ruled", "blue"), (7, "squared", "pencil")]
)
def test_a_photographed_digit_is_read_right_and_its_steps_shown(sample, index, paper, ink):
    at = open_page(PREDICT)
    photo = synthetic_photo(sample.x_test[index], paper=paper, ink=ink, rng=index)
    upload(at, "predict_photo_upload", "digit.jpg", photo)
    assert_no_exception(at)
    steps = cnn.images.photo.photo_steps(photo)
    expected = int(cnn.predict_digit(cnn.load_default_model(), steps.mnist).argmax())
    assert expected == int(sample.y_test[index])  # the generated photo is readable at all
    prediction = next(m for m in at.metric if m.label == translate("predict.prediction", "en"))
    assert prediction.value == str(expected)
    captions = {translate(f"photo.step_{name}", "en") for name in ("picture", "digit", "mnist")}
    assert captions <= image_captions(at)
    # The photo's digit can go to the class and to the invariance lab like a drawing.
    assert at.get_by_key("predict_photo_result_class") is not None  # "add to the class's digits"
    np.testing.assert_allclose(at.session_state["current_digit"]["image"], steps.mnist)


def image_captions(at) -> set[str]:
    """The captions of every image in the main area."""
    found, stack = set(), [at.main]
    while stack:
        node = stack.pop()
        if getattr(node, "type", None) == "image":
            found |= {image.caption for image in node.proto.imgs}
        stack.extend(getattr(node, "children", {}).values())
    return found


@pytest.mark.parametrize("language", ["en", "zh"])
def test_pictures_that_are_not_digits_get_a_message_not_a_traceback(sample, language):
    at = open_page(PREDICT, language)
    cases = [
        ("junk.png", b"this is not an image", "image/png", "photo.error_not_an_image"),
        (
            "blank.jpg",
            synthetic_photo(np.zeros((28, 28), np.uint8), paper="plain", ink="black", rng=1),
            "image/jpeg",
            "photo.error_no_ink",
        ),
    ]
    for name, data, mime, key in cases:
        upload(at, "predict_photo_upload", name, data, mime)
        assert_no_exception(at)
        assert [w.value for w in at.warning] == [translate(key, language)], name
        assert not [m for m in at.metric if m.label == translate("predict.prediction", language)]


def test_the_class_page_takes_a_photographed_digit(sample):
    at = open_page("pages/classroom.py")
    at.text_input(key="class_nickname").input("Ada")
    at.button[0].click().run()
    photo = synthetic_photo(sample.x_test[5], paper="squared", ink="black", rng=9)
    upload(at, "class_photo_upload", "digit.jpg", photo)
    at.selectbox(key="class_photo_label").set_value(int(sample.y_test[5])).run()
    at.button(key="class_photo_add").click().run()
    assert_no_exception(at)
    assert [s.value for s in at.success] == [
        translate("class.added", "en", label=int(sample.y_test[5]))
    ]
    label = translate("class.shipped_on_class", "en", count=1)
    assert [m.label for m in at.metric][0] == label


REASONS = (
    "empty", "not_an_image", "corrupt", "too_large", "too_small",
    "no_ink", "only_specks", "mostly_ink", "too_dark",
)  # fmt: skip


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_photo_refusal_reads_in_the_chosen_language(language, monkeypatch):
    """Real refusals of `cnn.images.photo` (each reason it raises) in the page's wording."""
    import ui.text
    from ui.errors import error_text

    monkeypatch.setattr(ui.text, "language", lambda: language)
    jpeg = synthetic_photo(np.zeros((28, 28), np.uint8), rng=2)
    pictures = {
        "empty": b"",
        "not_an_image": b"junk",
        "corrupt": jpeg[: len(jpeg) // 3],
        "too_small": np.zeros((4, 4), np.uint8),
        "no_ink": jpeg,
        "too_dark": np.zeros((100, 100), np.uint8),
    }
    for expected, picture in pictures.items():
        with pytest.raises(cnn.images.photo.PhotoError) as refusal:
            cnn.images.photo.photo_to_mnist(picture)
        assert refusal.value.reason == expected
        assert error_text(refusal.value) == translate(
            f"photo.error_{expected}", language, **refusal.value.details
        )
    for reason in REASONS:  # and every other reason has its text too
        translate(f"photo.error_{reason}", language, pixels=1, limit=1, width=1, height=1)
