"""Hostile `.keras` files, built from a real one: the project's own version of each attack
on the model reader (tests/cnn/test_hostile_models.py, benchmarks/bench_hostile_models.py).

Each builder takes the bytes of a good `.keras` archive and returns the bytes of a bad one;
those that reach for a file of the server take its path (the test writes a made-up secret).
No Keras here: h5py and a small zip writer of our own, which can lie in headers as
`zipfile` would not.
"""

from __future__ import annotations

import io
import json
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np

CONFIG = "config.json"
WEIGHTS = "model.weights.h5"
TARGET = "layers/conv2d/vars/0"  # the first conv kernel: drawn on the Architecture page


def members_of(archive_bytes: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive_bytes)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_zip(members: list[tuple[str, bytes]], compress: bool = False) -> bytes:
    """A plain zip of `(name, bytes)` pairs in order (names may repeat), like Keras'."""
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", method) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": meant, for one attack
        for name, content in members:
            info = zipfile.ZipInfo(name, (2026, 12, 5, 0, 0, 0))
            info.compress_type = method
            archive.writestr(info, content)
    return buffer.getvalue()


def raw_zip(entries: list[dict]) -> bytes:
    """A zip written by hand. Each entry: name, data (what is stored: compressed already if
    method is 8), method (0 or 8), size and crc (what the headers declare), flags."""
    out = bytearray()
    directory = bytearray()
    for entry in entries:
        name = entry["name"].encode()
        fields = (
            20,
            entry.get("flags", 0),
            entry.get("method", 0),
            0,
            0x21,
            entry["crc"],
            len(entry["data"]),
            entry["size"],
            len(name),
            0,
        )
        offset = len(out)
        out += b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *fields) + name + entry["data"]
        directory += (
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + struct.pack("<HHHHHIIIHH", *fields)
            + struct.pack("<HHHII", 0, 0, 0, 0, offset)
            + name
        )
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(directory), len(out), 0)  # fmt: skip
    return bytes(out + directory + end)


def _rewrite_weights(archive_bytes: bytes, change: Callable[[h5py.File], None]) -> bytes:
    """The archive with its weights file changed by `change(file)`, written in memory."""
    members = members_of(archive_bytes)
    buffer = io.BytesIO(members[WEIGHTS])
    with h5py.File(buffer, "r+") as file:
        change(file)
    members[WEIGHTS] = buffer.getvalue()
    return write_zip(list(members.items()))


def _replace_target(file: h5py.File, **create) -> None:
    shape, dtype = file[TARGET].shape, file[TARGET].dtype
    del file[TARGET]
    file.create_dataset(TARGET, shape=shape, dtype=dtype, **create)


def kernel_shape(archive_bytes: bytes) -> tuple:
    with h5py.File(io.BytesIO(members_of(archive_bytes)[WEIGHTS]), "r") as file:
        return tuple(file[TARGET].shape)


def kernel_bytes(archive_bytes: bytes) -> int:
    """How many bytes the first conv kernel holds (what an attack can read through it)."""
    with h5py.File(io.BytesIO(members_of(archive_bytes)[WEIGHTS]), "r") as file:
        return int(file[TARGET].size * file[TARGET].dtype.itemsize)


# ------------------------------------------------------------------ reaching into the server


def external_storage(archive_bytes: bytes, secret: Path) -> bytes:
    """The first conv kernel's bytes stored in `secret` (HDF5 external storage)."""
    size = kernel_bytes(archive_bytes)
    return _rewrite_weights(
        archive_bytes, lambda file: _replace_target(file, external=[(str(secret), 0, size)])
    )


def secret_h5(secret: Path, shape: tuple = (5, 5, 1, 16)) -> Path:
    """An HDF5 file beside the secret holding its bytes as floats of `shape` (the course's
    first kernel): what a virtual dataset or an external link would point at."""
    path = secret.with_suffix(".h5")
    count = int(np.prod(shape))
    raw = secret.read_bytes().ljust(count * 4, b"\0")[: count * 4]
    with h5py.File(path, "w") as file:
        file["data"] = np.frombuffer(raw, np.float32).reshape(shape)
    return path


def virtual_dataset(archive_bytes: bytes, source: Path) -> bytes:
    """The first conv kernel as a virtual dataset mapped onto another HDF5 file."""

    def change(file):
        shape, dtype = file[TARGET].shape, file[TARGET].dtype
        layout = h5py.VirtualLayout(shape=shape, dtype=dtype)
        layout[...] = h5py.VirtualSource(str(source), "data", shape=shape)
        del file[TARGET]
        file.create_virtual_dataset(TARGET, layout)

    return _rewrite_weights(archive_bytes, change)


