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
        at.segmented_control(key="lesson_step_picker").set_value(step).run()
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
    # At once in the progress bar and the picker above the step (drawn before it was done).
    solved = translate("lesson.progress", solved=1, total=len(lesson.STEPS))
    assert solved in at.get("progress")[0].proto.text
    labels = at.segmented_control(key="lesson_step_picker").proto.options
    assert labels[-1].content == f"{len(lesson.STEPS)} ✓"


def test_a_students_progress_is_kept_on_the_class_board(class_board_both, monkeypatch):
    """Ada answers in one session; a new session of Ada (a reload, another device) finds
    her progress, and the teacher's table has it."""
    import classroom

    monkeypatch.setenv("CNN_LAB_CLASS_CODE", "ROOM-A")
    monkeypatch.setenv("CNN_LAB_TEACHER_PASSWORD", "s3cret-Teacher")
    board = classroom.open_board(
        class_board_both,
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


@pytest.mark.parametrize("language", ["en", "zh"])
def test_each_step_embeds_the_apps_own_widget_for_its_subject(language):
    """The step's live example is the widget of the page where the subject lives (the same
    keys), not a picture of it."""
    import cnn

    course = cnn.ModelConfig()
    [first_conv] = [spec for spec in cnn.layer_specs(course) if spec.name == "conv_1"]
    widgets = {
        "data": lambda at: at.number_input(key="dataset_index"),
        "convolution": lambda at: at.slider(key="arch_row"),
        "padding": lambda at: at.segmented_control(key="lesson_padding"),
        "pooling": lambda at: at.get_by_key("arch_pool_max_chart"),
        "activation": lambda at: at.get_by_key("arch_activation_maps_chart"),
        "predict": lambda at: at.button(key="lesson_clear"),
    }
    for step, widget in widgets.items():
        at = open_page(PAGE, language, lesson_step=step)
        assert_no_exception(at)
        assert widget(at) is not None, step
    at = open_page(PAGE, language, lesson_step="local")
    values = {metric.label: metric.value for metric in at.metric}
    conv_label = translate(
        "lesson.local_conv", language, filters=course.filters[0], k=course.kernel_size
    )
    assert values[conv_label] == f"{first_conv.params:,}"  # 416
    pixels = cnn.config.IMAGE_SIZE**2
    dense_label = translate("lesson.local_dense", language, pixels=pixels, units=course.dense_units)
    assert values[dense_label] == f"{pixels * course.dense_units + course.dense_units:,}"


def test_the_parameters_step_counts_the_students_own_network():
    import cnn

    network = cnn.ModelConfig(filters=(8, 12), kernel_size=3, dense_units=32)
    at = open_page(PAGE, lesson_step="parameters", model_config=network)
    assert_no_exception(at)
    values = {metric.label: metric.value for metric in at.metric}
    assert values[translate("arch.total_params")] == f"{cnn.count_params(network):,}"
    assert cnn.count_params(network) != cnn.count_params(cnn.ModelConfig())


def shape_diagram(at) -> str:
    """The SVG of the shapes diagram the page shows (a data URI's document)."""
    import base64
    import urllib.parse

    [url] = [image.proto.imgs[0].url for image in at.get("image")]
    header, _, body = url.partition(",")
    if header.endswith(";base64"):
        return base64.b64decode(body).decode("utf-8")
    return urllib.parse.unquote(body)


def test_the_padding_step_redraws_the_shapes_for_the_padding_chosen():
    at = open_page(PAGE, lesson_step="padding")
    same = shape_diagram(at)
    at.segmented_control(key="lesson_padding").set_value("valid").run()
    assert_no_exception(at)
    valid = shape_diagram(at)
    assert "<svg" in same and "<svg" in valid
    # 28 - 5 + 1: "valid" padding shrinks the first map to 24 x 24; "same" keeps 28 x 28.
    assert "24×24" in valid.replace(" ", "") or "24x24" in valid.replace(" ", "")
    assert "24×24" not in same.replace(" ", "") and "24x24" not in same.replace(" ", "")


def test_the_training_steps_wait_for_a_training_then_show_it():
    at = open_page(PAGE, lesson_step="training")
    assert translate("lesson.no_training_yet") in [info.value for info in at.info]
    at = open_page(PAGE, lesson_step="testing")
    assert translate("lesson.no_comparison_yet") in [info.value for info in at.info]


@pytest.mark.parametrize(("seed", "language"), [(1, "en"), (2, "zh"), (3, "en")])
@pytest.mark.parametrize("step", [step for step in lesson.STEPS if step != "predict"])
def test_every_check_refuses_a_wrong_answer_with_a_hint_and_takes_the_right_one(
    step, seed, language
):
    """Each step's check, in several students' variants: a wrong answer gets "not yet" and
    the hint; the variant's own right answer (computed by `cnn.lesson`) is taken."""
    check = lesson.check_for(step, seed)
    if check.choices:
        wrong = next(choice for choice in check.choices if choice != check.answer)
    else:
        wrong = float(check.answer) + 7 + check.tolerance * 10
    at = open_page(PAGE, language, lesson_seed=seed, lesson_step=step)
    answer(at, step, wrong)
    assert_no_exception(at)
    assert translate("lesson.wrong", language) in [w.value for w in at.warning]
    values = {**check.values, "answer": "?"}
    hint = translate(f"lesson.{step}_hint", language, **values)
    assert any(hint in info.value for info in at.info), step
    assert translate("lesson.right", language) not in [s.value for s in at.success]
    answer(at, step, check.answer)
    assert translate("lesson.right", language) in [s.value for s in at.success]
    assert at.session_state["lesson_progress"][step].solved


def test_the_step_is_kept_across_pages():
    """A student who follows "Try it in the app" and comes back finds the same step."""
    at = open_page(PAGE)
    at.segmented_control(key="lesson_step_picker").set_value("pooling").run()
    at.switch_page("pages/architecture.py").run()
    at.switch_page(PAGE).run()
    assert_no_exception(at)
    assert at.segmented_control(key="lesson_step_picker").value == "pooling"
    title = translate("lesson.pooling_title")
    assert any(title in header.value for header in at.subheader)


def test_joining_a_class_mid_session_brings_that_students_questions_and_progress():
    """Tries on this session's own questions do not carry over to the questions of the
    class student the visitor becomes."""
    seed = 4
    at = open_page(PAGE, lesson_seed=seed, lesson_step="data")
    answer(at, "data", lesson.check_for("data", seed).answer)
    assert at.session_state["lesson_progress"]["data"].solved
    at.session_state["class_member"] = {"nickname": "Ada", "class_code": "", "token": "x"}
    at.run()
    assert_no_exception(at)
    record = at.session_state["lesson_progress"].get("data", lesson.StepProgress())
    assert not record.solved and record.tries == 0
    ada = lesson.check_for("data", lesson.student_seed("/Ada"))
    expected = translate("lesson.data_question", **ada.values)
    assert any(expected in m.value for m in at.markdown)
