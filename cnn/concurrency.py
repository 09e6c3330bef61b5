"""A process-wide limit on concurrent trainings, with a first-come-first-served queue.

Training is CPU-heavy: when a workshop of 30 presses Train at once on one server, running all
at once makes everyone slow. The queue runs at most `slots` trainings and tells the others
their place in line.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class TrainingQueue:
    """At most `slots` holders at a time; the others wait in arrival order.

    Example:
        >>> queue = TrainingQueue(slots=1)
        >>> with queue.slot():
        ...     queue.active
        1
    """

    def __init__(self, slots: int):
        if isinstance(slots, bool) or not isinstance(slots, int) or slots < 1:
            raise ValueError(f"slots = {slots!r}: expected a positive integer.")
        self.slots = slots
        self._condition = threading.Condition()
        self._active = 0
        self._waiting: list[object] = []

    @property
    def active(self) -> int:
        """Trainings running now."""
        return self._active

    @property
    def waiting(self) -> int:
        """Trainings waiting for a slot."""
        return len(self._waiting)

    @contextmanager
    def slot(
        self, on_wait: Callable[[int], None] | None = None, poll_seconds: float = 0.5
    ) -> Iterator[None]:
        """Hold a training slot for the `with` block, waiting for one first if needed.

        Args:
            on_wait: called with the 1-based place in line while waiting (every
                `poll_seconds`), e.g. to show it. An exception it raises (such as Streamlit
                stopping the script) gives up the place in line.
            poll_seconds: how often `on_wait` is called.
        """
        ticket = object()
        with self._condition:
            self._waiting.append(ticket)
        try:
            while True:
                with self._condition:
                    if self._active < self.slots and self._waiting[0] is ticket:
                        self._waiting.pop(0)
                        self._active += 1
                        break
                    position = self._waiting.index(ticket) + 1
                if on_wait is not None:
                    on_wait(position)
                with self._condition:
                    self._condition.wait(timeout=poll_seconds)
        except BaseException:
            with self._condition:
                if ticket in self._waiting:
                    self._waiting.remove(ticket)
                self._condition.notify_all()
            raise
        try:
            yield
        finally:
            with self._condition:
                self._active -= 1
                self._condition.notify_all()


def default_slots() -> int:
    """`CNN_LAB_MAX_TRAININGS` if set, else the number of CPU cores."""
    value = os.environ.get("CNN_LAB_MAX_TRAININGS")
    if value:
        try:
            slots = int(value)
        except ValueError:
            raise ValueError(
                f"CNN_LAB_MAX_TRAININGS = {value!r}: expected a positive integer."
            ) from None
        if slots < 1:
            raise ValueError(f"CNN_LAB_MAX_TRAININGS = {value!r}: expected at least 1.")
        return slots
    return os.cpu_count() or 1


# Shared by every session of the app process: that is the point of it.
TRAINING_QUEUE = TrainingQueue(default_slots())
