"""Loading MNIST: the file checks, the order of sources and the offline sample."""

from __future__ import annotations

import hashlib
import io
import time
import urllib.error
import urllib.request
import zipfile

import numpy as np
import pytest

import cnn
import cnn.data
from cnn.data import DataError, Dataset, DownloadError, keras_cache_path, load_mnist_file

# ---------------------------------------------------------------- to_4d_float, one_hot


def test_to_4d_float_scales_uint8_to_unit_range():
    images = np.zeros((3, 28, 28), np.uint8)
    images[0, 0, 0] = 255
    images[1, 5, 7] = 51
    x = cnn.to_4d_float(images)
    assert x.shape == (3, 28, 28, 1)
    assert x.dtype == np.float32
    assert x[0, 0, 0, 0] == 1.0
    assert x[1, 5, 7, 0] == pytest.approx(0.2)
    assert x.min() == 0.0 and x.max() == 1.0


def test_to_4d_float_accepts_one_image_and_4d_and_clips_floats(sample):
    one = cnn.to_4d_float(sample.x_train[0])
    assert one.shape == (1, 28, 28, 1)
    four = cnn.to_4d_float(sample.x_train[:2, ..., None])
    np.testing.assert_array_equal(four, cnn.to_4d_float(sample.x_train[:2]))
    floats = np.full((1, 28, 28), 2.0, np.float64)
    floats[0, 0, 0] = -1.0
    clipped = cnn.to_4d_float(floats)
    assert clipped.dtype == np.float32
    assert clipped.min() == 0.0 and clipped.max() == 1.0


@pytest.mark.parametrize("shape", [(5, 28, 27), (28,), (2, 3, 28, 28), (4, 28, 28, 3)])
def test_to_4d_float_rejects_other_shapes(shape):
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        cnn.to_4d_float(np.zeros(shape, np.uint8))


def test_one_hot():
    encoded = cnn.one_hot(np.array([3, 0, 9], np.uint8))
    assert encoded.shape == (3, 10)
    assert encoded.dtype == np.float32
    np.testing.assert_array_equal(encoded.argmax(axis=1), [3, 0, 9])
    np.testing.assert_array_equal(encoded.sum(axis=1), [1, 1, 1])
    assert cnn.one_hot(np.array([], np.int64)).shape == (0, 10)


@pytest.mark.parametrize(
    ("labels", "match"),
    [
        (np.zeros((2, 2), np.int64), r"shape \(N,\)"),
        (np.array([0, 10]), "from 0 to 9"),
        (np.array([-1, 3]), "from 0 to 9"),
    ],
)
def test_one_hot_rejects_bad_labels(labels, match):
    with pytest.raises(ValueError, match=match):
        cnn.one_hot(labels)


# ---------------------------------------------------------------- load_mnist_file


def test_load_mnist_file_reads_a_valid_file(tmp_path, write_mnist_npz, sample):
    path = write_mnist_npz(tmp_path / "mnist.npz", train=50, test=20)
    data = load_mnist_file(path)
    assert not data.is_sample
    assert data.source == "MNIST, 50 train / 20 test"
    np.testing.assert_array_equal(data.x_train, sample.x_train[:50])
    np.testing.assert_array_equal(data.y_test, sample.y_test[:20])
    assert data.y_train.dtype == np.uint8


def test_load_mnist_file_accepts_int64_labels(tmp_path, write_mnist_npz, sample):
    path = write_mnist_npz(tmp_path / "m.npz", y_train=sample.y_train[:50].astype(np.int64))
    data = load_mnist_file(path)
    assert data.y_train.dtype == np.uint8
    np.testing.assert_array_equal(data.y_train, sample.y_train[:50])


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.npz"
    with pytest.raises(DataError, match="does not exist") as error:
        load_mnist_file(path)
    assert str(path) in str(error.value)


def test_directory(tmp_path):
    with pytest.raises(DataError, match="folder") as error:
        load_mnist_file(tmp_path)
    assert str(tmp_path) in str(error.value)


def test_not_an_npz(tmp_path):
    path = tmp_path / "garbage.npz"
    path.write_bytes(b"this is not an npz archive at all \x00\x01\x02" * 10)
    with pytest.raises(DataError, match="not a readable .npz") as error:
        load_mnist_file(path)
    assert str(path) in str(error.value)


def test_missing_keys(tmp_path):
    path = tmp_path / "partial.npz"
    with open(path, "wb") as file:
        np.savez(file, x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.uint8))
    with pytest.raises(DataError, match="lacks x_test, y_test") as error:
        load_mnist_file(path)
    assert str(path) in str(error.value)
    assert "x_train, y_train" in str(error.value)  # what it has


