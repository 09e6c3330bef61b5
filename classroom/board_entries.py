"""The class's leaderboard: models the server scored, one entry per weights, ranked.

An entry is stored in one transaction with its limits (the student's pace, the board's room),
like a digit. The same weights (`weights_hash`) are one entry per board: submitting them again
returns the entry they already have, so a reload or a double click adds nothing.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import Connection, insert, select

from classroom import counters, validation
from classroom.board_handle import BoardHandle
from classroom.database import read, write
from classroom.records import timestamp
from classroom.schema import boards, entries, students

if TYPE_CHECKING:
    import pandas as pd

LEADERBOARD_COLUMNS = [
    "rank",
    "id",
    "nickname",
    "kind",
    "test_accuracy",
    "class_accuracy",
    "params",
    "epochs",
    "seconds",
    "recipe",
    "created_at",
]


class LeaderboardEntries(BoardHandle):
    """The leaderboard's side of a `Board`: ask first, submit a scored model, read the ranks."""

    def check_submit(
        self, token: str, nickname: str, weights_hash: str | None = None
    ) -> int | None:
        """Whether a student may submit now, asked before the server scores a model.

        Returns:
            The id of the entry these weights already have on the board (submitting them again
            adds nothing), else None: go ahead.

        Raises:
            NicknameTakenError, RateLimitError, BoardFullError: as `submit_entry` would.
        """
        token = validation.session_id(token)
        name = validation.nickname(nickname)
        digest = validation.weights_hash(weights_hash)
        now = self._clock()
        with read(self._engine) as conn:
            if digest is not None:
                existing = self._entry_with_weights(conn, digest)
                if existing is not None:
                    return existing
            row = conn.execute(
                select(students).where(
                    students.c.board == self.class_code, students.c.nickname == name
                )
            ).first()
            counters.check_token(row, name, token)
            wait = counters.entry_wait(row, self.limits, now)
            if wait > 0:
                raise counters.entry_too_soon(wait, self.limits)
            full = conn.execute(
                select(boards.c.entry_count).where(boards.c.board == self.class_code)
            ).scalar()
            if full is not None and full >= self.limits.entries_per_board:
                raise counters.board_full("entries", self.limits.entries_per_board)
        return None

    def submit_entry(
        self,
        token: str,
        nickname: str,
        *,
        test_accuracy: float,
        class_accuracy: float | None,
        params: int,
        epochs: int,
        seconds: float,
        recipe: dict | str,
        kind: str,
        weights_hash: str | None = None,
    ) -> int:
        """Put a model the server scored on the leaderboard.

        Args:
            token: the student's token (`claim`).
            nickname: the student's nickname.
            test_accuracy: accuracy on the MNIST test set, 0–1 (the ranking).
            class_accuracy: accuracy on the class's digits, 0–1; None when there are none.
            params: parameter count.
            epochs: epochs trained.
            seconds: training time in seconds.
            recipe: a JSON-able dict, or text: how the model was built and trained.
            kind: "cnn" or "mlp".
            weights_hash: a hash of the model's weights (`cnn.weights_fingerprint`): the same
                weights are one entry per board; submitting them again returns that entry.

        Returns:
            The entry's id (the existing one for weights already on the board).

        Raises:
            InvalidEntryError, InvalidNicknameError: bad input.
            NicknameTakenError: the nickname is another browser's.
            RateLimitError: less than `limits.entry_interval_s` after this student's last one.
            BoardFullError: the board holds `limits.entries_per_board` (nothing is dropped).
            BoardUnavailableError: the database cannot be reached or written.
        """
        token = validation.session_id(token)
        name = validation.nickname(nickname)
        digest = validation.weights_hash(weights_hash)
        fields = validation.entry(
            test_accuracy=test_accuracy,
            class_accuracy=class_accuracy,
            params=params,
            epochs=epochs,
            seconds=seconds,
            recipe=recipe,
            kind=kind,
        )
        now = self._clock()
        with write(self._engine) as conn:
            student = counters.student(conn, self.class_code, name, token, self.limits, now)
            if digest is not None:
                existing = self._entry_with_weights(conn, digest)
                if existing is not None:
                    return existing
            counters.claim_entry(conn, student.id, self.limits, now)
            counters.claim_capacity(
                conn, self.class_code, "entry_count", self.limits.entries_per_board, "entries"
            )
            new_id = conn.execute(
                insert(entries).values(
                    board=self.class_code,
                    session_id=f"student:{student.id}",
                    nickname=name,
                    created_at=now,
                    weights_hash=digest,
                    **fields,
                )
            ).inserted_primary_key[0]
        return int(new_id)

    def _entry_with_weights(self, conn: Connection, digest: str) -> int | None:
        found = conn.execute(
            select(entries.c.id).where(
                entries.c.board == self.class_code, entries.c.weights_hash == digest
            )
        ).scalar()
        return None if found is None else int(found)

    def leaderboard(self, limit: int | None = None) -> pd.DataFrame:
        """The class's entries, best test accuracy first.

        Ties go to the better class accuracy (none counts as worst), then to the earlier entry.

        Args:
            limit: at most this many rows; None for all.

        Returns:
            A DataFrame with columns `LEADERBOARD_COLUMNS`: rank (1 = best), id, nickname,
            kind, test_accuracy, class_accuracy, params, epochs, seconds, recipe (the dict
            or text as submitted), created_at (UTC).
        """
        import pandas as pd  # here, so that `import classroom` stays light

        c = entries.c
        query = (
            select(entries)
            .where(c.board == self.class_code)
            .order_by(c.test_accuracy.desc(), c.class_accuracy.desc().nulls_last(), c.id)
        )
        if limit is not None:
            query = query.limit(validation.row_limit(limit))
        with read(self._engine) as conn:
            rows = conn.execute(query).all()
        records = [
            {
                "rank": rank,
                "id": row.id,
                "nickname": row.nickname,
                "kind": row.kind,
                "test_accuracy": row.test_accuracy,
                "class_accuracy": row.class_accuracy,
                "params": row.params,
                "epochs": row.epochs,
                "seconds": row.seconds,
                "recipe": json.loads(row.recipe),
                "created_at": timestamp(row.created_at),
            }
            for rank, row in enumerate(rows, start=1)
        ]
        return pd.DataFrame(records, columns=LEADERBOARD_COLUMNS)
