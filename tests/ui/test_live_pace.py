"""How often the Training page's live view changes while a model trains: each change is a
message the browser re-renders the page for, so the bar and the charts are paced."""

from __future__ import annotations

from ui.live_training import BAR_SECONDS, REDRAW_SECONDS, LivePace


def test_the_first_report_changes_both_at_once():
    pace = LivePace()
    assert pace.due("bar", now=100.0)
    assert pace.due("chart", now=100.0)
    assert pace.changes == {"bar": 1, "chart": 1}


def test_the_bar_changes_at_most_every_bar_seconds():
    pace = LivePace()
    # Progress reports every 0.1 s for 3 s, as in a quick run on 2 cores.
    changed = [now for step in range(31) if pace.due("bar", now := 100.0 + step * 0.1)]
    gaps = [later - earlier for earlier, later in zip(changed, changed[1:], strict=False)]
    assert min(gaps) >= BAR_SECONDS - 1e-9
    assert len(changed) == 1 + int(3.0 / BAR_SECONDS)
    assert pace.changes["bar"] == len(changed)


def test_the_charts_are_paced_on_their_own_interval():
    pace = LivePace()
    for step in range(31):
        now = 100.0 + step * 0.1
        pace.due("bar", now)
        pace.due("chart", now)
    assert REDRAW_SECONDS > BAR_SECONDS
    assert pace.changes["chart"] == 1 + int(3.0 / REDRAW_SECONDS)
    assert pace.changes["bar"] > pace.changes["chart"]


def test_an_epochs_end_always_shows():
    pace = LivePace()
    assert pace.due("bar", now=100.0)
    assert not pace.due("bar", now=100.1)
    assert pace.due("bar", now=100.2, epoch_end=True)
    assert pace.due("chart", now=100.2, epoch_end=True)
    assert pace.due("chart", now=100.3, epoch_end=True)
    # The interval counts from the epoch's end.
    assert not pace.due("bar", now=100.2 + BAR_SECONDS / 2)
