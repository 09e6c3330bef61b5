"""AppTest of the Training page: settings, a live one-epoch training, stop and continue, MLP."""

from __future__ import annotations

import pytest
from conftest import assert_no_exception, open_page

import cnn
from ui.i18n import translate

PAGE = "pages/training.py"
# A small network so that a training in a test takes a second or two on 2 shared cores.
TINY = cnn.ModelConfig(filters=(4,), dense_units=16)
SETTING_KEYS = (
    "train_preset",
    "train_epochs",
    "train_batch_size",
    "train_validation_split",
    "train_optimizer",
    "train_learning_rate",
)


@pytest.fixture(scope="module")
def sample():
    return cnn.load_mnist(download=False)


def stopped_run(epochs_done: int, epochs: int, status: str = "stopped") -> cnn.TrainingRun:
    history = {
        "loss": [0.9] * epochs_done,
        "accuracy": [0.7] * epochs_done,
        "val_loss": [0.8] * epochs_done,
        "val_accuracy": [0.75] * epochs_done,
    }
    return cnn.TrainingRun(
        model=cnn.build_model(TINY, seed=1),
        recipe=cnn.TrainingRecipe(model=TINY, epochs=epochs),
        data=cnn.load_mnist(download=False),
        history=history,
        status=cnn.RunStatus(status),
    )


def plotly_traces(at) -> list[str]:
    return [
        trace["name"]
        for chart in at.get("plotly_chart")
        for trace in __import__("json").loads(chart.proto.spec)["data"]
        if "name" in trace
    ]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_renders_in_both_languages(language):
    at = open_page(PAGE, language)
    assert_no_exception(at)
    assert at.title[0].value == translate("nav.training", language)
    for key in SETTING_KEYS:
        at.get_by_key(key)
    assert at.button(key="train_start")
    assert at.info[0].value == translate("train.not_trained", language)


def test_seed_defaults_and_quick_preset():
    at = open_page(PAGE)
    assert at.slider(key="train_epochs").value == 10
    assert at.select_slider(key="train_batch_size").value == 200
    assert at.slider(key="train_validation_split").value == pytest.approx(0.2)
    assert at.selectbox(key="train_optimizer").value == "adam"
    assert at.select_slider(key="train_learning_rate").value == pytest.approx(0.001)
    assert "242,062" in at.caption[1].value
    # bfloat16 by default wherever the CPU computes it natively, for every preset.
    assert at.toggle(key="train_mixed_precision").value is cnn.cpu_has_native_bf16()

    at.segmented_control(key="train_preset").set_value("quick").run()
    assert_no_exception(at)
    assert at.slider(key="train_epochs").value == 2
    assert at.select_slider(key="train_batch_size").value == 256
    assert at.slider(key="train_validation_split").value == pytest.approx(0.05)
    assert at.select_slider(key="train_learning_rate").value == pytest.approx(0.02)
    # ... and its own network, which the Architecture page then shows.
    assert at.session_state["model_config"] == cnn.PRESETS["quick"].model
    assert "76,898" in at.caption[1].value
    assert at.toggle(key="train_cosine").value is True
    assert at.toggle(key="train_mixed_precision").value is cnn.cpu_has_native_bf16()
    assert at.toggle(key="train_augment").value is False
    # The settings outlive the widgets (kept in a plain session-state key).
    assert at.session_state["train_setting_epochs"] == 2

    at.segmented_control(key="train_preset").set_value("best").run()
    assert_no_exception(at)
    best = cnn.PRESETS["best"]
    assert at.slider(key="train_epochs").value == best.epochs
    assert at.slider(key="train_validation_split").value == pytest.approx(best.validation_split)
    assert at.toggle(key="train_augment").value is True
    assert at.session_state["train_setting_augment"] is True
    assert at.session_state["model_config"] == cnn.ModelConfig()
    assert at.toggle(key="train_mixed_precision").value is cnn.cpu_has_native_bf16()


@pytest.mark.parametrize("native", [True, False])
def test_bfloat16_is_the_default_only_where_the_cpu_has_it(monkeypatch, native):
    monkeypatch.setattr(cnn, "cpu_has_native_bf16", lambda: native)
    at = open_page(PAGE)
    assert at.toggle(key="train_mixed_precision").value is native
    for preset in ("quick", "best", "course"):
        at.segmented_control(key="train_preset").set_value(preset).run()
        assert_no_exception(at)
        assert at.toggle(key="train_mixed_precision").value is native
        assert at.session_state["train_setting_mixed_precision"] is native