@pytest.mark.parametrize(
    ("arrays", "match"),
    [
        ({"x_train": np.zeros((50, 28, 27), np.uint8)}, r"x_train has shape \(50, 28, 27\)"),
        ({"x_test": np.zeros((20, 784), np.uint8)}, r"x_test has shape \(20, 784\)"),
        ({"x_train": np.zeros((50, 28, 28), np.float32)}, "x_train has dtype float32"),
        ({"y_train": np.full(50, 10, np.uint8)}, "y_train has labels outside 0-9"),
        ({"y_test": np.full(20, -1, np.int64)}, "y_test has labels outside 0-9"),
        ({"y_train": np.zeros(49, np.uint8)}, r"y_train has shape \(49,\).*one label per image"),
        ({"y_test": np.zeros((20, 1), np.uint8)}, r"y_test has shape \(20, 1\)"),
        ({"y_train": np.zeros(50, np.float32)}, "y_train has dtype float32, expected integers"),
    ],
    ids=[
        "train-shape",
        "test-flat",
        "float-images",
        "label-10",
        "label-negative",
        "length-mismatch",
        "labels-2d",
        "float-labels",
    ],
)
def test_malformed_contents(tmp_path, write_mnist_npz, arrays, match):
    path = write_mnist_npz(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError, match=match) as error:
        load_mnist_file(path)
    assert str(path) in str(error.value)


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


# ---------------------------------------------------------------- load_mnist: the sources


def test_load_mnist_with_a_path(tmp_path, write_mnist_npz):
    path = write_mnist_npz(tmp_path / "given.npz", train=30, test=10)
    data = cnn.load_mnist(path)
    assert data.source == "MNIST, 30 train / 10 test"
    assert not data.is_sample


def test_load_mnist_reads_mnist_path(tmp_path, write_mnist_npz, monkeypatch):
    path = write_mnist_npz(tmp_path / "env.npz", train=40, test=15)
    monkeypatch.setenv("MNIST_PATH", str(path))
    data = cnn.load_mnist()
    assert data.source == "MNIST, 40 train / 15 test"


def test_an_explicit_path_wins_over_mnist_path(tmp_path, write_mnist_npz, monkeypatch):
    monkeypatch.setenv("MNIST_PATH", str(write_mnist_npz(tmp_path / "env.npz", train=40)))
    assert len(cnn.load_mnist(write_mnist_npz(tmp_path / "arg.npz", train=30)).x_train) == 30


@pytest.mark.parametrize("problem", ["missing", "garbage"])
def test_a_bad_mnist_path_raises_and_never_falls_back(tmp_path, monkeypatch, problem):
    path = tmp_path / "bad.npz"
    if problem == "garbage":
        path.write_bytes(b"not a zip")

    def must_not_download(*args, **kwargs):
        raise AssertionError("load_mnist fell back to downloading")

    monkeypatch.setattr(cnn.data, "download_mnist", must_not_download)
    monkeypatch.setattr(cnn.data, "load_sample", must_not_download)
    monkeypatch.setenv("MNIST_PATH", str(path))
    with pytest.raises(DataError, match="MNIST_PATH") as error:
        cnn.load_mnist()
    assert str(path) in str(error.value)


def _fail_download(*args, **kwargs):
    raise DownloadError("no network in this test")


def test_falls_back_to_the_sample_when_the_download_fails(monkeypatch, offline_environment):
    monkeypatch.setattr(cnn.data, "download_mnist", _fail_download)
    assert not keras_cache_path().exists()
    start = time.perf_counter()
    data = cnn.load_mnist()
    assert time.perf_counter() - start < 15
    assert data.is_sample
    assert "sample" in data.source
    assert data.x_train.shape == (4000, 28, 28)
    assert data.x_test.shape == (1000, 28, 28)
    assert data.x_train.dtype == np.uint8 and data.x_test.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(data.y_train, minlength=10), [400] * 10)
    np.testing.assert_array_equal(np.bincount(data.y_test, minlength=10), [100] * 10)


def test_download_false_goes_straight_to_the_sample(monkeypatch):
    def must_not_download(*args, **kwargs):
        raise AssertionError("download=False downloaded")

    monkeypatch.setattr(cnn.data, "download_mnist", must_not_download)
    assert cnn.load_mnist(download=False).is_sample


def test_the_keras_cache_is_used_when_present(monkeypatch, offline_environment, write_mnist_npz):
    cached = write_mnist_npz(offline_environment / "datasets" / "mnist.npz", train=25, test=5)
    assert keras_cache_path() == cached

    def must_not_download(*args, **kwargs):
        raise AssertionError("downloaded although the cache was there")

    monkeypatch.setattr(cnn.data, "download_mnist", must_not_download)
    data = cnn.load_mnist()
    assert not data.is_sample
    assert data.source == "MNIST, 25 train / 5 test"


