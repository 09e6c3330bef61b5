"""Training page in a real browser: a one-epoch training on the offline sample shows the live
Plotly chart, then the test accuracy."""

from __future__ import annotations

import re

import pytest

from .server import (
    MAIN,
    TRAINING_TIMEOUT_MS,
    assert_no_exception,
    metric,
    nav_link,
    open_app,
    screenshot,
    set_epochs,
    text,
    wait_for_idle,
)

# Without the playwright package the whole module skips (conftest says how to install it).
expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]

PLOTLY_CHART = f"{MAIN} [data-testid='stPlotlyChart'], {MAIN} .js-plotly-plot"


def metric_value(page, label: str):
    return metric(page, label).locator("[data-testid='stMetricValue']")


def test_one_epoch_training_shows_chart_then_test_accuracy(page, app_server):
    open_app(page, app_server.url, "training")
    assert_no_exception(page)
    set_epochs(page, 1)
    page.locator(".st-key-train_start button").click()

    expect(page.locator(PLOTLY_CHART).first).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    accuracy = metric_value(page, text("train.test_accuracy"))
    expect(accuracy).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    wait_for_idle(page, TRAINING_TIMEOUT_MS)
    screenshot(page, "training_one_epoch")
    assert_no_exception(page)

    value = accuracy.inner_text().strip()
    print("test accuracy after one epoch:", value)
    assert re.fullmatch(r"\d{1,3}\.\d\d%", value), value
    assert 50 <= float(value.rstrip("%")) <= 100, f"test accuracy after one epoch: {value}"
    assert metric_value(page, text("train.epochs_trained")).inner_text().strip() == "1"
    expect(page.locator(f"{MAIN} [data-testid='stPlotlyChart']").first).to_be_visible()


def stopped_text(page):
    return page.locator(MAIN).get_by_text(re.compile(r"^Training stopped after \d+ of \d+"))


def test_stop_keeps_the_model_and_continue_resumes(page, app_server):
    open_app(page, app_server.url, "training")
    set_epochs(page, 10)
    page.locator(".st-key-train_start button").click()
    # Stop once the first epoch has been drawn: mid-training.
    expect(page.locator(PLOTLY_CHART).first).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    page.locator(".st-key-train_stop button").click()
    expect(stopped_text(page)).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    wait_for_idle(page, TRAINING_TIMEOUT_MS)
    assert_no_exception(page)
    done = int(re.search(r"after (\d+) of 10", stopped_text(page).inner_text()).group(1))
    assert done < 10
    screenshot(page, "training_stopped")

    page.locator(".st-key-train_continue button").click()
    accuracy = metric_value(page, text("train.test_accuracy"))
    expect(accuracy).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    wait_for_idle(page, TRAINING_TIMEOUT_MS)
    assert_no_exception(page)
    assert metric_value(page, text("train.epochs_trained")).inner_text().strip() == "10"


def test_leaving_during_training_and_coming_back_shows_the_stopped_run(page, app_server):
    open_app(page, app_server.url, "training")
    set_epochs(page, 10)
    page.locator(".st-key-train_start button").click()
    expect(page.locator(".st-key-train_stop button")).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    nav_link(page, text("nav.predict")).click()
    expect(page.locator(f"{MAIN} h1", has_text=text("nav.predict"))).to_be_visible()
    wait_for_idle(page, TRAINING_TIMEOUT_MS)
    nav_link(page, text("nav.training")).click()
    expect(stopped_text(page)).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    wait_for_idle(page, TRAINING_TIMEOUT_MS)
    assert_no_exception(page)
    expect(page.locator(".st-key-train_continue button")).to_be_visible()
