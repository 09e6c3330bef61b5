"""AppTest of the Lesson page: every step renders in both languages; a check refuses a wrong
answer with a hint, then shows the solution, accepts the right one and counts it; each
student has their own variant, the same on every visit."""

from __future__ import annotations

import pytest
from conftest import assert_no_exception, open_page

from cnn import lesson
from ui.i18n import translate

PAGE = "pages/lesson.py"


def answer(at, step: str, value):
    box = at.number_input(key=f"lesson_answer_{step}") if step != "testing" else None
    if box is None:
        at.radio(key=f"lesson_answer_{step}").set_value(value)
    else:
        box.set_value(value)
    [check] = [button for button in at.button if button.proto.form_id == f"lesson_form_{step}"]
    return check.click().run()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_step_renders_with_its_question(language):
    at = open_page(PAGE, language, lesson_seed=11)
    assert_no_exception(at)
    assert at.title[0].value == translate("nav.lesson", language)
    for number, step in enumerate(lesson.STEPS, start=1):
        at.segmented_control(key="lesson_step").set_value(step).run()
        assert_no_exception(at)
        title = translate(f"lesson.{step}_title", language)
        expected = translate(
            "lesson.step_label", language, number=number, total=len(lesson.STEPS), title=title
        )
        assert expected in [header.value for header in at.subheader]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_wrong_answer_gets_a_hint_then_the_solution_and_the_right_one_counts(language):
    seed = 5
    check = lesson.check_for("parameters", seed)
    at = open_page(PAGE, language, lesson_seed=seed, lesson_step="parameters")
    answer(at, "parameters", check.answer + 1)
    assert_no_exception(at)
    assert translate("lesson.wrong", language) in [w.value for w in at.warning]
    values = {**check.values, "answer": str(check.answer)}
    hint = translate("lesson.parameters_hint", language, **values)
    assert any(hint in info.value for info in at.info)
    solution = translate("lesson.parameters_solution", language, **values)
    assert not any(solution in info.value for info in at.info)
    answer(at, "parameters", check.answer + 2)
    assert any(solution in info.value for info in at.info)
    answer(at, "parameters", check.answer)
    assert translate("lesson.right", language) in [s.value for s in at.success]
    record = at.session_state["lesson_progress"]["parameters"]
    assert record.solved and record.tries == 3
    assert (
        translate("lesson.progress", language, solved=1, total=len(lesson.STEPS))
        in at.get("progress")[0].proto.text
    )


def test_the_choice_check_takes_the_cnn():
    at = open_page(PAGE, lesson_seed=3, lesson_step="testing")
    answer(at, "testing", "mlp")
    assert translate("lesson.wrong") in [w.value for w in at.warning]
    answer(at, "testing", "cnn")
    assert translate("lesson.right") in [s.value for s in at.success]


def question(at, step: str) -> str:
    check_text = [m.value for m in at.markdown if m.value.startswith("**")]
    return "\n".join(check_text)


def test_two_students_get_their_own_numbers_and_keep_them():
    texts = set()
    for seed in range(6):
        at = open_page(PAGE, lesson_seed=seed, lesson_step="parameters")
        texts.add(question(at, "parameters"))
    assert len(texts) >= 2
    # A student of a class: the variant follows the nickname, in any new session.
    ada = {"class_member": {"nickname": "Ada", "class_code": "ROOM-A", "token": "x"}}
    first = question(open_page(PAGE, lesson_step="parameters", **ada), "parameters")
    again = question(open_page(PAGE, lesson_step="parameters", **ada), "parameters")
    assert first == again
    seed = lesson.student_seed("ROOM-A/Ada")
    check = lesson.check_for("parameters", seed)
    expected = translate("lesson.parameters_question", **check.values)
    assert expected in first


def test_each_step_shows_the_keras_code_of_what_the_student_set():
    import cnn
    from cnn import notebook

    network = cnn.ModelConfig(filters=(8,), kernel_size=3)
    at = open_page(PAGE, lesson_step="network", model_config=network)
    assert_no_exception(at)
    recipe = cnn.PRESETS["course"].with_model(network)
    assert notebook.model_code(network, recipe) in [code.value for code in at.code]
    assert at.get("download_button")  # the course as a notebook


def test_the_last_step_asks_for_a_trained_model_then_sees_it():
    import types

    import cnn

    at = open_page(PAGE, lesson_step="testing")
    needed = translate("lesson.train_first", needed="97%")
    assert needed in [info.value for info in at.info]
    run = types.SimpleNamespace(
        recipe=cnn.PRESETS["course"], evaluation=types.SimpleNamespace(accuracy=0.9812)
    )
    at = open_page(PAGE, lesson_step="testing", trained=run)
    assert translate("lesson.trained", accuracy="98.12%") in [s.value for s in at.success]


def test_the_last_step_is_done_by_a_drawing_read_as_the_students_digit():
    seed = 9
    digit = lesson.check_for("predict", seed).answer
    at = open_page(PAGE, lesson_seed=seed, lesson_step="predict")
    question = translate("lesson.predict_question", digit=digit)
    assert any(question in m.value for m in at.markdown)
    assert not at.success
    other = {(digit + 1) % 10}
    at = open_page(PAGE, lesson_seed=seed, lesson_step="predict", lesson_drawn=other)
    assert not at.success
    at = open_page(PAGE, lesson_seed=seed, lesson_step="predict", lesson_drawn={digit})
    assert translate("lesson.right") in [s.value for s in at.success]
    assert at.session_state["lesson_progress"]["predict"].solved


def test_a_students_progress_is_kept_on_the_class_board(class_board_database, monkeypatch):
    """Ada answers in one session; a new session of Ada (a reload, another device) finds
    her progress, and the teacher's table has it."""
    import classroom

    monkeypatch.setenv("CNN_LAB_CLASS_CODE", "ROOM-A")
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", "s3cret-Teacher")
    board = classroom.open_board(
        class_board_database,
        class_code="ROOM-A",
        expected_code="ROOM-A",
        teacher_password="s3cret-Teacher",
    )
    ada = board.claim("Ada")
    state = {"class_member": {"nickname": "Ada", "class_code": "ROOM-A", "token": ada.token}}
    check = lesson.check_for("padding", lesson.student_seed("ROOM-A/Ada"))
    at = open_page(PAGE, lesson_step="padding", **state)
    answer(at, "padding", check.answer + 1)
    answer(at, "padding", check.answer)
    assert_no_exception(at)
    again = open_page(PAGE, lesson_step="padding", **state)
    record = again.session_state["lesson_progress"]["padding"]
    assert record.solved and record.tries == 2
    assert translate("lesson.right") in [s.value for s in again.success]
    table = board.class_progress("s3cret-Teacher")
    [row] = table.to_dict("records")
    assert (row["nickname"], row["step"], row["tries"], bool(row["solved"])) == (
        "Ada",
        "padding",
        2,
        True,
    )
