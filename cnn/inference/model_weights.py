"""A `.keras` file's weights (`model.weights.h5`, HDF5) read as untrusted data.

The file is opened from memory (never a path), then every link and object is looked at
before a byte of data is read: external storage (a dataset whose bytes live in another file,
e.g. the server's secrets), virtual datasets, soft and external links, data types other than
plain numbers, filters (compression and plugins, which HDF5 loads as shared libraries),
chunked layouts, and more bytes declared than the budget allows are all refused, each with
its own `ModelFileError` reason. The zip around it and its JSON: `cnn.inference.model_archive`.
"""

from __future__ import annotations

import io
from math import prod

import numpy as np

from cnn.inference.model_archive import (
    MAX_WEIGHTS_BYTES,
    WEIGHTS_FILE,
    ModelFileError,
    megabytes,
    shown_name,
)

MAX_HDF5_OBJECTS = 4096  # groups and datasets; the course's model has 44
MAX_HDF5_DEPTH = 8  # /layers/conv2d/vars/0 is 4 deep
_FLOAT_SIZES = (2, 4, 8)  # float16, float32, float64


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
                        f"The model's weights declare more than {megabytes(MAX_WEIGHTS_BYTES)}"
                        " MB of data, more than an MNIST model can need, so they are refused.",
                        "weights_too_large",
                        limit=megabytes(MAX_WEIGHTS_BYTES),
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
