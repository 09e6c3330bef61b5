"""Loading models safely, without Keras: what is accepted (and predicts as Keras does), what
is refused and why (in both languages), and that refused code never runs."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest
from keras_graphs import skip_connection, two_heads

import cnn
import cnn.inference.model_archive
import cnn.inference.model_io
from cnn.inference.engine import NumpyModel
from cnn.inference.model_io import ModelFileError, inspect_model_archive, load_model_file
from ui.i18n import translate

SMALL = cnn.ModelConfig(filters=(4,), dense_units=8)


class NamedBytes(io.BytesIO):
    """A file object like Streamlit's UploadedFile: `.name` and `.read()`."""

    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small valid MNIST model saved as .keras, with the model itself."""
    model = cnn.build_model(SMALL, seed=0)
    path = tmp_path_factory.mktemp("models") / "small.keras"
    model.save(path)
    return model, path


@pytest.fixture(scope="module")
def probe(sample):
    return cnn.to_4d_float(sample.x_test[:4])


def assert_same_predictions(loaded, original, probe):
    """The engine's model `loaded` answers as the Keras model `original` does."""
    assert isinstance(loaded, NumpyModel)
    np.testing.assert_allclose(
        loaded.predict(probe), original.predict(probe, verbose=0), rtol=0, atol=1e-5
    )


def assert_refused(source, reason: str, match: str | None = None) -> ModelFileError:
    """`load_model_file(source)` refuses with `reason` (and a message matching `match`), and
    the UI can say so in both languages with the error's details."""
    with pytest.raises(ModelFileError, match=match) as caught:
        load_model_file(source)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.reason == reason, str(error)
    for language in ("en", "zh"):
        assert translate(f"model_error.{reason}", language, **error.details)
    return error


