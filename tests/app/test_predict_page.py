"""AppTest of the Predict page: canvas prompt, model choice, uploads, a random test digit.

AppTest renders the drawing canvas but returns no drawing (`image_data` is None), so what a
drawing produces is checked in the browser tests; here the same display is reached through
the random test digit.
"""

from __future__ import annotations

import pytest
from conftest import assert_no_exception, open_page

import cnn
from ui.i18n import translate

PAGE = "pages/predict.py"
CONFIG = cnn.ModelConfig(filters=(4,), dense_units=16)


@pytest.fixture(scope="module")
def small_model():
    """A small CNN trained for one epoch on the offline sample (about 2 s)."""
    model = cnn.build_model(CONFIG, seed=0)
    cnn.train(
        model, cnn.load_mnist(download=False), cnn.TrainingRecipe(model=CONFIG, epochs=1), seed=0
    )
    return model


def session_state(model) -> dict:
    return {
        "trained": cnn.TrainingRun(
            model=model,
            recipe=cnn.TrainingRecipe(model=CONFIG, epochs=1),
            data=cnn.load_mnist(download=False),
            history=cnn.empty_history(),
            status=cnn.RunStatus.DONE,
        ),
        "model_source": "session",
    }


@pytest.mark.parametrize("language", ["en", "zh"])
def test_renders_in_both_languages_with_a_draw_prompt(language):
    at = open_page(PAGE, language)
    assert_no_exception(at)
    assert at.title[0].value == translate("nav.predict", language)
    assert at.button(key="predict_clear")
    assert at.button(key="predict_random")
    assert at.radio(key="predict_model_source")
    at.file_uploader(key="predict_upload")
    # The canvas returns nothing in AppTest: a prompt to draw, never a prediction.
    assert at.info[0].value == translate("predict.draw_prompt", language)
    assert not at.metric


def test_a_model_trained_in_the_session_is_offered(small_model):
    at = open_page(PAGE, **session_state(small_model))
    assert_no_exception(at)
    radio = at.radio(key="predict_model_source")
    assert translate("model.session") in radio.options
    assert radio.value == "session"


def test_random_test_digit_gets_a_prediction(small_model):
    at = open_page(PAGE, **session_state(small_model))
    at.button(key="predict_random").click().run()
    assert_no_exception(at)
    assert at.metric[0].label == "Prediction"
    assert at.metric[0].value in {str(digit) for digit in range(10)}
    assert len(at.success) + len(at.error) == 1
    assert len(at.get("plotly_chart")) == 3  # probabilities, model input, saliency


def test_clear_gives_a_fresh_canvas():
    at = open_page(PAGE)
    at.button(key="predict_clear").click().run()
    assert_no_exception(at)
    assert at.session_state["predict_canvas_version"] == 1
    assert at.info[0].value == translate("predict.draw_prompt")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("notes.txt", b"hello", "not a .keras model"),
        ("model.h5", b"\x89HDF\r\n\x1a\n" + b"\0" * 64, "HDF5"),
        ("fake.keras", b"not a zip", "zip archive"),
    ],
    ids=["text", "h5", "not-a-zip"],
)
def test_an_upload_that_is_not_a_model_is_refused(small_model, name, content, expected):
    at = open_page(PAGE, **session_state(small_model))
    at.file_uploader(key="predict_upload").upload(name, content).run()
    assert_no_exception(at)
    assert len(at.error) == 1
    assert name in at.error[0].value and expected in at.error[0].value
    # The previous model stays in use.
    assert at.session_state["model_source"] == "session"
    assert "uploaded" not in at.session_state


def test_an_uploaded_model_is_used(small_model):
    at = open_page(PAGE)
    content = cnn.save_model_bytes(small_model)
    at.file_uploader(key="predict_upload").upload("mine.keras", content).run()
    assert_no_exception(at)
    assert not at.error
    assert at.session_state["uploaded"]["name"] == "mine.keras"
    assert at.session_state["model_source"] == "uploaded"
    assert at.radio(key="predict_model_source").value == "uploaded"
    at.button(key="predict_random").click().run()
    assert_no_exception(at)
    assert at.metric[0].label == "Prediction"


def test_a_missing_shipped_model_is_an_error_not_a_traceback(monkeypatch):
    import ui.models

    def missing():
        raise FileNotFoundError("The shipped model models/mnist_cnn.keras is missing.")

    monkeypatch.setattr(ui.models, "shipped_model", missing)
    at = open_page(PAGE)
    assert_no_exception(at)
    assert "models/mnist_cnn.keras is missing" in at.error[0].value
    at.button(key="predict_random").click().run()
    assert_no_exception(at)
    assert not at.metric


@pytest.fixture(scope="module")
def hostile_uploads(tmp_path_factory):
    """Three attacks on the reader, built from the shipped model: external storage of a
    made-up secret, a zip bomb whose headers lie, and a config nested 200,000 deep."""
    import hostile_models

    from cnn.inference.model_io import DEFAULT_MODEL_PATH

    good = DEFAULT_MODEL_PATH.read_bytes()
    secret = tmp_path_factory.mktemp("server") / "secrets.toml"
    secret.write_bytes(b'teacher_password = "made-up-Secret-4711"\n' * 60)
    return {
        "weights_external_storage": hostile_models.external_storage(good, secret),
        "member_size_mismatch": hostile_models.lying_zip_bomb(good, inflated_mb=100),
        "json_too_deep": hostile_models.deep_json(good),
    }


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize(
    "reason", ["weights_external_storage", "member_size_mismatch", "json_too_deep"]
)
def test_a_hostile_upload_is_refused_in_the_page_language(hostile_uploads, reason, language):
    """The page shows the translated refusal, never a traceback; nothing of the secret."""
    at = open_page(PAGE, language)
    at.file_uploader(key="predict_upload").upload("mine.keras", hostile_uploads[reason]).run()
    assert_no_exception(at)
    assert len(at.error) == 1
    shown = at.error[0].value
    assert "mine.keras" in shown and "made-up-Secret" not in shown
    with pytest.raises(cnn.ModelFileError) as caught:
        cnn.load_model_file(hostile_uploads[reason])
    assert caught.value.reason == reason
    assert translate(f"model_error.{reason}", language, **caught.value.details) in shown
    assert "uploaded" not in at.session_state


@pytest.mark.parametrize("language", ["en", "zh"])
def test_both_shipped_models_can_be_chosen(language):
    """The shipped CNN (every hand) and the course's own model: each reads the random digit
    as it itself predicts it."""
    at = open_page(PAGE, language)
    radio = at.radio(key="predict_model_source")
    assert radio.options[:2] == [
        translate("model.shipped", language),
        translate("model.course", language),
    ]
    sample = cnn.load_mnist(download=False)
    for source, load in (("shipped", cnn.load_default_model), ("course", cnn.load_course_model)):
        at.radio(key="predict_model_source").set_value(source).run()
        at.button(key="predict_random").click().run()
        assert_no_exception(at)
        assert at.session_state["model_source"] == source
        digit = sample.x_test[at.session_state["predict_sample"]]
        expected = int(cnn.predict_probabilities(load(), digit[None]).argmax())
        assert at.metric[0].value == str(expected)
