"""Importing Keras and TensorFlow ahead of need: the Training page starts it when it is
opened, so that a first press of Train does not wait for the import (~4 s on 2 cores).

The import also hands its objects to `gc.freeze()`. TensorFlow and Keras bring ~320,000
objects that live as long as the server; left to the garbage collector, each of its full
collections walks them all (a full `gc.collect()` went from ~60 ms to ~260 ms here), and a
page's run triggers such collections: every page of the app took ~0.3-0.5 s longer once
TensorFlow was loaded (`benchmarks/bench_app_start.py`). Frozen, they are never walked again.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import sys
import threading
import time

_lock = threading.Lock()
_thread: threading.Thread | None = None


def import_tensorflow_in_background(delay_s: float = 1.0) -> threading.Thread | None:
    """Import Keras (and with it TensorFlow) in a daemon thread after `delay_s` seconds (time
    for the page that asks to be drawn first), then freeze what the process holds so far out
    of the garbage collector's reach; once per process.

    Returns the thread it started, or None when Keras is imported or being imported already.
    Code that needs Keras meanwhile simply imports it: Python's import lock makes it wait for
    the import in progress instead of starting another. Only Keras itself is imported here
    (nothing of `cnn`), so the two imports cannot wait on each other.
    """
    global _thread
    with _lock:
        if _thread is not None or "keras" in sys.modules:
            return None
        _thread = threading.Thread(
            target=_import_keras, args=(delay_s,), name="import-tensorflow", daemon=True
        )
        _thread.start()
        return _thread


def _import_keras(delay_s: float) -> None:
    time.sleep(delay_s)
    if "keras" in sys.modules:  # a training started meanwhile: it imports, models may exist
        return
    # A failure is raised again, where it is shown, by the page's own import.
    with contextlib.suppress(Exception):
        importlib.import_module("keras")
    # What lives now is mostly modules and the app's caches, alive as long as the server: out
    # of every later collection. Frozen objects are still freed by reference counting (only a
    # cycle among them would stay); objects made from here on are collected as usual. No Keras
    # model exists yet to be frozen: none can be built before this import (checked above).
    gc.freeze()
