"""A visitor's `.keras` file can never reach into the server: each attack, built from the
shipped model with a made-up secret in a temporary folder, is refused with its own reason,
gives back no byte of the secret, opens no file outside the archive, and is explained in
both languages. A model Keras saved still loads exactly."""

from __future__ import annotations

import io
import json
import zipfile

import hostile_models
import numpy as np
import pytest
from file_watch import watch_opens

import cnn
from cnn.inference import model_archive, model_weights
from cnn.inference.model_io import DEFAULT_MODEL_PATH, ModelFileError, load_model_file
from ui.i18n import translate

SECRET = b'[class_board]\nteacher_password = "made-up-Secret-4711"\n'
SECRET_MARK = b"made-up-Secret-4711"
ATTACK_NAMES = [
    "external_storage", "virtual_dataset", "external_link", "soft_link", "hard_link_loop",
    "gzip_filter", "chunked", "string_dtype", "reference_dtype", "integer_weights",
    "huge_declared", "lying_zip_bomb", "honest_zip_bomb", "absolute_name", "climbing_name",
    "duplicate_name", "unexpected_name", "many_members", "encrypted", "bzip2", "deep_json",
    "moderately_deep_json", "many_layers",
]  # fmt: skip


@pytest.fixture(scope="module")
def shipped_bytes() -> bytes:
    return DEFAULT_MODEL_PATH.read_bytes()


