"""The teacher's live view with a full class: how long each refresh takes on the server.

    python benchmarks/bench_teacher_view.py --students 100 \
        --out benchmarks/results/teacher_view_100.json
    python benchmarks/bench_teacher_view.py --students 100 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:55432/cnn_lab_test \
        --out benchmarks/results/teacher_view_100_postgresql.json

A class board (a fresh SQLite file unless `--database-url`; a random class code, so runs on a
shared database stay apart) gets `--students` students, each of whom answered a random number
of the lesson's steps (1 to 11, up to three wrong tries each) and added `--digits` digits. Then:

- the refresh's own work, as `ui.class_progress.show_class_progress` does it every 10 s: the
  board's one progress query, the newest digits, the students x steps table, the most-missed
  checks and the CSV (`--repeats` times; p50, p95);
- the whole Class page of the teacher, in Streamlit's AppTest (the page's rerun on the
  server, the live view with all its elements; no browser): p50, p95.

Target: a refresh well inside its 10 s period on 2 cores (under 1 s), so a projector keeps up
with 100 students.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
from common import ROOT, parser, percentile, report

PASSWORD = "bench-Teacher-1"


def percentiles(seconds: list[float]) -> dict[str, float]:
    return {
        f"p{round(fraction * 100)}_ms": round(percentile(seconds, fraction) * 1000, 1)
        for fraction in (0.5, 0.95)
    }


def fill_class(url: str, code: str, students: int, digits: int, rng) -> dict[str, int]:
    """The students' answers and digits, written through the board as the app writes them."""
    import classroom
    from cnn.lesson import STEPS

    limits = classroom.Limits(digit_interval_s=0, entry_interval_s=0)
    board = classroom.open_board(
        url, class_code=code, expected_code=code, teacher_password=PASSWORD, limits=limits
    )
    import cnn

    sample = cnn.load_sample()
    images, labels = sample.x_test, sample.y_test
    answers = stored = 0
    for number in range(students):
        nickname = f"student{number:03d}"
        token = board.claim(nickname).token
        for step in STEPS[: int(rng.integers(1, len(STEPS) + 1))]:
            for _ in range(int(rng.integers(0, 4))):
                board.record_answer(token, nickname, step, False)
                answers += 1
            board.record_answer(token, nickname, step, True)
            answers += 1
        for _ in range(digits):
            index = int(rng.integers(len(images)))
            board.add_digit(token, nickname, images[index] / 255.0, int(labels[index]))
            stored += 1
    return {"answers": answers, "digits": stored}


def time_refresh_work(url: str, code: str, repeats: int) -> list[float]:
    """The live view's work without Streamlit's rendering."""
    import classroom
    from cnn.lesson import STEPS
    from ui import charts
    from ui.class_digits_view import newest_digits
    from ui.class_progress import missed_checks, progress_csv, progress_table

    board = classroom.open_board(
        url, class_code=code, expected_code=code, teacher_password=PASSWORD
    )
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        progress = board.class_progress(PASSWORD)
        newest_digits(board)
        progress_table(progress, STEPS, time.time())
        charts.missed_checks_figure(list(STEPS), missed_checks(progress, STEPS))
        progress_csv(progress)
        seconds.append(time.perf_counter() - start)
    return seconds


def time_teacher_page(code: str, students: int, repeats: int) -> list[float]:
    """The teacher's whole Class page, rerun in AppTest (the live view included)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lang"] = "en"
    at.run()
    at.switch_page("pages/classroom.py").run()
    at.text_input(key="class_nickname").input("Teacher")
    at.text_input(key="class_code").input(code)
    [join] = [button for button in at.button if button.proto.form_id == "class_join"]
    join.click().run()
    at.text_input(key="class_password").input(PASSWORD)
    at.button(key="class_unlock").click().run()
    if at.exception:
        raise SystemExit(f"the teacher's page failed: {[e.message for e in at.exception]}")
    rows = [
        len(frame.value) for frame in at.dataframe if "student000" in set(frame.value.iloc[:, 0])
    ]
    if rows != [students]:
        raise SystemExit(f"the teacher's table has {rows} rows, not one of {students} students")
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        at.run()
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("--students", type=int, default=100)
    arguments.add_argument("--digits", type=int, default=3, help="digits each student added")
    arguments.add_argument("--repeats", type=int, default=20)
    arguments.add_argument("--database-url", help="default: a fresh SQLite file")
    args = arguments.parse_args()
    code = f"BENCH-{uuid.uuid4().hex[:6].upper()}"
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'board.db'}"
        os.environ.update(
            CNN_LAB_DATABASE_URL=url,
            CNN_LAB_CLASS_CODE=code,
            CNN_LAB_TEACHER_PASSWORD=PASSWORD,
        )
        os.environ.pop("MNIST_PATH", None)
        start = time.perf_counter()
        stored = fill_class(url, code, args.students, args.digits, np.random.default_rng(0))
        filled = time.perf_counter() - start
        work = time_refresh_work(url, code, args.repeats)
        page = time_teacher_page(code, args.students, max(5, args.repeats // 2))
    report(
        {
            "benchmark": "teacher_view",
            "database": url.split(":", 1)[0].split("+", 1)[0],
            "students": args.students,
            **stored,
            "fill_seconds": round(filled, 1),
            "refresh_work": percentiles(work),
            "teacher_page_rerun": percentiles(page),
            "target": "a refresh under 1 s (every 10 s)",
        },
        args.out,
    )


if __name__ == "__main__":
    main()
