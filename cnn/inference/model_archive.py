"""A visitor's `.keras` file read as untrusted data: every byte counted, nothing followed.

A `.keras` file is a zip of `config.json`, `metadata.json` and `model.weights.h5` (HDF5).
Both formats have features that reach outside the file or multiply it, and each is an input
here, refused before it can act:

- zip: a member's declared size and CRC are not trusted (a deflate stream can inflate to
  hundreds of MB behind the header of a few bytes): each member is inflated in chunks and
  refused as soon as it passes its own limit, and all of them within the upload limit. The
  central directory is bounded before `zipfile` reads it; member names that are absolute,
  climb out with `..`, repeat, or are not one of Keras' three files are refused, and so are
  encryption and compression methods Keras does not write.
- JSON: size-limited by the member's budget, depth-limited after parsing (a nesting too
  deep for Python's parser is the same refusal, not a `RecursionError`).
- HDF5: opened from memory (never a path), then every link and object is looked at before a
  byte of data is read: external storage (a dataset whose bytes live in another file, e.g.
  the server's secrets), virtual datasets, soft and external links, data types other than
  plain numbers, filters (compression and plugins, which HDF5 loads as shared libraries),
  chunked layouts, and more bytes declared than the budget allows are all refused.

Every refusal is a `ModelFileError` with its own `reason`, which the UI translates.
"""

from __future__ import annotations

import io
import json
import posixpath
import struct
import zipfile
import zlib
from math import prod

import numpy as np

from cnn.config import MAX_DENSE, MAX_FILTERS, MAX_KERNEL, PADDINGS, ModelConfig
from cnn.layer_table import count_params

MAX_MODEL_BYTES = 50 * 1024 * 1024  # the app's upload limit too (.streamlit/config.toml)
CONFIG_FILE = "config.json"
METADATA_FILE = "metadata.json"
WEIGHTS_FILE = "model.weights.h5"
MAX_CONFIG_BYTES = 4 * 1024 * 1024  # the course's config is 6.4 KB
MAX_METADATA_BYTES = 64 * 1024  # 64 bytes in a Keras file
MAX_JSON_DEPTH = 64  # a Keras config nests 7 deep (Sequential) to ~12 (Functional)
MAX_LAYERS = 256
MAX_ZIP_ENTRIES = 16  # Keras writes 3
MAX_CENTRAL_DIRECTORY = 64 * 1024  # bytes; 3 entries take ~200
MAX_HDF5_OBJECTS = 4096  # groups and datasets; the course's model has 44
MAX_HDF5_DEPTH = 8  # /layers/conv2d/vars/0 is 4 deep
CHUNK = 64 * 1024  # bytes inflated at a time
_FLOAT_SIZES = (2, 4, 8)  # float16, float32, float64


def largest_network_params() -> int:
    """The parameters of the largest network the app's Architecture form can build (one
    block of the most filters with the widest kernel and "same" padding keeps the most
    positions for the widest dense layer)."""
    sizes = []
    for blocks in (1, 2, 3):
        for padding in PADDINGS:
            try:
                config = ModelConfig(
                    filters=(MAX_FILTERS,) * blocks,
                    kernel_size=MAX_KERNEL,
                    padding=padding,
                    dense_units=MAX_DENSE,
                )
            except ValueError:  # a valid padding that shrinks the image to nothing
                continue
            sizes.append(count_params(config))
    return max(sizes)


# The weights file holds float32 weights and, when saved after training, Adam's two moments
# for each: 3 x 4 bytes a parameter, plus HDF5's own bookkeeping. The largest network the app
# builds (102.8 M parameters) is far beyond the upload limit, which therefore binds.
MAX_WEIGHTS_BYTES = min(MAX_MODEL_BYTES, 12 * largest_network_params() + 1024 * 1024)
MEMBER_LIMITS = {
    CONFIG_FILE: MAX_CONFIG_BYTES,
    METADATA_FILE: MAX_METADATA_BYTES,
    WEIGHTS_FILE: MAX_WEIGHTS_BYTES,
}


