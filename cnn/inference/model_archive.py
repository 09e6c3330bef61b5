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
- HDF5 (`cnn.inference.model_weights`): opened from memory, every link and object looked at
  before a byte of data is read (external storage, virtual datasets, links, filters, chunked
  layouts, non-numeric types and oversized declarations are refused).

Every refusal is a `ModelFileError` with its own `reason`, which the UI translates.
"""

from __future__ import annotations

import io
import json
import posixpath
import struct
import zipfile
import zlib

from cnn.config import MAX_DENSE, MAX_FILTERS, MAX_KERNEL, PADDINGS, ModelConfig
from cnn.errors import ReasonError
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
CHUNK = 64 * 1024  # bytes inflated at a time


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


class ModelFileError(ReasonError, ValueError):
    """A model file that cannot or must not be used, with a reason a user can act on.

    Attributes:
        reason: a short code for the kind of refusal ("hdf5", "unsafe_layer", ...), so a UI
            can show the message in its own language (`model_error.<reason>`).
        details: the values the message names (file name, layer class, shape, ...).
    """

    text_prefix = "model_error."


def shown_name(name: str, limit: int = 60) -> str:
    """A name from the file, safe to put in a message: printable and short."""
    text = "".join(c if c.isprintable() else "?" for c in str(name))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def megabytes(size: int) -> str:
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
        f"{name} in the archive unpacks to more than {megabytes(limit)} MB, more than an "
        "MNIST model can need, so it is refused.",
        "member_too_large",
        name=name,
        limit=megabytes(limit),
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