def test_a_broken_cache_is_downloaded_again(monkeypatch, offline_environment, write_mnist_npz):
    cached = offline_environment / "datasets" / "mnist.npz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"broken")
    good = write_mnist_npz(offline_environment / "fresh.npz", train=12, test=3)
    calls = []

    def fake_download(*args, **kwargs):
        calls.append(1)
        return good

    monkeypatch.setattr(cnn.data, "download_mnist", fake_download)
    assert cnn.load_mnist().source == "MNIST, 12 train / 3 test"
    assert calls == [1]


def test_keras_cache_path_follows_keras_home(offline_environment):
    assert keras_cache_path() == offline_environment / "datasets" / "mnist.npz"


# ---------------------------------------------------------------- download_mnist


def test_download_gives_up_near_its_timeout(monkeypatch):
    def hang(*args, **kwargs):
        time.sleep(5)  # a network that never answers
        raise urllib.error.URLError("hung")

    monkeypatch.setattr(urllib.request, "urlopen", hang)
    start = time.perf_counter()
    with pytest.raises(DownloadError, match="no answer within 0.5 s"):
        cnn.download_mnist(timeout_s=0.5)
    elapsed = time.perf_counter() - start
    assert 0.4 < elapsed < 2.0
    assert not keras_cache_path().exists()


def test_download_reports_a_network_error(monkeypatch):
    def refuse(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    with pytest.raises(DownloadError, match="Name or service not known.*MNIST_PATH"):
        cnn.download_mnist(timeout_s=0.5)


class _FakeResponse(io.BytesIO):
    def __init__(self, payload: bytes):
        super().__init__(payload)
        self.headers = {"Content-Length": str(len(payload))}


def test_download_checks_the_checksum(monkeypatch):
    monkeypatch.setattr(
        urllib.request, "urlopen", lambda *args, **kwargs: _FakeResponse(b"x" * 200_000)
    )
    with pytest.raises(DownloadError, match="checksum"):
        cnn.download_mnist(timeout_s=0.5)
    target = keras_cache_path()
    assert not target.exists()
    assert not target.with_suffix(".part").exists()


def test_download_writes_the_cache_and_reports_progress(monkeypatch, write_mnist_npz, tmp_path):
    payload = write_mnist_npz(tmp_path / "payload.npz", train=10, test=4).read_bytes()
    monkeypatch.setattr(urllib.request, "urlopen", lambda *args, **kwargs: _FakeResponse(payload))
    monkeypatch.setattr(cnn.data, "KERAS_MNIST_SHA256", hashlib.sha256(payload).hexdigest())
    seen = []
    path = cnn.download_mnist(
        timeout_s=0.5, progress=lambda done, total: seen.append((done, total))
    )
    assert path == keras_cache_path()
    assert path.read_bytes() == payload
    assert seen[-1] == (len(payload), len(payload))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    # A good cached file is not downloaded again.
    monkeypatch.setattr(urllib.request, "urlopen", _fail_download)
    assert cnn.download_mnist(timeout_s=0.5) == path


# ---------------------------------------------------------------- the sample and subsets


def test_sample_is_the_same_every_time(sample):
    again = cnn.load_sample()
    np.testing.assert_array_equal(again.x_train, sample.x_train)
    np.testing.assert_array_equal(again.y_test, sample.y_test)
    assert again.source == "MNIST sample (offline), 4,000 train / 1,000 test"
    # Real digits: ink on a black background, labels 0-9.
    assert sample.x_train.max() == 255
    assert sample.x_train[:, 0, :].max() == 0


def test_subset(sample):
    part = sample.subset(30, 10, seed=1)
    assert isinstance(part, Dataset)
    assert part.x_train.shape == (30, 28, 28) and part.y_train.shape == (30,)
    assert part.x_test.shape == (10, 28, 28) and part.y_test.shape == (10,)
    assert part.is_sample
    assert "subset: 30 train / 10 test" in part.source
    # Every picked image is one of the originals with its own label.
    flat = sample.x_train.reshape(len(sample.x_train), -1)
    for image, label in zip(part.x_train, part.y_train, strict=True):
        matches = np.flatnonzero((flat == image.reshape(-1)).all(axis=1))
        assert len(matches) >= 1
        assert label in sample.y_train[matches]
    # Reproducible, and another seed picks others.
    again = sample.subset(30, 10, seed=1)
    np.testing.assert_array_equal(again.x_train, part.x_train)
    other = sample.subset(30, 10, seed=2)
    assert not np.array_equal(other.x_train, part.x_train)


def test_subset_larger_than_the_data_keeps_everything(tmp_path, write_mnist_npz):
    data = load_mnist_file(write_mnist_npz(tmp_path / "m.npz", train=8, test=4))
    part = data.subset(100, 100)
    assert len(part.x_train) == 8 and len(part.x_test) == 4


def test_load_mnist_file_error_names_a_zip_without_arrays(tmp_path):
    path = tmp_path / "empty.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(DataError, match="lacks x_train, y_train, x_test, y_test"):
        load_mnist_file(path)