class ModelFileError(ValueError):
    """A model file that cannot or must not be used, with a reason a user can act on.

    Attributes:
        reason: a short code for the kind of refusal ("hdf5", "unsafe_layer", ...), so a UI
            can show the message in its own language.
        details: the values the message names (file name, layer class, shape, ...).
    """

    def __init__(self, message: str, reason: str = "invalid", **details):
        super().__init__(message)
        self.reason = reason
        self.details = details


def shown_name(name: str, limit: int = 60) -> str:
    """A name from the file, safe to put in a message: printable and short."""
    text = "".join(c if c.isprintable() else "?" for c in str(name))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.0f}" if size >= 1e6 else f"{size / 1e6:.2f}"


# ------------------------------------------------------------------------------ the zip


def _end_record(data: bytes) -> tuple[int, int]:
    """(entries, central directory size) from the zip's end record, checked before
    `zipfile` builds an object per entry (a 50 MB directory would be a million)."""
    start = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if start < 0 or len(data) - start < 22:
        raise ModelFileError("The zip has no end record.", "damaged")
    entries, directory_size = struct.unpack("<2xHI", data[start + 8 : start + 16])
    zip64 = start >= 20 and data[start - 20 : start - 16] == b"PK\x06\x07"
    if zip64 or entries == 0xFFFF or directory_size == 0xFFFFFFFF:
        raise _zip_feature("zip64")
    if entries > MAX_ZIP_ENTRIES or directory_size > MAX_CENTRAL_DIRECTORY:
        raise ModelFileError(
            f"The archive lists {entries} files in a {directory_size:,}-byte directory; a "
            f"Keras model has 3. It is refused.",
            "too_many_members",
            count=entries,
            limit=MAX_ZIP_ENTRIES,
        )
    return entries, directory_size


def _zip_feature(feature: str) -> ModelFileError:
    return ModelFileError(
        f"The archive uses {feature}, which Keras never writes, so it is refused. Save the "
        "model again with model.save('model.keras').",
        "zip_feature",
        feature=feature,
    )


def _check_member_names(infos: list[zipfile.ZipInfo]) -> None:
    seen = set()
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if (
            name.startswith(("/", "\\"))
            or "\\" in name
            or "\x00" in name
            or ".." in parts
            or (len(name) > 1 and name[1] == ":")
            or posixpath.normpath(name) != name.rstrip("/")
        ):
            raise ModelFileError(
                f"The archive holds a file named {shown_name(name)!r}, a path that points "
                "outside the archive, so it is refused.",
                "unsafe_member_name",
                name=shown_name(name),
            )
        if name in seen:
            raise ModelFileError(
                f"The archive holds {shown_name(name)!r} twice, so it is refused.",
                "duplicate_member",
                name=shown_name(name),
            )
        seen.add(name)
    if CONFIG_FILE not in seen:
        raise ModelFileError(
            "This zip is not a Keras model archive (it has no config.json). "
            "Save your model with model.save('model.keras').",
            "not_archive",
        )
    for name in seen:
        if name not in MEMBER_LIMITS:
            raise ModelFileError(
                f"The archive holds {shown_name(name)!r}, which a Keras model file does not "
                f"have (only {', '.join(MEMBER_LIMITS)}), so it is refused.",
                "unexpected_member",
                name=shown_name(name),
                expected=", ".join(MEMBER_LIMITS),
            )


def _member_too_large(name: str, limit: int) -> ModelFileError:
    return ModelFileError(
        f"{name} in the archive unpacks to more than {_megabytes(limit)} MB, more than an "
        "MNIST model can need, so it is refused.",
        "member_too_large",
        name=name,
        limit=_megabytes(limit),
    )