def rewrite_archive(path: Path, replace: dict | None = None, drop: str | None = None) -> bytes:
    """The `.keras` archive at `path` with some members replaced (name -> bytes) or dropped."""
    replace = replace or {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            if name != drop:
                archive.writestr(name, replace.get(name, source.read(name)))
    return buffer.getvalue()


# ---------------------------------------------------------------- accepted


def test_loads_a_path(saved, probe):
    model, path = saved
    loaded = load_model_file(path)
    assert_same_predictions(loaded, model, probe)
    assert tuple(loaded.input_shape) == (None, 28, 28, 1)
    loaded_from_text = load_model_file(str(path))
    assert_same_predictions(loaded_from_text, model, probe)


def test_loads_bytes(saved, probe):
    model, path = saved
    assert_same_predictions(load_model_file(path.read_bytes()), model, probe)
    assert_same_predictions(load_model_file(bytearray(path.read_bytes())), model, probe)


def test_loads_a_file_object(saved, probe):
    model, path = saved
    upload = NamedBytes(path.read_bytes(), "my_model.keras")
    assert_same_predictions(load_model_file(upload), model, probe)


def test_save_model_bytes_round_trip(saved, probe):
    model, _ = saved
    data = cnn.save_model_bytes(model)
    assert data[:2] == b"PK"
    assert_same_predictions(load_model_file(data), model, probe)


def test_a_bfloat16_model_loads_and_runs_in_float32(probe):
    # The Training page trains in bfloat16 on CPUs that have it: its download must load back.
    # Its weights are float32; the engine computes in float32 throughout, as the float32
    # model with the same weights does, and close to the bfloat16 one.
    model = cnn.build_model(SMALL, mixed_precision=True, seed=0)
    loaded = load_model_file(cnn.save_model_bytes(model))
    assert all(w.dtype == np.float32 for layer in loaded.layers for w in layer.weights)
    same_in_float32 = cnn.build_model(SMALL)
    same_in_float32.set_weights(model.get_weights())
    assert_same_predictions(loaded, same_in_float32, probe)
    np.testing.assert_allclose(loaded.predict(probe), model.predict(probe, verbose=0), atol=0.02)


def test_inspect_model_archive_returns_the_config(saved):
    _, path = saved
    config = inspect_model_archive(path.read_bytes())
    assert config["class_name"] == "Sequential"
    names = [layer["config"]["name"] for layer in config["config"]["layers"]]
    assert "conv_1" in names and "output" in names


def test_model_file_error_is_a_value_error():
    assert issubclass(ModelFileError, ValueError)


# ---------------------------------------------------------------- refused: not a model


def test_refuses_bytes_that_are_not_a_zip():
    assert_refused(b"just some text, not a model", "not_zip", "not a .keras model.*zip")


def test_refuses_a_keras_path_that_is_not_a_zip(tmp_path):
    path = tmp_path / "fake.keras"
    path.write_bytes(b"\x00" * 100)
    assert_refused(path, "not_zip", "zip archive")


def test_refuses_a_zip_that_is_not_a_keras_archive():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert_refused(buffer.getvalue(), "not_archive", "not a Keras model archive")


def test_refuses_a_damaged_config():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("config.json", "{not json")
        archive.writestr("model.weights.h5", b"")
    assert_refused(buffer.getvalue(), "damaged", "damaged")


def test_refuses_a_config_that_is_not_a_model():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("config.json", json.dumps([1, 2, 3]))
        archive.writestr("model.weights.h5", b"")
    assert_refused(buffer.getvalue(), "damaged", "not a Keras model config")


def test_refuses_a_missing_file(tmp_path):
    assert_refused(tmp_path / "missing.keras", "missing", "does not exist")


@pytest.mark.parametrize("name", ["model.h5", "MODEL.HDF5"])
def test_refuses_an_h5_path(tmp_path, saved, name):
    path = tmp_path / name
    path.write_bytes(saved[1].read_bytes())  # whatever is inside, the format is refused
    assert_refused(path, "hdf5", r"legacy HDF5 \(\.h5\).*model\.keras")


def test_refuses_an_upload_named_h5(saved):
    assert_refused(NamedBytes(saved[1].read_bytes(), "model.h5"), "hdf5", "HDF5")


def test_refuses_an_upload_with_another_extension(saved):
    upload = NamedBytes(saved[1].read_bytes(), "model.pkl")
    assert_refused(upload, "wrong_format", "not a .keras model file")


def test_refuses_hdf5_bytes(tmp_path):
    path = tmp_path / "weights.h5"
    with h5py.File(path, "w") as file:
        file.create_dataset("kernel", data=np.zeros((3, 3)))
    assert_refused(path.read_bytes(), "hdf5", r"HDF5 \(\.h5\)")


# ---------------------------------------------------------------- refused: the weights


def test_refuses_an_archive_without_weights(saved):
    data = rewrite_archive(saved[1], drop=cnn.inference.model_io.WEIGHTS_FILE)
    assert_refused(data, "weights_missing", "has no model.weights.h5")


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_refuses_damaged_weights(saved, damage):
    """A config that passes every check, with weights h5py cannot read."""
    _, path = saved
    weights = zipfile.ZipFile(path).read(cnn.inference.model_io.WEIGHTS_FILE)
    broken = {"truncated": weights[: len(weights) // 2], "garbage": b"garbage", "empty": b""}
    data = rewrite_archive(path, {cnn.inference.model_io.WEIGHTS_FILE: broken[damage]})
    assert_refused(data, "weights_damaged", "damaged or truncated")


def _rewrite_weights(path: Path, tmp_path: Path, change) -> bytes:
    """The archive at `path` with its weights file changed by `change(h5py.File)`."""
    weights_path = tmp_path / "weights.h5"
    weights_path.write_bytes(zipfile.ZipFile(path).read(cnn.inference.model_io.WEIGHTS_FILE))
    with h5py.File(weights_path, "r+") as file:
        change(file)
    return rewrite_archive(path, {cnn.inference.model_io.WEIGHTS_FILE: weights_path.read_bytes()})


def test_refuses_a_weight_of_the_wrong_shape_naming_the_layer(saved, tmp_path):
    def smaller_kernel(file):  # SMALL's first conv has a 5x5 kernel: make it 3x3
        assert file["layers/conv2d/vars/0"].shape == (5, 5, 1, 4)
        del file["layers/conv2d/vars/0"]
        file["layers/conv2d/vars"].create_dataset("0", data=np.zeros((3, 3, 1, 4), np.float32))

    data = _rewrite_weights(saved[1], tmp_path, smaller_kernel)
    error = assert_refused(data, "weights_shape", r"conv_1.*\(5, 5, 1, 4\).*\(3, 3, 1, 4\)")
    assert error.details["layer"] == "conv_1"
    assert "conv_1" in translate("model_error.weights_shape", "zh", **error.details)


def test_refuses_a_missing_weight_tensor(saved, tmp_path):
    def no_output_weights(file):
        for name in list(file["layers/dense_1/vars"]):
            del file[f"layers/dense_1/vars/{name}"]

    error = assert_refused(_rewrite_weights(saved[1], tmp_path, no_output_weights), "weights_shape")
    assert error.details["layer"] == "output" and error.details["found"] == "nothing"


# ---------------------------------------------------------------- refused: code


def test_refuses_a_lambda_layer_and_never_runs_its_code(tmp_path):
    marker = tmp_path / "lambda_ran.txt"

    # The Lambda's code writes the marker whenever it is called (also while building); the
    # path travels with it in the saved closure.
    def build():
        target = str(marker)
        return keras.Sequential(
            [
                keras.Input(shape=(28, 28, 1)),
                keras.layers.Lambda(lambda x: (open(target, "w").write("ran"), x)[1], name="spy"),
                keras.layers.Flatten(),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )

    model = build()
    assert marker.exists(), "the Lambda did not run while building: the test proves nothing"
    marker.unlink()
    path = tmp_path / "lambda.keras"
    model.save(path)
    marker.unlink(missing_ok=True)

    error = assert_refused(path, "unsafe_layer", "Lambda layer.*arbitrary code")
    assert error.details["layer"] == "Lambda"
    assert not marker.exists(), "the Lambda's code ran while loading"
    assert_refused(path.read_bytes(), "unsafe_layer", "Lambda")
    assert not marker.exists()

    # Control: loading the same file unsafely does run the code, so the check above is real.
    keras.saving.load_model(path, compile=False, safe_mode=False)
    assert marker.exists()


@keras.saving.register_keras_serializable(package="cnn_lab_tests")
class Doubler(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2


def test_refuses_a_custom_registered_layer(tmp_path):
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            Doubler(name="doubler"),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    path = tmp_path / "custom.keras"
    model.save(path)
    error = assert_refused(path, "custom_class", "Doubler.*refused")
    assert "built-in Keras" in str(error) or "custom class" in str(error)


def test_refuses_an_unknown_layer_claiming_to_be_keras(saved):
    """A config that names a class Keras does not have, in Keras' own module."""
    _, path = saved
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    config["config"]["layers"][1]["class_name"] = "NotAKerasLayer"
    data = rewrite_archive(path, {"config.json": json.dumps(config)})
    error = assert_refused(data, "unsupported", "NotAKerasLayer")
    assert "NotAKerasLayer" in translate("model_error.unsupported", "zh", **error.details)


# ---------------------------------------------------------------- refused: the engine cannot run


@pytest.mark.parametrize(
    ("build", "named"),
    [
        (
            lambda: keras.Sequential(
                [
                    keras.Input(shape=(28, 28, 1)),
                    keras.layers.Conv2D(4, 3),
                    keras.layers.GlobalAveragePooling2D(),
                    keras.layers.Dense(10, activation="softmax"),
                ]
            ),
            ("a GlobalAveragePooling2D layer", "GlobalAveragePooling2D"),
        ),
        (
            lambda: keras.Sequential(
                [
                    keras.Input(shape=(28, 28, 1)),
                    keras.layers.Conv2D(4, 3, strides=2),
                    keras.layers.Flatten(),
                    keras.layers.Dense(10, activation="softmax"),
                ]
            ),
            ("Conv2D with strides=(2, 2)", "Conv2D strides=(2, 2)"),
        ),
        (
            lambda: keras.Sequential(
                [
                    keras.Input(shape=(28, 28, 1)),
                    keras.layers.Flatten(),
                    keras.layers.Dense(10, activation="gelu"),
                ]
            ),
            ("Dense with activation='gelu'", "Dense activation='gelu'"),
        ),
        (skip_connection, ("Add layer", "Add")),
        (two_heads, ("not a simple chain", "Functional layer graph")),
    ],
    ids=["global-average-pooling", "conv-strides-2", "gelu", "skip-connection", "two-heads"],
)
def test_refuses_what_keras_runs_but_the_engine_does_not(tmp_path, build, named):
    model = build()
    error = assert_refused(_save(model, tmp_path / "model.keras"), "unsupported", "cannot run")
    in_message, in_details = named
    assert in_message in str(error)
    assert in_details in error.details["layer"]
    assert in_details in translate("model_error.unsupported", "zh", **error.details)


# ---------------------------------------------------------------- refused: not MNIST-shaped


def _save(model, path: Path) -> Path:
    model.save(path)
    return path


def test_refuses_a_wrong_input_shape(tmp_path):
    model = keras.Sequential(
        [
            keras.Input(shape=(32, 32, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    path = _save(model, tmp_path / "big.keras")
    assert_refused(path, "input_shape", r"input of shape \(32, 32, 1\).*\(28, 28, 1\)")


def test_refuses_a_wrong_number_of_classes(tmp_path):
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(5, activation="softmax"),
        ]
    )
    assert_refused(
        _save(model, tmp_path / "five.keras"), "output_shape", r"outputs shape \(5,\).*10"
    )


def test_refuses_a_file_above_the_size_limit(saved, monkeypatch):
    _, path = saved
    monkeypatch.setattr(cnn.inference.model_io, "MAX_MODEL_BYTES", 1000)
    for source in (path, path.read_bytes(), NamedBytes(path.read_bytes(), "m.keras")):
        assert_refused(source, "too_large", "the limit is")


def test_refuses_an_archive_that_unpacks_too_large(saved, monkeypatch):
    _, path = saved
    monkeypatch.setitem(
        cnn.inference.model_archive.MEMBER_LIMITS, cnn.inference.model_io.WEIGHTS_FILE, 1000
    )
    error = assert_refused(path, "member_too_large", "unpacks to more than")
    assert error.details["name"] == cnn.inference.model_io.WEIGHTS_FILE


# ---------------------------------------------------------------- the shipped model


def test_load_default_model_is_loaded_once(default_model, sample):
    assert isinstance(default_model, NumpyModel)
    assert cnn.load_default_model() is default_model
    assert tuple(default_model.input_shape) == (None, 28, 28, 1)
    assert tuple(default_model.output_shape) == (None, 10)
    assert default_model.count_params() == 242_062
    # Shared by every session of the server: nothing can change its weights.
    assert [layer.name for layer in default_model.layers][:2] == ["conv_1", "pool_1"]
    kernel = default_model.layers[0].weights[0]
    assert kernel.flags.writeable is False
    assert all(not w.flags.writeable for layer in default_model.layers for w in layer.weights)
    with pytest.raises(ValueError, match="read-only"):
        kernel[0, 0, 0, 0] = 0.0
    # And it is a trained model: it reads sample digits.
    probabilities = cnn.predict_probabilities(default_model, sample.x_test[:200])
    assert (probabilities.argmax(axis=1) == sample.y_test[:200]).mean() > 0.95


def test_load_default_model_explains_a_missing_file(monkeypatch, tmp_path):
    monkeypatch.setattr(cnn.inference.model_io, "DEFAULT_MODEL_PATH", tmp_path / "none.keras")
    cnn.inference.model_io.load_default_model.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match="python -m cnn train"):
            cnn.inference.model_io.load_default_model()
    finally:
        cnn.inference.model_io.load_default_model.cache_clear()


def test_every_refusal_reason_has_a_translated_message():
    """The UI shows refusals in the user's language through `reason` and `details`."""
    import re

    from ui.i18n import TEXT, translate

    folder = Path(__file__).resolve().parents[2] / "cnn" / "inference"
    source = "".join(
        (folder / f"{name}.py").read_text()
        for name in ("model_io", "model_archive", "model_weights")
    )
    found = set(re.findall(r'^\s*"([a-z0-9_]+)",\s*$', source, re.M))
    found |= set(re.findall(r'_weights_error\(\s*"([a-z0-9_]+)"', source))
    reasons = found - {"invalid"} - cnn.inference.model_io._SAFE_MODULES
    assert {"hdf5", "unsafe_layer", "not_zip", "input_shape"} <= reasons
    new = {"unsupported", "weights_missing", "weights_damaged", "weights_shape"}
    assert new <= reasons
    hostile = {"weights_external_storage", "member_size_mismatch", "json_too_deep"}
    assert hostile <= reasons
    for reason in reasons:
        assert f"model_error.{reason}" in TEXT, reason
    error = cnn.ModelFileError("x", "unsafe_layer", layer="Lambda")
    assert error.reason == "unsafe_layer" and "Lambda" in translate(
        "model_error.unsafe_layer", "zh", **error.details
    )
