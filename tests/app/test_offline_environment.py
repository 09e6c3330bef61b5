"""The app under AppTest takes nothing from the machine the tests run on: it shows the
offline sample and no class caps even where the machine sets `MNIST_PATH` and a class
deployment (`tests/test_isolation.py` runs these with such an environment).

The page is opened in a module-scoped fixture, before any function-scoped fixture has run:
only the isolation of the whole run (`tests/isolation.py`) covers it there.
"""

from __future__ import annotations

import pytest
from conftest import APP, TIMEOUT, assert_no_exception
from streamlit.testing.v1 import AppTest

import classroom
import cnn
from ui.i18n import translate

TRAINING = "pages/training.py"


@pytest.fixture(scope="module")
def training_page(tmp_path_factory):
    """The Training page, opened before any function-scoped fixture (its own board)."""
    board = tmp_path_factory.mktemp("board") / "class_board.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(classroom.ENV_VAR, f"sqlite:///{board}")
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.session_state["lang"] = "en"
        at.run()
        at.switch_page(TRAINING).run()
        yield at
    classroom.dispose_engines()


def test_the_page_uses_the_offline_sample(training_page):
    assert_no_exception(training_page)
    sample = cnn.load_sample()
    description = translate(
        "data.description_sample",
        "en",
        train=f"{len(sample.x_train):,}",
        test=f"{len(sample.x_test):,}",
    )
    infos = [element.value for element in training_page.sidebar.info]
    assert translate("sidebar.data_sample", "en", source=description) in infos


def test_no_class_caps(training_page):
    teacher_set = translate("train.class_caps", "en", caps="")[:12]  # "Your teacher"
    assert not [info.value for info in training_page.info if info.value.startswith(teacher_set)]
    captions = [element.value for element in training_page.caption]
    assert translate("train.preset_locked", "en") not in captions
    assert training_page.slider(key="train_epochs").max > 1
