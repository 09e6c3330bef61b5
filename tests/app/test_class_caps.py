"""AppTest of the class caps on the Training page (the deployment's cap on epochs and
training digits, the class preset), a mistyped cap, and the queue's estimated wait."""

from __future__ import annotations

import threading

import pytest
from conftest import assert_no_exception, open_page

import cnn
import ui.live_training
from cnn.training.concurrency import TrainingQueue
from ui.deployment import class_settings
from ui.forms import MAX_EPOCHS
from ui.i18n import translate

PAGE = "pages/training.py"
TINY = cnn.ModelConfig(filters=(4,), dense_units=16)  # trains in a second or two
CAPS = ("CNN_LAB_MAX_EPOCHS", "CNN_LAB_MAX_TRAIN_DIGITS", "CNN_LAB_CLASS_PRESET")


@pytest.fixture(autouse=True)
def no_caps(monkeypatch):
    """No class settings but those a test sets (not the environment this runs in)."""
    for variable in CAPS:
        monkeypatch.delenv(variable, raising=False)


def caps_line(language: str, epochs: int, digits: str, preset: str) -> str:
    parts = [
        translate("train.cap_epochs", language, epochs=epochs),
        translate("train.cap_train_digits", language, digits=digits),
        translate(
            "train.cap_preset", language, preset=translate(f"train.preset_{preset}", language)
        ),
    ]
    return translate(
        "train.class_caps", language, caps=translate("train.cap_separator", language).join(parts)
    )


def test_without_caps_the_form_is_free():
    at = open_page(PAGE)
    assert_no_exception(at)
    assert at.slider(key="train_epochs").max == MAX_EPOCHS
    assert not at.segmented_control(key="train_preset").proto.disabled
    texts = [element.value for element in at.info] + [caption.value for caption in at.caption]
    assert translate("train.preset_locked", "en") not in texts
    assert not any(text.startswith("Your teacher set") for text in texts)


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "zh"])
def test_caps_limit_the_form_and_the_training(monkeypatch, language):
    monkeypatch.setenv("CNN_LAB_MAX_EPOCHS", "2")
    monkeypatch.setenv("CNN_LAB_MAX_TRAIN_DIGITS", "600")
    monkeypatch.setenv("CNN_LAB_CLASS_PRESET", "best")  # 30 epochs, augmentation
    at = open_page(PAGE, language, model_config=TINY)
    assert_no_exception(at)
    assert at.info[0].value == caps_line(language, 2, "600", "best")
    preset = at.segmented_control(key="train_preset")
    assert preset.value == "best" and preset.proto.disabled
    assert translate("train.preset_locked", language) in [c.value for c in at.caption]
    assert at.toggle(key="train_augment").value is True  # the class preset's settings
    epochs = at.slider(key="train_epochs")
    assert epochs.max == 2 and epochs.value == 2  # the preset's 30, lowered to the cap

    at.toggle(key="train_augment").set_value(False)  # the other settings stay the student's
    at.button(key="train_start").click().run()
    assert_no_exception(at)
    trained = at.session_state["trained"]
    assert trained.status is cnn.RunStatus.DONE
    assert trained.recipe.epochs == 2 and len(trained.history["loss"]) == 2
    assert not trained.recipe.augment.enabled
    sample = cnn.load_mnist(download=False)
    assert len(trained.data.x_train) == len(trained.data.y_train) == 600
    assert len(trained.data.x_test) == len(sample.x_test)  # the whole test set
    assert at.session_state["train_setting_preset"] == "best"


