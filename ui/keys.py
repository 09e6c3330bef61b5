"""Every key the app keeps in `st.session_state` beyond one page's widgets, in one place.

A page's own widgets are keyed by the page's prefix (`arch_`, `dataset_`, `train_`,
`predict_`); what outlives a page, or is read on another page, is named here. A widget whose
value outlives the page (`ui.widgets.kept`) keeps it under one of these keys.
"""

# --- the frame: language, data, the model in use ----------------------------------------
LANGUAGE = "lang"  # "en" | "zh"
MODEL_SOURCE = "model_source"  # "shipped" | "session" | "uploaded"
DOWNLOAD_ERROR = "download_error"  # str: why the last download of full MNIST failed

# --- what the pages make ----------------------------------------------------------------
MODEL_CONFIG = "model_config"  # cnn.ModelConfig: the network applied on the Architecture page
TRAINED = "trained"  # cnn.TrainingRun: the session's CNN
TRAINED_NUMPY_MODEL = "trained_numpy_model"  # (run, weights version, cnn.NumpyModel) to predict
MLP = "mlp"  # cnn.TrainingRun: its MLP baseline, once trained and tested
UPLOADED = "uploaded"  # dict: model, name, file_id of the model uploaded on Predict
UPLOAD_REFUSED = "upload_refused"  # dict: file_id, name, error of the last refused upload

# --- Dataset ------------------------------------------------------------------------------
DATASET_SEED = "dataset_seed"  # int: which random grid of digits is shown
DATASET_DIGIT = "dataset_digit"  # int: the training digit looked at (Architecture starts there)

# --- Architecture -------------------------------------------------------------------------
ARCH_EDIT = "arch_edit_open"  # bool: the network's form is shown
ARCH_ERROR = "arch_error"  # str: why the last network submitted could not be built
ARCH_DIGIT = "arch_digit_index"  # int: the training digit the explainer works on
ARCH_KERNEL = "arch_kernel_name"  # str: the filter slid over it
ARCH_ROW, ARCH_COLUMN = "arch_row_value", "arch_column_value"  # the output position shown
ARCH_USE_MODEL = "arch_model_on"  # bool: offer the trained model's learned filters too
ARCH_KERNEL_LANGUAGE = "arch_kernel_language"  # the language the filter list was drawn in

# --- Training -----------------------------------------------------------------------------


def train_setting(name: str) -> str:
    """The key a Training form field (`ui.forms.TRAINING_FIELDS`) is kept under, e.g.
    "train_setting_epochs"."""
    return f"train_setting_{name}"


TRAIN_ACTION = "train_action"  # "train" | "continue" | "mlp": what the next run starts
TRAIN_STOP_REQUESTED = "train_stop_requested"  # True once Stop is clicked during a training

# --- the class board (ui.classboard, pages/classroom.py) --------------------------------
CLASS_MEMBER = "class_member"  # dict: nickname, class_code, token once joined
CLASS_TOKENS = "class_tokens"  # {(class_code, nickname): token}: nicknames this session claimed
CLASS_LINK_CHECKED = "class_link_checked"  # True once the link's student was looked up
CLASS_MY_ENTRIES = "class_my_entries"  # set[int]: leaderboard entries submitted here
CLASS_TEACHER = "class_teacher"  # str: the teacher password, once it was accepted
CLASS_NOTICE = "class_notice"  # (kind, text): what the last add or submit did
LESSON_SEED = "lesson_seed"  # int: this session's variants of the checks (not in a class)
LESSON_PROGRESS = "lesson_progress"  # {step: cnn.lesson.StepProgress}
LESSON_OWNER = "lesson_owner"  # str: whose progress that is ("class/nickname", "" outside)
LESSON_STEP = "lesson_step"  # str: the step shown
LESSON_BOARD_ERROR = "lesson_board_error"  # str: why the board did not keep an answer
LESSON_DRAWN = "lesson_drawn"  # set[int]: digits the Predict page read in a drawing
CLASS_DIGITS_ON = "class_digits_on"  # bool: the next training learns from the class's digits
CLASS_DIGITS_RUN = "class_digits_run"  # (run, cnn.class_digits.ClassDigits): its split

# --- Predict ------------------------------------------------------------------------------
CURRENT_DIGIT = "current_digit"  # dict: image (28x28 in [0, 1]), label: the lab's digit
PREDICT_SAMPLE = "predict_sample"  # int: index into x_test of the random test digit shown
