"""How the pages say durations: tenths under ten seconds, whole seconds, then minutes."""

from __future__ import annotations

import pytest

from ui.text import duration


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0.0, "0.0 s"),
        (-0.2, "0.0 s"),  # a clock that went backwards says nothing negative
        (6.84, "6.8 s"),
        (9.94, "9.9 s"),
        (9.96, "10 s"),  # not "10.0 s": from ten on, whole seconds
        (42.4, "42 s"),
        (89.4, "89 s"),
        (90, "1 min 30 s"),
        (185, "3 min 05 s"),
    ],
)
def test_durations_as_people_say_them(seconds, said):
    assert duration(seconds) == said