@pytest.fixture(scope="module")
def secret_folder(tmp_path_factory):
    """A folder with a secrets file as long as the first kernel's bytes (so external storage
    could fill the kernel with it), like `.streamlit/secrets.toml` on a server."""
    folder = tmp_path_factory.mktemp("server")
    size = hostile_models.kernel_bytes(DEFAULT_MODEL_PATH.read_bytes())
    (folder / "secrets.toml").write_bytes((SECRET * (size // len(SECRET) + 1))[:size])
    return folder


@pytest.fixture(scope="module")
def attacks(shipped_bytes, secret_folder):
    return hostile_models.attacks(shipped_bytes, secret_folder / "secrets.toml")


def _everything_returned(error: ModelFileError) -> bytes:
    texts = [str(error), repr(error.details), repr(error.args)]
    for language in ("en", "zh"):
        texts.append(translate(f"model_error.{error.reason}", language, **error.details))
    return "\n".join(texts).encode("utf-8", "replace")


def test_the_watch_sees_a_file_opened_by_c_code(secret_folder):
    """The check below can fail: HDF5 (C code) opening the secret is seen."""
    import h5py

    path = secret_folder / "probe.h5"
    with h5py.File(path, "w") as file:
        file["x"] = [1.0]
    with watch_opens(secret_folder) as opened, h5py.File(path, "r") as file:
        file["x"][()]
    assert "probe.h5" in opened.names


def test_the_external_storage_attack_is_real(shipped_bytes, secret_folder, attacks):
    """Read as plain h5py would (what the app did before), the file gives the secret back."""
    import h5py

    weights = hostile_models.members_of(attacks["external_storage"][0])["model.weights.h5"]
    with h5py.File(io.BytesIO(weights), "r") as file:
        leaked = file[hostile_models.TARGET][()].tobytes()
    assert SECRET_MARK in leaked


@pytest.mark.parametrize("name", ATTACK_NAMES)
def test_each_attack_is_refused_with_its_reason_and_touches_nothing(name, attacks, secret_folder):
    data, reason = attacks[name]
    with watch_opens(secret_folder) as opened, pytest.raises(ModelFileError) as caught:
        load_model_file(data)
    error = caught.value
    assert error.reason == reason, str(error)
    assert opened.names == set(), f"the reader opened {opened.names}"
    returned = _everything_returned(error)
    assert SECRET_MARK not in returned and b"teacher_password" not in returned
    english = translate(f"model_error.{reason}", "en", **error.details)
    chinese = translate(f"model_error.{reason}", "zh", **error.details)
    assert english and chinese and english != chinese
    assert not any("\u4e00" <= c <= "\u9fff" for c in english)
    assert any("\u4e00" <= c <= "\u9fff" for c in chinese)


def test_the_attack_list_covers_every_builder(attacks):
    assert sorted(attacks) == sorted(ATTACK_NAMES)
    assert {reason for _data, reason in attacks.values()} >= {
        "weights_external_storage", "weights_virtual", "weights_external_link",
        "member_size_mismatch", "json_too_deep",
    }  # fmt: skip


def test_external_storage_by_a_relative_path_is_refused_too(
    shipped_bytes, secret_folder, monkeypatch
):
    """`.streamlit/secrets.toml` is relative to the server's folder: the same refusal."""
    monkeypatch.chdir(secret_folder)
    data = hostile_models.external_storage(shipped_bytes, type(secret_folder)("secrets.toml"))
    with watch_opens(secret_folder) as opened, pytest.raises(ModelFileError) as caught:
        load_model_file(data)
    assert caught.value.reason == "weights_external_storage"
    assert opened.names == set()


def test_the_weights_reader_alone_refuses_before_reading(attacks):
    """`model_weights.read_weights` without a shape check refuses just the same."""
    data, _ = attacks["external_storage"]
    weights = hostile_models.members_of(data)["model.weights.h5"]
    with pytest.raises(ModelFileError) as caught:
        model_weights.read_weights(weights)
    assert caught.value.reason == "weights_external_storage"


def test_a_zip_bomb_is_stopped_at_the_declared_size_not_inflated(attacks):
    """The lying bomb inflates to 600 MB: refusing it holds at most ~a chunk past 1,000."""
    data, _ = attacks["lying_zip_bomb"]
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("model.weights.h5")
    assert info.file_size == 1000 and info.compress_size > 500_000
    with pytest.raises(ModelFileError) as caught:
        model_archive._inflate(data, info, model_archive.MAX_WEIGHTS_BYTES)
    assert caught.value.reason == "member_size_mismatch"


def test_a_member_passing_its_own_limit_is_refused_while_inflating(shipped_bytes, monkeypatch):
    """Honest headers within limits, but a config past its own limit: refused as counted."""
    monkeypatch.setitem(model_archive.MEMBER_LIMITS, "config.json", 1000)
    with pytest.raises(ModelFileError) as caught:
        load_model_file(shipped_bytes)
    assert caught.value.reason == "member_too_large"
    assert caught.value.details["name"] == "config.json"


def test_json_depth_limit_sits_above_every_real_config(shipped_bytes):
    config = json.loads(hostile_models.members_of(shipped_bytes)["config.json"])
    assert model_archive.json_depth(config) < model_archive.MAX_JSON_DEPTH // 4
    assert model_archive.json_depth([[[1]]]) == 3 and model_archive.json_depth(5) == 0
    just_in = "[" * model_archive.MAX_JSON_DEPTH + "]" * model_archive.MAX_JSON_DEPTH
    with pytest.raises(ModelFileError, match="not a Keras model config"):
        model_archive.parse_config(just_in.encode())  # deep enough, but no model: damaged
    one_more = "[" + just_in + "]"
    with pytest.raises(ModelFileError) as caught:
        model_archive.parse_config(one_more.encode())
    assert caught.value.reason == "json_too_deep"


def test_a_name_shown_in_a_message_is_short_and_printable():
    shown = model_archive.shown_name("x\x00\x1b[31m" + "a" * 500)
    assert len(shown) <= 60 and shown.isprintable()


def test_the_weights_budget_comes_from_the_largest_network_and_the_upload_limit():
    largest = model_archive.largest_network_params()
    widest = cnn.ModelConfig(filters=(256,), kernel_size=9, dense_units=2048)
    assert largest == cnn.count_params(widest) == 102_803_978
    assert (
        min(model_archive.MAX_MODEL_BYTES, 12 * largest + 1024 * 1024)
        == model_archive.MAX_WEIGHTS_BYTES
    )


def test_a_keras_file_that_is_deflated_loads_as_stored(shipped_bytes, sample):
    """Keras writes members stored; a re-zipped (deflated) file is read the same way."""
    members = hostile_models.members_of(shipped_bytes)
    deflated = hostile_models.write_zip(list(members.items()), compress=True)
    probe = cnn.to_4d_float(sample.x_test[:8])
    np.testing.assert_array_equal(
        load_model_file(deflated).predict(probe), load_model_file(shipped_bytes).predict(probe)
    )
