"""What the tests take from the machine they run on: nothing that changes what the app does.

A developer's shell may hold `MNIST_PATH` (full MNIST), a class deployment's settings or
Streamlit options, and ~/.keras may hold a cached mnist.npz or a keras.json. The tests are
written for the 5,000-digit offline sample and no class settings, so `isolate` takes those
settings out of `os.environ` for the whole pytest run (`tests/conftest.py` calls it before it
imports the app's packages, so module- and session-scoped fixtures, code that reads a setting
at import time, and every subprocess a test starts all see the same offline environment), and
`offline_environ` builds the same environment for the app servers of the browser tests and
benchmarks (`tests/browser/server.py`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, MutableMapping

# Settings the app, its data loader or Keras read, and that the tests set themselves where a
# test needs one: full MNIST, Keras' backend, the class deployment (ui/deployment.py, the class
# board's database, the training queue's size). A new CNN_LAB_ setting of the app belongs here
# (tests/test_isolation.py checks the app's source for them).
OUTER_SETTINGS = frozenset(
    {
        "MNIST_PATH",
        "KERAS_BACKEND",
        "CNN_LAB_DATABASE_URL",
        "CNN_LAB_CLASS_CODE",
        "CNN_LAB_TEACHER_PASSWORD",
        "CNN_LAB_MAX_EPOCHS",
        "CNN_LAB_MAX_TRAIN_DIGITS",
        "CNN_LAB_CLASS_PRESET",
        "CNN_LAB_MAX_TRAININGS",
    }
)
# Streamlit reads any config option from STREAMLIT_<SECTION>_<OPTION> (a port, a toolbar mode).
OUTER_SETTING_PREFIXES = ("STREAMLIT_",)
# Options of the test run itself, kept: CNN_LAB_REQUIRE_BROWSER (fail, not skip, without a
# browser), CNN_LAB_TEST_POSTGRES_URL (a PostgreSQL server for the storage tests), CI.


def is_outer_setting(name: str) -> bool:
    """Whether the environment variable `name` is one a test must not inherit."""
    return name in OUTER_SETTINGS or name.startswith(OUTER_SETTING_PREFIXES)


def offline_environ(environ: Mapping[str, str], keras_home: str | os.PathLike) -> dict[str, str]:
    """`environ` without the outer settings, with Keras' home at `keras_home` (an empty folder:
    no cached mnist.npz, no keras.json), for a child process such as an app server.

    Example:
        >>> offline_environ({"PATH": "/bin", "MNIST_PATH": "/data/mnist.npz"}, "/tmp/k")
        {'PATH': '/bin', 'KERAS_HOME': '/tmp/k'}
    """
    result = {name: value for name, value in environ.items() if not is_outer_setting(name)}
    result["KERAS_HOME"] = os.fspath(keras_home)
    return result


def isolate(environ: MutableMapping[str, str] = os.environ) -> Callable[[], None]:
    """Take the outer settings out of `environ` and point KERAS_HOME at a new empty folder.

    Returns the function that puts `environ` back as it was and removes that folder.
    """
    keras_home = tempfile.mkdtemp(prefix="cnn_lab_tests_keras_home_")
    before = dict(environ)
    isolated = offline_environ(before, keras_home)
    for name in [name for name in environ if name not in isolated]:
        del environ[name]
    environ.update(isolated)

    def restore() -> None:
        for name in [name for name in environ if name not in before]:
            del environ[name]
        environ.update(before)
        shutil.rmtree(keras_home, ignore_errors=True)

    return restore