@pytest.mark.slow
def test_kept_settings_beyond_the_cap_are_lowered(monkeypatch):
    """Epochs chosen before the teacher set a cap (kept in session state) are lowered."""
    monkeypatch.setenv("CNN_LAB_MAX_EPOCHS", "1")
    at = open_page(PAGE, model_config=TINY, train_setting_epochs=25)
    assert_no_exception(at)
    epochs = at.slider(key="train_epochs")
    assert epochs.value == 1 and epochs.proto.disabled  # a cap of 1: nothing to choose
    assert at.session_state["train_setting_epochs"] == 1
    assert at.info[0].value == "Your teacher set: at most 1 epoch."  # one epoch: singular
    assert not at.segmented_control(key="train_preset").proto.disabled
    at.button(key="train_start").click().run()
    assert_no_exception(at)
    trained = at.session_state["trained"]
    assert trained.recipe.epochs == 1 and len(trained.history["loss"]) == 1
    assert len(trained.data.x_train) == len(cnn.load_mnist(download=False).x_train)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CNN_LAB_MAX_EPOCHS", "lots"),
        ("CNN_LAB_MAX_TRAIN_DIGITS", "0"),
        ("CNN_LAB_CLASS_PRESET", "fast"),
    ],
)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_mistyped_setting_is_an_error_a_person_can_act_on(monkeypatch, variable, value, language):
    monkeypatch.setenv(variable, value)
    at = open_page(PAGE, language)
    assert_no_exception(at)
    assert len(at.error) == 1
    message = at.error[0].value
    assert variable in message and repr(value) in message
    assert message.startswith(translate("train.bad_class_setting", language, error="")[:10])
    assert "train_start" not in [button.key for button in at.button]


@pytest.mark.slow
def test_the_queue_message_gives_the_place_and_the_estimated_wait(monkeypatch):
    class Clock:
        now = 100.0

        def __call__(self) -> float:
            return self.now

    clock = Clock()
    queue = TrainingQueue(slots=1, clock=clock)
    with queue.slot():
        clock.now += 95  # a training that took 95 s: the measurement
    monkeypatch.setattr(ui.live_training, "TRAINING_QUEUE", queue)
    shown: list[str] = []
    real_waiting_text = ui.live_training.waiting_text
    release = threading.Event()

    def waiting_text(place: int) -> str:
        shown.append(real_waiting_text(place))
        release.set()  # seen: let the one ahead finish
        return shown[-1]

    monkeypatch.setattr(ui.live_training, "waiting_text", waiting_text)
    held = threading.Event()

    def someone_ahead() -> None:
        with queue.slot():
            held.set()
            release.wait(timeout=60)

    ahead = threading.Thread(target=someone_ahead)
    ahead.start()
    assert held.wait(timeout=10)
    at = open_page(PAGE, model_config=TINY, train_setting_epochs=1)
    at.button(key="train_start").click().run()
    ahead.join(timeout=10)
    assert_no_exception(at)
    assert shown and shown[0] == translate("train.waiting_eta", "en", place=1, wait="1 min 35 s")
    assert at.session_state["trained"].status is cnn.RunStatus.DONE


def test_waiting_says_only_the_place_before_anything_is_measured(monkeypatch):
    monkeypatch.setattr(ui.live_training, "TRAINING_QUEUE", TrainingQueue(slots=1))
    assert ui.live_training.waiting_text(3) == translate("train.waiting", "en", place=3)


# --- reading the settings (ui.deployment) ---------------------------------------------------
@pytest.mark.parametrize("value", ["2.5", "-1", "0", "x"])
def test_caps_must_be_positive_whole_numbers(monkeypatch, value):
    monkeypatch.setenv("CNN_LAB_MAX_EPOCHS", value)
    with pytest.raises(ValueError, match="CNN_LAB_MAX_EPOCHS"):
        class_settings(database=False)


def test_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("CNN_LAB_MAX_EPOCHS", "3")
    monkeypatch.setenv("CNN_LAB_MAX_TRAIN_DIGITS", " 20000 ")
    monkeypatch.setenv("CNN_LAB_CLASS_PRESET", "quick")
    monkeypatch.setenv("CNN_LAB_DATABASE_URL", "sqlite:///class.db")
    settings = class_settings(database=False)
    assert (settings.max_epochs, settings.max_train_digits, settings.preset) == (3, 20000, "quick")
    assert settings.database_url is None  # not asked for
    assert class_settings().database_url == "sqlite:///class.db"
