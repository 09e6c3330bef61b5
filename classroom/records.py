"""What the board hands back: digits as small dataclasses, images decoded from their bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np


def decode_image(data: bytes) -> np.ndarray:
    """The stored 784 bytes as a (28, 28) uint8 array (0–255)."""
    return np.frombuffer(data, dtype=np.uint8).reshape(28, 28).copy()


def timestamp(seconds: float) -> datetime:
    """Seconds since the epoch as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, tz=UTC)


@dataclass(frozen=True)
class Digit:
    """One student's digit on the board.

    Attributes:
        id: the digit's id (what `Board.remove_digit` takes).
        label: the digit it shows, 0–9.
        nickname: who drew it.
        created_at: when it was stored (UTC).
        pixels: (28, 28) uint8, 0–255 (0 background, 255 ink), as stored.
    """

    id: int
    label: int
    nickname: str
    created_at: datetime
    pixels: np.ndarray = field(repr=False, compare=False)

    @property
    def image(self) -> np.ndarray:
        """The image as (28, 28) float32 in [0, 1], as the student sent it (to 1/255)."""
        return self.pixels.astype(np.float32) / 255.0


@dataclass(frozen=True)
class Student:
    """A nickname claimed in a class, and the token that proves a browser claimed it.

    Attributes:
        nickname: as the board stores it.
        token: random, from `secrets`: kept by the browser (in its link), stored only as a
            hash. Whoever holds it is this student; nobody else can use the nickname.
    """

    nickname: str
    token: str = field(repr=False)
