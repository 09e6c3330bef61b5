"""A process-wide limit on concurrent trainings, with a first-come-first-served queue.

Training is CPU-heavy: when a workshop of 30 presses Train at once on one server, running all
at once makes everyone slow. The queue runs at most `slots` trainings and tells the others
their place in line and, once a training has finished, about how long they will wait.
"""

from __future__ import annotations

import heapq
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

RECENT_HOLDS = 10  # the estimate's mean is over this many of the latest finished holds


class Hold:
    """A slot held by one training (what `TrainingQueue.slot` yields).

    The holder may say how long it still needs (`expect`), e.g. its training's ETA: the
    estimates for those waiting then use that instead of the recent mean duration.
    """

    def __init__(self, queue: TrainingQueue, started: float):
        self._queue = queue
        self.started = started
        self.expected_end: float | None = None
        self.measured = True

    def discard(self) -> None:
        """Leave this hold's duration out of the estimates (e.g. a training stopped early,
        whose time says little about the next one's)."""
        self.measured = False

    def expect(self, seconds_left: float | None) -> None:
        """Say that this hold ends in about `seconds_left` seconds (None: unknown)."""
        with self._queue._condition:
            if seconds_left is None:
                self.expected_end = None
            else:
                self.expected_end = self._queue._clock() + max(0.0, float(seconds_left))


class TrainingQueue:
    """At most `slots` holders at a time; the others wait in arrival order.

    Args:
        slots: how many may hold a slot at once.
        clock: seconds from any fixed origin (`time.monotonic`; tests pass a fake one).
        recent: how many of the latest finished holds the estimates average.

    Example:
        >>> queue = TrainingQueue(slots=1)
        >>> with queue.slot():
        ...     queue.active
        1
        >>> queue.estimated_wait(1) is not None  # one finished hold: a measurement
        True
    """

    def __init__(
        self,
        slots: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        recent: int = RECENT_HOLDS,
    ):
        if isinstance(slots, bool) or not isinstance(slots, int) or slots < 1:
            raise ValueError(f"slots = {slots!r}: expected a positive integer.")
        if isinstance(recent, bool) or not isinstance(recent, int) or recent < 1:
            raise ValueError(f"recent = {recent!r}: expected a positive integer.")
        self.slots = slots
        self._clock = clock
        self._condition = threading.Condition()
        self._holds: list[Hold] = []
        self._waiting: list[object] = []
        self._durations: deque[float] = deque(maxlen=recent)

    @property
    def active(self) -> int:
        """Trainings running now."""
        return len(self._holds)

    @property
    def waiting(self) -> int:
        """Trainings waiting for a slot."""
        return len(self._waiting)

    def mean_duration(self) -> float | None:
        """The mean seconds of the latest finished holds; None before the first one ends."""
        with self._condition:
            if not self._durations:
                return None
            return sum(self._durations) / len(self._durations)

    def estimated_wait(self, place: int) -> float | None:
        """About how many seconds the one at `place` in line (1-based) waits for a slot.

        Each running training ends when it said it would (`Hold.expect`), else after the
        recent mean duration (at once if it has run longer); each one ahead in line then
        takes the mean duration in the first slot to free up. None without a measurement
        (no hold has finished yet).
        """
        if isinstance(place, bool) or not isinstance(place, int) or place < 1:
            raise ValueError(f"place = {place!r}: expected a positive integer.")
        with self._condition:
            if not self._durations:
                return None
            mean = sum(self._durations) / len(self._durations)
            now = self._clock()
            free_at = []  # seconds from now until each slot is free
            for hold in self._holds:
                end = hold.expected_end if hold.expected_end is not None else hold.started + mean
                free_at.append(max(0.0, end - now))
            free_at += [0.0] * max(0, self.slots - len(free_at))
        heapq.heapify(free_at)
        for _ in range(place - 1):  # those ahead take the first slot to free up, in turn
            heapq.heappush(free_at, heapq.heappop(free_at) + mean)
        return free_at[0]

    @contextmanager
    def slot(
        self, on_wait: Callable[[int], None] | None = None, poll_seconds: float = 0.5
    ) -> Iterator[Hold]:
        """Hold a training slot for the `with` block, waiting for one first if needed.

        Yields the `Hold`. How long the block took counts in later estimates when it ends
        without an exception and without `Hold.discard` (a failed or interrupted training
        measures nothing).

        Args:
            on_wait: called with the 1-based place in line while waiting (every
                `poll_seconds`), e.g. to show it (with `estimated_wait(place)`). An exception
                it raises (such as Streamlit stopping the script) gives up the place in line.
            poll_seconds: how often `on_wait` is called.
        """
        ticket = object()
        with self._condition:
            self._waiting.append(ticket)
        try:
            while True:
                with self._condition:
                    if len(self._holds) < self.slots and self._waiting[0] is ticket:
                        self._waiting.pop(0)
                        hold = Hold(self, self._clock())
                        self._holds.append(hold)
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
        finished = False
        try:
            yield hold
            finished = True
        finally:
            with self._condition:
                self._holds.remove(hold)
                if finished and hold.measured:
                    self._durations.append(max(0.0, self._clock() - hold.started))
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
