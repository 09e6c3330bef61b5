"""The class's digits: stored one at a time within the limits, read back as records, counts
or MNIST-style arrays.

A digit is stored in one transaction with its limits: the student's pace and quota
(`counters.claim_digit`) and the board's room (`counters.claim_capacity`), so a refused digit
leaves nothing behind and two racing requests cannot both pass.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine, func, insert, select

from classroom import counters, validation
from classroom.board_handle import BoardHandle
from classroom.database import read, write
from classroom.records import Digit, decode_image, timestamp
from classroom.schema import digits


class ClassDigits(BoardHandle):
    """The digits' side of a `Board`: add, list, count, and read them as arrays."""

    def add_digit(self, token: str, nickname: str, image: object, label: int) -> int:
        """Store a student's digit.

        Args:
            token: the student's token (`claim`); a nickname nobody claimed yet is claimed
                with it.
            nickname: the student's nickname.
            image: (28, 28) or (28, 28, 1) values in [0, 1]; stored as uint8 0–255.
            label: the digit drawn, 0–9.

        Returns:
            The new digit's id.

        Raises:
            InvalidImageError, InvalidLabelError, InvalidNicknameError: bad input.
            NicknameTakenError: the nickname is another browser's.
            RateLimitError: less than `limits.digit_interval_s` after this student's last one.
            StudentQuotaError: the student already stored `limits.digits_per_student`.
            BoardFullError: the board holds `limits.digits_per_board` (nothing is dropped).
            BoardUnavailableError: the database cannot be reached or written.
        """
        token = validation.session_id(token)
        name = validation.nickname(nickname)
        pixels = validation.image_bytes(image)
        digit = validation.label(label)
        now = self._clock()
        with write(self._engine) as conn:
            student = counters.student(conn, self.class_code, name, token, self.limits, now)
            counters.claim_digit(conn, student.id, self.limits, now)
            counters.claim_capacity(
                conn, self.class_code, "digit_count", self.limits.digits_per_board, "digits"
            )
            new_id = conn.execute(
                insert(digits).values(
                    board=self.class_code,
                    session_id=f"student:{student.id}",
                    nickname=name,
                    label=digit,
                    image=pixels,
                    created_at=now,
                )
            ).inserted_primary_key[0]
        return int(new_id)

    def list_digits(self, label: int | None = None, *, limit: int | None = 100) -> list[Digit]:
        """The class's digits, newest first.

        Args:
            label: only digits of this label; None for all.
            limit: at most this many; None for all.

        Returns:
            `Digit` records (id, label, nickname, created_at, pixels / image).

        Raises:
            InvalidLabelError: `label` is not 0–9.
            BoardUnavailableError: the database does not answer.
        """
        query = select(digits).where(digits.c.board == self.class_code)
        if label is not None:
            query = query.where(digits.c.label == validation.label(label))
        query = query.order_by(digits.c.id.desc())
        if limit is not None:
            query = query.limit(validation.row_limit(limit))
        with read(self._engine) as conn:
            rows = conn.execute(query).all()
        return [
            Digit(
                id=row.id,
                label=row.label,
                nickname=row.nickname,
                created_at=timestamp(row.created_at),
                pixels=decode_image(row.image),
            )
            for row in rows
        ]

    def digit_counts(self) -> dict[int, int]:
        """How many digits the class stored per label.

        Returns:
            {label: count} for every label 0–9 (0 where there are none).
        """
        query = (
            select(digits.c.label, func.count())
            .where(digits.c.board == self.class_code)
            .group_by(digits.c.label)
        )
        with read(self._engine) as conn:
            found = dict(conn.execute(query).all())
        return {label: int(found.get(label, 0)) for label in range(10)}

    def class_digits_array(self) -> tuple[np.ndarray, np.ndarray]:
        """The class's digits as MNIST-style arrays, oldest first (to score a model on them).

        Returns:
            (x, y): x uint8 (N, 28, 28) 0–255, y uint8 (N,) labels.
        """
        return mnist_arrays(self._engine, self.class_code)


def mnist_arrays(engine: Engine, class_code: str) -> tuple[np.ndarray, np.ndarray]:
    """The digits of `class_code` as MNIST-style arrays, oldest first: x uint8 (N, 28, 28)
    0–255, y uint8 (N,) labels (what a model is scored on, and what the teacher exports)."""
    query = (
        select(digits.c.image, digits.c.label)
        .where(digits.c.board == class_code)
        .order_by(digits.c.id)
    )
    with read(engine) as conn:
        rows = conn.execute(query).all()
    x = np.zeros((len(rows), 28, 28), dtype=np.uint8)
    for index, row in enumerate(rows):
        x[index] = decode_image(row.image)
    y = np.array([row.label for row in rows], dtype=np.uint8)
    return x, y