@pytest.mark.slow
def test_one_epoch_training_draws_charts_and_tests_the_model():
    at = open_page(PAGE, model_config=TINY)
    at.slider(key="train_epochs").set_value(1)
    at.button(key="train_start").click().run()
    assert_no_exception(at)

    trained = at.session_state["trained"]
    assert trained.status is cnn.RunStatus.DONE
    assert len(trained.history["loss"]) == 1
    assert len(trained.history["val_accuracy"]) == 1
    assert trained.recipe.model.filters == TINY.filters
    assert trained.evaluation is not None
    assert at.session_state["model_source"] == "session"

    assert at.get("plotly_chart"), "the training history chart is drawn"
    assert {"training", "validation"} <= set(plotly_traces(at))
    labels = [metric.label for metric in at.metric]
    assert "Test accuracy" in labels
    accuracy = at.metric[labels.index("Test accuracy")].value
    assert accuracy == f"{trained.evaluation.accuracy:.2%}"
    assert not at.metric[labels.index("Test loss")].help  # the course's plain targets
    assert at.get("download_button")
    assert at.button(key="train_compare_mlp")
    assert not at.warning
    # The network and recipe as Keras code, and the course as a notebook to download.
    from cnn import notebook

    codes = [code.value for code in at.code]
    assert notebook.model_code(trained.recipe.model, trained.recipe) in codes
    assert notebook.training_code(trained.recipe) in codes
    assert len(at.get("download_button")) == 2


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_smoothed_trainings_loss_says_why_it_is_higher(language):
    at = open_page(PAGE, model_config=TINY, language=language)
    at.segmented_control(key="train_preset").set_value("quick").run()
    at.session_state["model_config"] = TINY  # the quick recipe, on a network trained fast
    at.slider(key="train_epochs").set_value(1)
    at.button(key="train_start").click().run()
    assert_no_exception(at)
    trained = at.session_state["trained"]
    assert trained.recipe.label_smoothing == 0.1
    assert trained.model.optimizer.beta_2 == 0.99
    labels = [metric.label for metric in at.metric]
    loss = at.metric[labels.index(translate("train.test_loss", language))]
    expected = translate(
        "train.test_loss_smoothed", language, smoothing="0.1", target="0.91", floor="0.09"
    )
    assert loss.help == expected


@pytest.mark.slow
def test_continue_resumes_a_stopped_training():
    at = open_page(PAGE, trained=stopped_run(1, 2))
    assert_no_exception(at)
    assert at.warning, "a stopped training says so"
    at.button(key="train_continue").click().run()
    assert_no_exception(at)

    trained = at.session_state["trained"]
    assert len(trained.history["loss"]) == 2
    assert trained.history["loss"][0] == 0.9, "the earlier epoch is kept"
    assert trained.status is cnn.RunStatus.DONE
    assert at.metric


def test_a_running_status_left_over_shows_as_stopped():
    at = open_page(PAGE, "zh", trained=stopped_run(1, 3, status="running"))
    assert_no_exception(at)
    assert at.session_state["trained"].status is cnn.RunStatus.STOPPED
    assert at.warning[0].value == translate("train.stopped", "zh", done=1, epochs=3)
    assert at.button(key="train_continue")


@pytest.mark.slow
def test_mlp_comparison(sample):
    run = stopped_run(1, 1, status="done")
    run.evaluation = cnn.evaluate(run.model, sample)
    at = open_page(PAGE, trained=run)
    at.button(key="train_compare_mlp").click().run()
    assert_no_exception(at)

    mlp = at.session_state["mlp"]
    assert mlp.status is cnn.RunStatus.DONE
    assert len(mlp.history["loss"]) == 1
    traces = set(plotly_traces(at))
    assert {"CNN: training", "MLP: training", "CNN: validation", "MLP: validation"} <= traces
    table = at.dataframe[0].value
    assert list(table["Model"]) == ["CNN", "MLP"]
    assert {"Test accuracy", "Training − validation"} <= set(table.columns)