def _compressed_bytes(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    """The member's stored bytes, located through its local header, inside the upload."""
    start = info.header_offset
    header = data[start : start + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise ModelFileError("A file in the archive has no local header.", "damaged")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    begin = start + 30 + name_length + extra_length
    if begin + info.compress_size > len(data):
        raise ModelFileError("A file in the archive runs past its end.", "damaged")
    return memoryview(data)[begin : begin + info.compress_size]


def _inflate(data: bytes, info: zipfile.ZipInfo, limit: int) -> bytearray:
    """A member's bytes, inflated `CHUNK` at a time and counted, never trusting its header:
    refused as soon as they pass `limit` or the size the header declared, then checked
    against the declared size and CRC."""
    name = info.filename
    if info.file_size > limit:  # the honest case, refused without inflating anything
        raise _member_too_large(name, limit)
    compressed = _compressed_bytes(data, info)
    if info.compress_type == zipfile.ZIP_STORED:
        buffer = bytearray(compressed[: info.file_size + 1])
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        buffer = bytearray()
        for offset in range(0, len(compressed), CHUNK):
            piece = compressed[offset : offset + CHUNK]
            while piece and not inflater.eof:
                buffer += inflater.decompress(piece, CHUNK)
                piece = inflater.unconsumed_tail
                if len(buffer) > info.file_size:
                    break
            if inflater.eof or len(buffer) > info.file_size:
                break
        while not inflater.eof and len(buffer) <= info.file_size:  # output zlib still holds
            more = inflater.decompress(b"", CHUNK)
            if not more:
                break
            buffer += more
    if len(buffer) > info.file_size:
        raise ModelFileError(
            f"{name} in the archive holds more than the {info.file_size:,} bytes its header "
            "declares (a zip bomb's trick), so it is refused.",
            "member_size_mismatch",
            name=name,
        )
    if len(buffer) != info.file_size or zlib.crc32(buffer) != info.CRC:
        raise ModelFileError(
            f"{name} in the archive is damaged or truncated. Save the model again.", "damaged"
        )
    return buffer


def read_archive(data: bytes) -> dict[str, bytearray]:
    """The config and the weights of a `.keras` archive, each inflated within its budget.

    Returns:
        {"config.json": bytes, "model.weights.h5": bytes} (the weights only if present).

    Raises:
        ModelFileError: a zip whose structure, names, features or sizes a Keras model file
            does not have ("too_many_members", "unsafe_member_name", "duplicate_member",
            "unexpected_member", "zip_feature", "member_too_large", "member_size_mismatch",
            "damaged"), or with no config.json ("not_archive").
    """
    _end_record(data)
    members: dict[str, bytearray] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _check_member_names(infos)
            for info in infos:
                if info.flag_bits & 0x1:
                    raise _zip_feature("encryption")
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise _zip_feature(f"compression method {info.compress_type}")
            names = {info.filename: info for info in infos}
            budget = MAX_MODEL_BYTES
            for name in (CONFIG_FILE, METADATA_FILE, WEIGHTS_FILE):
                if name not in names:
                    continue
                limit = min(MEMBER_LIMITS[name], budget)
                if name == METADATA_FILE:  # not needed: its declared size is checked only
                    if names[name].file_size > limit:
                        raise _member_too_large(name, limit)
                    continue
                members[name] = _inflate(data, names[name], limit)
                budget -= len(members[name])
    except ModelFileError:
        raise
    except Exception as error:  # BadZipFile, zlib.error, ...: whatever a malformed zip raises
        raise ModelFileError(
            f"The model archive is damaged ({type(error).__name__}). Save it again.", "damaged"
        ) from None
    return members


# ----------------------------------------------------------------------------- the JSON


def json_depth(value) -> int:
    """How deep lists and objects nest in parsed JSON (0 for a number), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            deepest = max(deepest, depth)
            stack.extend((item, depth + 1) for item in node)
    return deepest


def _too_deep() -> ModelFileError:
    return ModelFileError(
        f"The model's config.json nests deeper than {MAX_JSON_DEPTH} levels, far deeper than "
        "any Keras model's, so it is refused.",
        "json_too_deep",
        limit=MAX_JSON_DEPTH,
    )


def parse_config(raw: bytes | bytearray) -> dict:
    """A model config from `config.json`'s bytes: JSON within the depth limit, a dict with a
    class name and at most `MAX_LAYERS` layers.

    Raises:
        ModelFileError: "json_too_deep", "too_many_layers" or "damaged".
    """
    try:
        config = json.loads(bytes(raw).decode("utf-8"))
    except RecursionError:  # deeper than Python's own parser goes: no traceback
        raise _too_deep() from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, a 5,000-digit int
        raise ModelFileError(
            f"The model archive is damaged ({type(error).__name__}). Save it again.", "damaged"
        ) from None
    if json_depth(config) > MAX_JSON_DEPTH:
        raise _too_deep()
    if not isinstance(config, dict) or "class_name" not in config:
        raise ModelFileError(
            "The model archive's config.json is not a Keras model config.", "damaged"
        )
    inner = config.get("config")
    layers = inner.get("layers", []) if isinstance(inner, dict) else []
    if not isinstance(layers, list) or not all(isinstance(layer, dict) for layer in layers):
        raise ModelFileError(
            "The model archive's config.json is not a Keras model config.", "damaged"
        )
    if len(layers) > MAX_LAYERS:
        raise ModelFileError(
            f"The model has {len(layers)} layers; the limit is {MAX_LAYERS}.",
            "too_many_layers",
            count=len(layers),
            limit=MAX_LAYERS,
        )
    return config


# ----------------------------------------------------------------------------- the HDF5


def _weights_error(reason: str, what: str, path: str, **details) -> ModelFileError:
    return ModelFileError(
        f"The model's weights file has {what} at {shown_name(path)!r}; a Keras model never "
        "has, so it is refused. Save the model again with model.save('model.keras').",
        reason,
        path=shown_name(path),
        **details,
    )


def _check_dataset(dataset, path: str) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of a dataset whose data is plain numbers inside this file; refuse
    anything else, from metadata only."""
    import h5py

    plist = dataset.id.get_create_plist()
    if plist.get_external_count() > 0:
        raise _weights_error("weights_external_storage", "data stored in another file", path)
    layout = plist.get_layout()
    if layout == h5py.h5d.VIRTUAL:
        raise _weights_error("weights_virtual", "a virtual dataset (data from other files)", path)
    if plist.get_nfilters() > 0:
        filter_id = plist.get_filter(0)[0]
        raise _weights_error(
            "weights_filter", f"a filter (HDF5 filter {filter_id})", path, filter=filter_id
        )
    if layout not in (h5py.h5d.CONTIGUOUS, h5py.h5d.COMPACT):
        raise _weights_error("weights_layout", "a chunked layout", path)
    type_class = dataset.id.get_type().get_class()
    dtype = dataset.dtype
    if type_class not in (h5py.h5t.FLOAT, h5py.h5t.INTEGER) or dtype.kind not in "fiu":
        raise _weights_error(
            "weights_dtype", f"data of type {dtype}", path, dtype=shown_name(str(dtype))
        )
    shape = tuple(int(n) for n in (dataset.shape or ()))
    return shape, dtype


def survey_weights(file) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Every dataset of an open HDF5 file, {path: (shape, dtype)}, found by walking its
    links one by one without following any that is not a plain (hard) link.

    Raises:
        ModelFileError: soft or external links, objects that are not groups or datasets,
            more than `MAX_HDF5_OBJECTS`, deeper than `MAX_HDF5_DEPTH`, any dataset refused
            by its metadata, or more data declared than `MAX_WEIGHTS_BYTES`.
    """
    import h5py

    datasets = {}
    seen = set()
    declared = 0
    stack = [("", file, 0)]
    while stack:
        prefix, group, depth = stack.pop()
        for name in group:
            path = f"{prefix}/{name}"
            link = group.get(name, getlink=True)
            if isinstance(link, h5py.SoftLink):
                raise _weights_error("weights_soft_link", "a soft link", path)
            if isinstance(link, h5py.ExternalLink):
                raise _weights_error("weights_external_link", "a link to another file", path)
            if not isinstance(link, h5py.HardLink):
                raise _weights_error("weights_structure", "a link of an unknown kind", path)
            if len(seen) >= MAX_HDF5_OBJECTS or depth >= MAX_HDF5_DEPTH:
                raise _weights_error("weights_structure", "too many or too deep objects", path)
            item = group.get(name)
            address = h5py.h5o.get_info(item.id).addr
            if address in seen:  # an object linked twice (or a loop): Keras never does
                raise _weights_error("weights_structure", "an object linked twice", path)
            seen.add(address)
            if isinstance(item, h5py.Group):
                stack.append((path, item, depth + 1))
            elif isinstance(item, h5py.Dataset):
                shape, dtype = _check_dataset(item, path)
                datasets[path] = (shape, dtype)
                declared += prod(shape) * dtype.itemsize
                if declared > MAX_WEIGHTS_BYTES:
                    raise ModelFileError(
                        f"The model's weights declare more than {_megabytes(MAX_WEIGHTS_BYTES)}"
                        " MB of data, more than an MNIST model can need, so they are refused.",
                        "weights_too_large",
                        limit=_megabytes(MAX_WEIGHTS_BYTES),
                    )
            else:
                raise _weights_error("weights_structure", "an object of an unknown kind", path)
    return datasets


def layer_weight_paths(datasets: dict) -> dict[str, list[str]]:
    """{layer key: [dataset path of variable 0, 1, ...]} for `/layers/<key>/vars/<i>`; a
    layer's variables numbered 0, 1, ... without a gap, each a float array."""
    layers: dict[str, dict[int, str]] = {}
    for path, (_shape, dtype) in datasets.items():
        parts = path.split("/")
        if len(parts) != 5 or parts[1] != "layers" or parts[3] != "vars":
            continue
        if not parts[4].isdigit():
            raise _weights_error("weights_structure", "a variable that is not numbered", path)
        if dtype.kind != "f" or dtype.itemsize not in _FLOAT_SIZES:
            raise _weights_error(
                "weights_dtype", f"weights of type {dtype}", path, dtype=shown_name(str(dtype))
            )
        layers.setdefault(parts[2], {})[int(parts[4])] = path
    result = {}
    for key, numbered in layers.items():
        if sorted(numbered) != list(range(len(numbered))):
            raise _weights_error("weights_structure", "variables with a gap", f"/layers/{key}")
        result[key] = [numbered[index] for index in range(len(numbered))]
    return result


def read_weights(raw: bytes | bytearray, check_shapes=None) -> dict[str, list[np.ndarray]]:
    """Every layer's weight arrays from `model.weights.h5`'s bytes, keyed as Keras names
    them ("conv2d", "conv2d_1", "dense", ...), checked before any data is read.

    Args:
        raw: the weights file's bytes (opened from memory, never from a path).
        check_shapes: called with {layer key: [zero-cost arrays of the declared shapes]}
            before any data is read; it raises when they do not fit the architecture.

    Raises:
        ModelFileError: everything `survey_weights` refuses, or "weights_damaged".
    """
    import h5py  # comes with Keras; light (no TensorFlow)

    try:
        with h5py.File(io.BytesIO(raw), "r") as file:
            datasets = survey_weights(file)
            paths = layer_weight_paths(datasets)
            if check_shapes is not None:
                placeholders = {
                    key: [np.broadcast_to(np.float32(0), datasets[path][0]) for path in layer]
                    for key, layer in paths.items()
                }
                check_shapes(placeholders)
            return {
                key: [np.asarray(file[path][()], dtype=np.float32) for path in layer]
                for key, layer in paths.items()
            }
    except ModelFileError:
        raise
    except Exception as error:  # OSError, KeyError, ValueError from a damaged file
        raise ModelFileError(
            f"The model's weights ({WEIGHTS_FILE}) are damaged or truncated "
            f"({type(error).__name__}). Save the model again.",
            "weights_damaged",
        ) from None
