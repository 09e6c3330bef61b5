"""The class board's limits: per session (rate and quota) and per board (capacity)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """How much one session may store, how fast, and how much one board keeps.

    Session limits refuse the write (`RateLimitError`, `SessionQuotaError`); board capacities
    never refuse: the oldest rows are dropped to make room.

    Attributes:
        digit_interval_s: seconds a session waits between two digits.
        digits_per_session: digits one session may store in all.
        entry_interval_s: seconds a session waits between two leaderboard entries.
        digits_per_board: digits a board keeps (oldest dropped first).
        entries_per_board: leaderboard entries a board keeps (oldest dropped first).
    """

    digit_interval_s: float = 1.0
    digits_per_session: int = 200
    entry_interval_s: float = 10.0
    digits_per_board: int = 10_000
    entries_per_board: int = 1_000

    def __post_init__(self) -> None:
        for name in ("digit_interval_s", "entry_interval_s"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"Limits.{name} must be 0 or more; got {getattr(self, name)!r}.")
        for name in ("digits_per_session", "digits_per_board", "entries_per_board"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{name} must be an integer of 1 or more; got {value!r}.")
