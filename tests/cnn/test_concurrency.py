"""The training queue: a limit on concurrent trainings, first come first served."""

from __future__ import annotations

import os
import threading
import time

import pytest

from cnn.training.concurrency import TrainingQueue, default_slots

POLL = 0.01


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.005)


def test_never_more_than_slots_at_once():
    queue = TrainingQueue(slots=2)
    lock = threading.Lock()
    running = 0
    most = 0
    finished = []

    def work(number: int) -> None:
        nonlocal running, most
        with queue.slot(poll_seconds=POLL):
            with lock:
                running += 1
                most = max(most, running)
                assert queue.active <= 2
            time.sleep(0.05)
            with lock:
                running -= 1
        finished.append(number)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(finished) == list(range(8))
    assert most == 2  # the limit was reached, never passed
    assert queue.active == 0 and queue.waiting == 0


def test_waiting_callers_get_their_place_in_arrival_order():
    queue = TrainingQueue(slots=1)
    positions: dict[str, list[int]] = {"a": [], "b": [], "c": []}
    order: list[str] = []
    done = {name: threading.Event() for name in "abc"}

    def wait_in_line(name: str) -> None:
        with queue.slot(on_wait=positions[name].append, poll_seconds=POLL):
            order.append(name)
            done[name].wait(timeout=30)  # hold the slot until the test lets go

    threads = []
    with queue.slot():
        assert queue.active == 1
        for count, name in enumerate("abc", start=1):
            thread = threading.Thread(target=wait_in_line, args=(name,))
            thread.start()
            threads.append(thread)
            wait_until(lambda count=count: queue.waiting == count)
        wait_until(lambda: all(positions.values()))
        assert [positions[name][0] for name in "abc"] == [1, 2, 3]
    # The first in line got the slot; the others moved up one place.
    wait_until(lambda: order == ["a"])
    wait_until(lambda: positions["b"][-1] == 1 and positions["c"][-1] == 2)
    done["a"].set()
    wait_until(lambda: order == ["a", "b"])
    wait_until(lambda: positions["c"][-1] == 1)
    done["b"].set()
    done["c"].set()
    for thread in threads:
        thread.join(timeout=30)
    assert order == ["a", "b", "c"]
    # Places only move forward while waiting.
    for seen in positions.values():
        assert seen == sorted(seen, reverse=True)
    assert queue.active == 0 and queue.waiting == 0


def test_an_exception_from_on_wait_leaves_the_line():
    queue = TrainingQueue(slots=1)
    errors: list[BaseException] = []
    got_slot: list[str] = []

    class Stopped(Exception):
        pass

    def give_up(position: int) -> None:
        raise Stopped(f"stopped at place {position}")

    def leaver() -> None:
        try:
            with queue.slot(on_wait=give_up, poll_seconds=POLL):
                got_slot.append("leaver")
        except Stopped as error:
            errors.append(error)

    def stayer() -> None:
        with queue.slot(poll_seconds=POLL):
            got_slot.append("stayer")

    with queue.slot():
        first = threading.Thread(target=stayer)
        first.start()
        wait_until(lambda: queue.waiting == 1)
        second = threading.Thread(target=leaver)
        second.start()
        second.join(timeout=10)
        assert [str(e) for e in errors] == ["stopped at place 2"]
        assert queue.waiting == 1  # only the one still waiting
    first.join(timeout=10)
    assert got_slot == ["stayer"]
    assert queue.active == 0 and queue.waiting == 0


def test_an_exception_in_the_block_frees_the_slot():
    queue = TrainingQueue(slots=1)
    with pytest.raises(RuntimeError), queue.slot():
        raise RuntimeError("training failed")
    assert queue.active == 0
    with queue.slot():  # and the next one gets it at once
        assert queue.active == 1


@pytest.mark.parametrize("slots", [0, -1, True, 1.5, "2"])
def test_slots_must_be_a_positive_integer(slots):
    with pytest.raises(ValueError, match="slots"):
        TrainingQueue(slots)


def test_default_slots_reads_the_environment(monkeypatch):
    monkeypatch.setenv("CNN_LAB_MAX_TRAININGS", "3")
    assert default_slots() == 3
    monkeypatch.setenv("CNN_LAB_MAX_TRAININGS", "")
    assert default_slots() == (os.cpu_count() or 1)
    monkeypatch.delenv("CNN_LAB_MAX_TRAININGS")
    assert default_slots() == (os.cpu_count() or 1)


@pytest.mark.parametrize("value", ["junk", "2.5", "0", "-4"])
def test_default_slots_rejects_junk(monkeypatch, value):
    monkeypatch.setenv("CNN_LAB_MAX_TRAININGS", value)
    with pytest.raises(ValueError, match="CNN_LAB_MAX_TRAININGS") as error:
        default_slots()
    assert repr(value) in str(error.value)


