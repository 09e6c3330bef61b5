"""Loading models safely: what is accepted, what is refused and why, and that refused code
never runs."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest

import cnn
import cnn.model_io
from cnn.model_io import ModelFileError, inspect_model_archive, load_model_file

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
    np.testing.assert_allclose(
        loaded.predict(probe, verbose=0), original.predict(probe, verbose=0), rtol=1e-5, atol=1e-7
    )


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


def test_a_bfloat16_model_round_trips_with_its_precision(probe):
    # The Training page trains in bfloat16 on CPUs that have it: its download must load back.
    model = cnn.build_model(cnn.ModelConfig(filters=(4,), dense_units=8), mixed_precision=True)
    loaded = load_model_file(cnn.save_model_bytes(model))
    assert loaded.layers[0].dtype_policy.name == "mixed_bfloat16"
    assert loaded.layers[-1].dtype_policy.name == "float32"
    assert_same_predictions(loaded, model, probe)


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
    with pytest.raises(ModelFileError, match="not a .keras model.*zip"):
        load_model_file(b"just some text, not a model")


def test_refuses_a_keras_path_that_is_not_a_zip(tmp_path):
    path = tmp_path / "fake.keras"
    path.write_bytes(b"\x00" * 100)
    with pytest.raises(ModelFileError, match="zip archive"):
        load_model_file(path)


def test_refuses_a_zip_that_is_not_a_keras_archive():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(ModelFileError, match="not a Keras model archive"):
        load_model_file(buffer.getvalue())


def test_refuses_a_damaged_config():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("config.json", "{not json")
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(ModelFileError, match="damaged"):
        load_model_file(buffer.getvalue())


def test_refuses_a_config_that_is_not_a_model():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("config.json", json.dumps([1, 2, 3]))
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(ModelFileError, match="not a Keras model config"):
        load_model_file(buffer.getvalue())


def test_refuses_broken_weights(saved):
    """A config that passes the checks but weights Keras cannot read."""
    _, path = saved
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            data = source.read(name)
            archive.writestr(name, b"garbage" if name.startswith("model.weights") else data)
    with pytest.raises(ModelFileError, match="Keras could not load"):
        load_model_file(buffer.getvalue())


def test_refuses_a_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model_file(tmp_path / "missing.keras")


@pytest.mark.parametrize("name", ["model.h5", "MODEL.HDF5"])
def test_refuses_an_h5_path(tmp_path, saved, name):
    path = tmp_path / name
    path.write_bytes(saved[1].read_bytes())  # whatever is inside, the format is refused
    with pytest.raises(ModelFileError, match=r"legacy HDF5 \(\.h5\).*model\.keras"):
        load_model_file(path)


def test_refuses_an_upload_named_h5(saved):
    with pytest.raises(ModelFileError, match="HDF5"):
        load_model_file(NamedBytes(saved[1].read_bytes(), "model.h5"))


def test_refuses_an_upload_with_another_extension(saved):
    with pytest.raises(ModelFileError, match="not a .keras model file"):
        load_model_file(NamedBytes(saved[1].read_bytes(), "model.pkl"))


def test_refuses_hdf5_bytes(tmp_path):
    path = tmp_path / "weights.h5"
    with h5py.File(path, "w") as file:
        file.create_dataset("kernel", data=np.zeros((3, 3)))
    with pytest.raises(ModelFileError, match=r"HDF5 \(\.h5\)"):
        load_model_file(path.read_bytes())


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

    with pytest.raises(ModelFileError, match="Lambda layer.*arbitrary code") as error:
        load_model_file(path)
    assert isinstance(error.value, ValueError)
    assert not marker.exists(), "the Lambda's code ran while loading"
    with pytest.raises(ModelFileError, match="Lambda"):
        load_model_file(path.read_bytes())
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
    with pytest.raises(ModelFileError, match="Doubler.*refused") as error:
        load_model_file(path)
    assert "built-in Keras" in str(error.value) or "custom class" in str(error.value)


def test_refuses_an_unknown_layer_claiming_to_be_keras(saved):
    """A config that names a class Keras does not have, in Keras' own module."""
    _, path = saved
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    config["config"]["layers"][1]["class_name"] = "NotAKerasLayer"
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            data = json.dumps(config) if name == "config.json" else source.read(name)
            archive.writestr(name, data)
    with pytest.raises(ModelFileError, match="NotAKerasLayer"):
        load_model_file(buffer.getvalue())


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
    with pytest.raises(ModelFileError, match=r"input of shape \(32, 32, 1\).*\(28, 28, 1\)"):
        load_model_file(_save(model, tmp_path / "big.keras"))


def test_refuses_a_wrong_number_of_classes(tmp_path):
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(5, activation="softmax"),
        ]
    )
    with pytest.raises(ModelFileError, match=r"outputs shape \(5,\).*10"):
        load_model_file(_save(model, tmp_path / "five.keras"))


def test_refuses_a_file_above_the_size_limit(saved, monkeypatch):
    _, path = saved
    monkeypatch.setattr(cnn.model_io, "MAX_MODEL_BYTES", 1000)
    for source in (path, path.read_bytes(), NamedBytes(path.read_bytes(), "m.keras")):
        with pytest.raises(ModelFileError, match="the limit is"):
            load_model_file(source)


def test_refuses_an_archive_that_unpacks_too_large(saved, monkeypatch):
    _, path = saved
    monkeypatch.setattr(cnn.model_io, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(ModelFileError, match="unpacks to"):
        load_model_file(path)


# ---------------------------------------------------------------- the shipped model


def test_load_default_model_is_loaded_once(default_model, sample):
    assert cnn.load_default_model() is default_model
    assert tuple(default_model.input_shape) == (None, 28, 28, 1)
    assert tuple(default_model.output_shape) == (None, 10)
    assert default_model.count_params() == 242_062
    assert not default_model.trainable
    # And it is a trained model: it reads sample digits.
    probabilities = cnn.predict_probabilities(default_model, sample.x_test[:200])
    assert (probabilities.argmax(axis=1) == sample.y_test[:200]).mean() > 0.95


def test_load_default_model_explains_a_missing_file(monkeypatch, tmp_path):
    monkeypatch.setattr(cnn.model_io, "DEFAULT_MODEL_PATH", tmp_path / "none.keras")
    cnn.model_io.load_default_model.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match="python -m cnn train"):
            cnn.model_io.load_default_model()
    finally:
        cnn.model_io.load_default_model.cache_clear()


def test_every_refusal_reason_has_a_translated_message():
    """The UI shows refusals in the user's language through `reason` and `details`."""
    import re

    from ui.i18n import TEXT, translate

    source = (Path(__file__).resolve().parents[1] / "cnn" / "model_io.py").read_text()
    found = set(re.findall(r'^\s*"([a-z0-9_]+)",\s*$', source, re.M))
    reasons = found - {"invalid"} - cnn.model_io._SAFE_MODULES
    assert {"hdf5", "unsafe_layer", "not_zip", "input_shape"} <= reasons
    for reason in reasons:
        assert f"model_error.{reason}" in TEXT, reason
    error = cnn.ModelFileError("x", "unsafe_layer", layer="Lambda")
    assert error.reason == "unsafe_layer" and "Lambda" in translate(
        "model_error.unsafe_layer", "zh", **error.details
    )