def external_link(archive_bytes: bytes, target: Path) -> bytes:
    """The first conv kernel as a link to a dataset of another HDF5 file."""

    def change(file):
        del file[TARGET]
        file[TARGET] = h5py.ExternalLink(str(target), "/data")

    return _rewrite_weights(archive_bytes, change)


def soft_link(archive_bytes: bytes) -> bytes:
    """The first conv kernel as a soft link (a path resolved when read)."""

    def change(file):
        file.move(TARGET, "layers/conv2d/vars/real")
        file[TARGET] = h5py.SoftLink("/layers/conv2d/vars/real")

    return _rewrite_weights(archive_bytes, change)


def hard_link_loop(archive_bytes: bytes) -> bytes:
    """A group linked inside itself: a walk that follows it never ends."""
    return _rewrite_weights(
        archive_bytes, lambda file: file["layers/conv2d"].__setitem__("loop", file["layers"])
    )


# ---------------------------------------------------------------- what Keras never writes


def compressed_kernel(archive_bytes: bytes) -> bytes:
    """The first conv kernel gzip-compressed (an HDF5 filter; plugins are loaded the same
    way, as shared libraries)."""

    def change(file):
        data = file[TARGET][()]
        del file[TARGET]
        file.create_dataset(TARGET, data=data, compression="gzip")

    return _rewrite_weights(archive_bytes, change)


def chunked_kernel(archive_bytes: bytes) -> bytes:
    def change(file):
        data = file[TARGET][()]
        del file[TARGET]
        file.create_dataset(TARGET, data=data, chunks=True)

    return _rewrite_weights(archive_bytes, change)


def string_kernel(archive_bytes: bytes) -> bytes:
    """The first conv kernel as variable-length strings (an object dtype)."""

    def change(file):
        del file[TARGET]
        file.create_dataset(TARGET, data=["a", "b"], dtype=h5py.string_dtype())

    return _rewrite_weights(archive_bytes, change)


def reference_kernel(archive_bytes: bytes) -> bytes:
    """The first conv kernel as object references."""

    def change(file):
        reference = file["layers"].ref
        del file[TARGET]
        file.create_dataset(TARGET, data=[reference], dtype=h5py.ref_dtype)

    return _rewrite_weights(archive_bytes, change)


def integer_kernel(archive_bytes: bytes) -> bytes:
    def change(file):
        data = file[TARGET][()]
        del file[TARGET]
        file.create_dataset(TARGET, data=data.astype(np.int32))

    return _rewrite_weights(archive_bytes, change)


def huge_declared_kernel(archive_bytes: bytes) -> bytes:
    """A dataset declaring 1.6 GB of floats it never stores (a few KB on disk)."""

    def change(file):
        file.create_dataset("layers/conv2d/vars/2", shape=(20_000, 20_000), dtype="f4")

    return _rewrite_weights(archive_bytes, change)


# ------------------------------------------------------------------------------ the zip