# --- estimated waits (a fake clock: no sleeping) -------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def finished_holds(queue: TrainingQueue, clock: FakeClock, *seconds: float) -> None:
    for length in seconds:
        with queue.slot():
            clock.now += length


def test_no_estimate_before_a_hold_has_finished():
    clock = FakeClock()
    queue = TrainingQueue(slots=1, clock=clock)
    assert queue.mean_duration() is None
    assert queue.estimated_wait(1) is None
    with queue.slot():
        clock.now += 30
        assert queue.estimated_wait(1) is None  # one running, none measured yet
    assert queue.mean_duration() == 30


def test_the_mean_is_over_the_latest_holds():
    clock = FakeClock()
    queue = TrainingQueue(slots=1, clock=clock, recent=3)
    finished_holds(queue, clock, 100, 10, 20, 30)
    assert queue.mean_duration() == pytest.approx(20)  # the 100 s hold has dropped out


def test_one_slot_the_running_one_then_each_ahead_takes_the_mean():
    clock = FakeClock()
    queue = TrainingQueue(slots=1, clock=clock)
    finished_holds(queue, clock, 50, 70)  # mean 60
    with queue.slot():
        clock.now += 20  # 40 s left of the mean
        assert queue.estimated_wait(1) == pytest.approx(40)
        assert queue.estimated_wait(2) == pytest.approx(100)
        assert queue.estimated_wait(5) == pytest.approx(40 + 4 * 60)
        clock.now += 100  # running longer than the mean: it may end any moment
        assert queue.estimated_wait(1) == pytest.approx(0)
        assert queue.estimated_wait(3) == pytest.approx(120)


def test_waits_spread_over_the_slots():
    clock = FakeClock()
    queue = TrainingQueue(slots=2, clock=clock)
    finished_holds(queue, clock, 60)
    with queue.slot():
        clock.now += 50  # ends in 10 s
        with queue.slot():
            clock.now += 20  # this one ends in 40 s, the first is over time (0 s)
            assert queue.estimated_wait(1) == pytest.approx(0)
            assert queue.estimated_wait(2) == pytest.approx(40)  # the second slot frees
            assert queue.estimated_wait(3) == pytest.approx(60)  # the first slot's next
            assert queue.estimated_wait(4) == pytest.approx(100)
    # Free slots: the first in line starts at once; the third waits for one of two runs.
    assert queue.estimated_wait(1) == 0
    assert queue.estimated_wait(2) == 0
    assert queue.estimated_wait(3) == pytest.approx(queue.mean_duration())


def test_a_holder_that_says_how_long_it_needs_is_believed():
    clock = FakeClock()
    queue = TrainingQueue(slots=1, clock=clock)
    finished_holds(queue, clock, 60)
    with queue.slot() as hold:
        hold.expect(200)  # a long training: its ETA, not the mean
        clock.now += 50
        assert queue.estimated_wait(1) == pytest.approx(150)
        assert queue.estimated_wait(2) == pytest.approx(210)
        hold.expect(None)  # unknown again: back to the mean
        assert queue.estimated_wait(1) == pytest.approx(10)


def test_failed_and_discarded_holds_measure_nothing():
    clock = FakeClock()
    queue = TrainingQueue(slots=1, clock=clock)
    with pytest.raises(RuntimeError), queue.slot():
        clock.now += 5
        raise RuntimeError("interrupted")
    with queue.slot() as hold:
        clock.now += 7
        hold.discard()
    assert queue.mean_duration() is None
    finished_holds(queue, clock, 80)
    assert queue.mean_duration() == 80


def test_waiting_callers_can_read_their_estimate():
    """`on_wait` gets the place; `estimated_wait(place)` is safe to call from it."""
    clock = FakeClock()
    queue = TrainingQueue(slots=1, clock=clock)
    finished_holds(queue, clock, 30)
    seen: list[tuple[int, float | None]] = []

    def wait_in_line() -> None:
        def on_wait(place: int) -> None:
            seen.append((place, queue.estimated_wait(place)))

        with queue.slot(on_wait=on_wait, poll_seconds=POLL):
            clock.now += 30

    waiter = threading.Thread(target=wait_in_line)
    with queue.slot():
        clock.now += 10
        waiter.start()
        wait_until(lambda: seen)
        assert seen[0] == (1, pytest.approx(20))
    waiter.join(timeout=10)
    assert queue.mean_duration() == pytest.approx((30 + 10 + 30) / 3)


@pytest.mark.parametrize("place", [0, -1, True, 1.5])
def test_place_must_be_a_positive_integer(place):
    with pytest.raises(ValueError, match="place"):
        TrainingQueue(slots=1).estimated_wait(place)


@pytest.mark.parametrize("recent", [0, True, 2.0])
def test_recent_must_be_a_positive_integer(recent):
    with pytest.raises(ValueError, match="recent"):
        TrainingQueue(slots=1, recent=recent)
