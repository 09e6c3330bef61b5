"""The lesson's progress per student: each answer to a step's check, counted on the board,
so the teacher sees the whole class at once (`class_progress`) and a student's progress
survives a reload or another device (`student_progress`).

A step's row is made by the student's first answer (`started_at`); every answer counts a try
until the first right one, which solves the step (`finished_at`); later answers change
nothing. The row is inserted with INSERT ... ON CONFLICT DO NOTHING and counted with a
conditional UPDATE (`... SET tries = tries + 1 WHERE solved = 0`), so racing answers of one
student (two tabs, a double click) each count once, and none after the step is solved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Row, func, select, update

from classroom import counters, validation
from classroom.board_handle import BoardHandle
from classroom.database import read, write
from classroom.schema import progress, students

if TYPE_CHECKING:
    import pandas as pd

PROGRESS_COLUMNS = [
    "nickname",
    "step",
    "tries",
    "solved",
    "started_at",
    "finished_at",
    "updated_at",
]


def _step_record(row: Row) -> dict:
    """What a student's answer returns about the step: times in seconds since the epoch."""
    return {
        "step": row.step,
        "tries": int(row.tries),
        "solved": bool(row.solved),
        "started_at": row.started_at,
        "finished_at": row.finished_at,
    }


class LessonProgress(BoardHandle):
    """The lesson's side of a `Board`: a student's answers counted, read back by the student
    and by the teacher."""

    def record_answer(self, token: str, nickname: str, step: str, right: bool) -> dict:
        """Count a student's answer to the check of one lesson step.

        The first answer starts the step (`started_at`, the board's clock); every answer
        counts a try until the step is solved; the first right one solves it
        (`finished_at`). An answer to a solved step changes nothing.

        Args:
            token: the student's token (`claim`); a nickname nobody claimed yet is claimed
                with it, as a digit would claim it.
            nickname: the student's nickname.
            step: the step's name, as `cnn.lesson.STEPS` names it (1-32 characters,
                lowercase letters and underscores).
            right: whether the answer was right: True or False, nothing else.

        Returns:
            {"step", "tries", "solved", "started_at", "finished_at"}: the step as it now
            stands for the student (times in seconds since the epoch, None when not yet).

        Raises:
            InvalidInputError: a bad step (reason "bad_step"), `right` not a bool
                ("bad_answer"), a bad token ("bad_session").
            InvalidNicknameError: a bad nickname.
            NicknameTakenError: the nickname is another browser's.
            BoardFullError: a new nickname in a class of `limits.students_per_board`.
            BoardUnavailableError: the database cannot be reached or written.
        """
        token = validation.session_id(token)
        name = validation.nickname(nickname)
        step_name = validation.step(step)
        is_right = validation.answer(right)
        now = self._clock()
        this_step = (
            progress.c.board == self.class_code,
            progress.c.nickname == name,
            progress.c.step == step_name,
        )
        with write(self._engine) as conn:
            counters.student(conn, self.class_code, name, token, self.limits, now)
            counters.insert_if_missing(
                conn,
                progress,
                {
                    "board": self.class_code,
                    "nickname": name,
                    "step": step_name,
                    "tries": 0,
                    "solved": 0,
                    "started_at": now,
                    "finished_at": None,
                    "updated_at": now,
                },
                ["board", "nickname", "step"],
            )
            values = {
                "tries": progress.c.tries + 1,
                "started_at": func.coalesce(progress.c.started_at, now),
                "updated_at": now,
            }
            if is_right:
                values |= {"solved": 1, "finished_at": now}
            # Counted only while unsolved: racing answers each count once, none after a solve.
            conn.execute(update(progress).where(*this_step, progress.c.solved == 0).values(values))
            row = conn.execute(select(progress).where(*this_step)).one()
        return _step_record(row)

    def student_progress(self, token: str, nickname: str) -> dict[str, dict]:
        """A student's progress on the lesson, by step (the steps they answered).

        Args:
            token: the student's token: only the browser that claimed the nickname reads it.
            nickname: the student's nickname.

        Returns:
            {step: {"step", "tries", "solved", "started_at", "finished_at"}}, as
            `record_answer` returns them; {} for a student who answered nothing yet.

        Raises:
            InvalidInputError, InvalidNicknameError: a bad token or nickname.
            NicknameTakenError: the nickname is another browser's.
            BoardUnavailableError: the database does not answer.
        """
        token = validation.session_id(token)
        name = validation.nickname(nickname)
        with read(self._engine) as conn:
            student = conn.execute(
                select(students).where(
                    students.c.board == self.class_code, students.c.nickname == name
                )
            ).first()
            counters.check_token(student, name, token)
            rows = conn.execute(
                select(progress)
                .where(progress.c.board == self.class_code, progress.c.nickname == name)
                .order_by(progress.c.id)
            ).all()
        return {row.step: _step_record(row) for row in rows}

    def class_progress(self, password: str) -> pd.DataFrame:
        """Every student's progress on the lesson, for the teacher: one query.

        Args:
            password: the teacher password (checked first, as every teacher tool does).

        Returns:
            A DataFrame with columns `PROGRESS_COLUMNS`, a row per student and step answered,
            by nickname then first answer: nickname, step, tries (every answer until the
            right one, that one included), solved (bool), started_at, finished_at (NaN while
            unsolved) and updated_at, in seconds since the epoch (the board's clock).

        Raises:
            WrongPasswordError, TeacherLockedError: see `check_teacher`.
            BoardUnavailableError: the database does not answer.
        """
        import pandas as pd  # here, so that `import classroom` stays light

        self.check_teacher(password)  # `TeacherTools`', on the same `Board`
        c = progress.c
        query = (
            select(*(c[name] for name in PROGRESS_COLUMNS))
            .where(c.board == self.class_code)
            .order_by(c.nickname, c.id)
        )
        with read(self._engine) as conn:
            rows = conn.execute(query).all()
        table = pd.DataFrame([tuple(row) for row in rows], columns=PROGRESS_COLUMNS)
        table["tries"] = table["tries"].astype("int64")
        table["solved"] = table["solved"].astype(bool)
        for column in ("started_at", "finished_at", "updated_at"):
            table[column] = table[column].astype("float64")
        return table