def _zip_bomb(archive_bytes: bytes, inflated_mb: int, declared: int, crc: int) -> bytes:
    """The archive with its weights member a deflate stream of `inflated_mb` MB of zeros, whose
    headers declare `declared` bytes and `crc`; the other members stored as they were."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    stream = b"".join(deflate.compress(zeros) for _ in range(inflated_mb)) + deflate.flush()
    entries = [
        {"name": name, "data": data, "size": len(data), "crc": zlib.crc32(data)}
        for name, data in members_of(archive_bytes).items()
        if name != WEIGHTS
    ]
    entries.append({"name": WEIGHTS, "data": stream, "method": 8, "size": declared, "crc": crc})
    return raw_zip(entries)


def lying_zip_bomb(archive_bytes: bytes, inflated_mb: int = 600) -> bytes:
    """The weights member replaced by a deflate stream of `inflated_mb` MB of zeros whose
    headers declare the size and CRC of its first 1,000 bytes (`zipfile` would inflate it
    whole, then pass the CRC check)."""
    return _zip_bomb(archive_bytes, inflated_mb, 1000, zlib.crc32(bytes(1000)))


def honest_zip_bomb(archive_bytes: bytes, inflated_mb: int = 600) -> bytes:
    """As `lying_zip_bomb`, but the headers tell the truth."""
    crc, zeros = 0, bytes(1024 * 1024)
    for _ in range(inflated_mb):
        crc = zlib.crc32(zeros, crc)
    return _zip_bomb(archive_bytes, inflated_mb, inflated_mb << 20, crc)


def with_member(archive_bytes: bytes, name: str, content: bytes = b"x") -> bytes:
    """The archive with one more member (an unexpected, absolute, climbing or repeated name)."""
    return write_zip([*members_of(archive_bytes).items(), (name, content)])


def many_members(archive_bytes: bytes, count: int = 5000) -> bytes:
    extra = [(f"assets/{index}", b"") for index in range(count)]
    return write_zip([*members_of(archive_bytes).items(), *extra])


def encrypted(archive_bytes: bytes) -> bytes:
    entries = [
        {"name": name, "data": data, "size": len(data), "crc": zlib.crc32(data), "flags": 1}
        for name, data in members_of(archive_bytes).items()
    ]
    return raw_zip(entries)


def bzip2_compressed(archive_bytes: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        for name, data in members_of(archive_bytes).items():
            archive.writestr(name, data)
    return buffer.getvalue()


# ----------------------------------------------------------------------------- the JSON


def with_config(archive_bytes: bytes, config_text: str | bytes) -> bytes:
    members = members_of(archive_bytes)
    members[CONFIG] = config_text.encode() if isinstance(config_text, str) else config_text
    return write_zip(list(members.items()))


def deep_json(archive_bytes: bytes, depth: int = 200_000) -> bytes:
    return with_config(archive_bytes, "[" * depth + "]" * depth)


def moderately_deep_config(archive_bytes: bytes, depth: int = 200) -> bytes:
    """A real config with a nest of `depth` lists inside one layer's config: parses, but no
    Keras config is that deep."""
    config = json.loads(members_of(archive_bytes)[CONFIG])
    config["config"]["layers"][0]["config"]["nested"] = json.loads("[" * depth + "]" * depth)
    return with_config(archive_bytes, json.dumps(config))


def many_layers(archive_bytes: bytes, count: int = 5000) -> bytes:
    config = json.loads(members_of(archive_bytes)[CONFIG])
    layer = {"module": "keras.layers", "class_name": "Dropout", "config": {"rate": 0.1}}
    config["config"]["layers"] = config["config"]["layers"] + [layer] * count
    return with_config(archive_bytes, json.dumps(config))


def attacks(archive_bytes: bytes, secret: Path) -> dict[str, tuple[bytes, str]]:
    """Every attack above: {name: (file bytes, the reason it must be refused with)}."""
    target = secret_h5(secret, kernel_shape(archive_bytes))
    return {
        "external_storage": (external_storage(archive_bytes, secret), "weights_external_storage"),
        "virtual_dataset": (virtual_dataset(archive_bytes, target), "weights_virtual"),
        "external_link": (external_link(archive_bytes, target), "weights_external_link"),
        "soft_link": (soft_link(archive_bytes), "weights_soft_link"),
        "hard_link_loop": (hard_link_loop(archive_bytes), "weights_structure"),
        "gzip_filter": (compressed_kernel(archive_bytes), "weights_filter"),
        "chunked": (chunked_kernel(archive_bytes), "weights_layout"),
        "string_dtype": (string_kernel(archive_bytes), "weights_dtype"),
        "reference_dtype": (reference_kernel(archive_bytes), "weights_dtype"),
        "integer_weights": (integer_kernel(archive_bytes), "weights_dtype"),
        "huge_declared": (huge_declared_kernel(archive_bytes), "weights_too_large"),
        "lying_zip_bomb": (lying_zip_bomb(archive_bytes), "member_size_mismatch"),
        "honest_zip_bomb": (honest_zip_bomb(archive_bytes), "member_too_large"),
        "absolute_name": (with_member(archive_bytes, "/etc/passwd"), "unsafe_member_name"),
        "climbing_name": (with_member(archive_bytes, "../../x.py"), "unsafe_member_name"),
        "duplicate_name": (with_member(archive_bytes, CONFIG, b"{}"), "duplicate_member"),
        "unexpected_name": (with_member(archive_bytes, "run_me.py"), "unexpected_member"),
        "many_members": (many_members(archive_bytes), "too_many_members"),
        "encrypted": (encrypted(archive_bytes), "zip_feature"),
        "bzip2": (bzip2_compressed(archive_bytes), "zip_feature"),
        "deep_json": (deep_json(archive_bytes), "json_too_deep"),
        "moderately_deep_json": (moderately_deep_config(archive_bytes), "json_too_deep"),
        "many_layers": (many_layers(archive_bytes), "too_many_layers"),
    }
