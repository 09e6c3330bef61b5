"""Reading a visitor's photo safely: whatever was given (bytes, an uploaded file, a path, a
PIL image, an array) into a small RGB picture, the first stage of `cnn.images.photo`.

A picture from a visitor is hostile until read: its pixels are counted from the header and too
many are refused before anything is decoded (`MAX_PIXELS`, and a lower cap for the formats
decoded whole, `MAX_DECODED_PIXELS`); PNG text is bounded; only the first frame of an
animation is decoded; a large picture is scaled down to `WORK_SIZE` as soon as it is decoded
(`_shrink`), before the EXIF turn, so no full-size copy is ever made.
"""

from __future__ import annotations

import io
import os
import re
import warnings

import numpy as np
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from cnn.images.photo_errors import PhotoSizeError, PhotoUnreadableError

WORK_SIZE = 320  # the longest side of the copy the steps work on
MAX_PIXELS = 50_000_000  # larger photos are refused before they are decoded (48 Mpx phones)
# JPEG is decoded at 1/2, 1/4 or 1/8 scale (`draft`); PNG, WebP, GIF and BMP only whole, at
# 4 bytes a pixel or more: a 200 KB PNG of 50 Mpx took 1.2 GB to read. Those are capped lower,
# WebP most (its decoder keeps a second copy): each then reads in ~130 MB at most
# (benchmarks/bench_photo_memory.py).
MAX_DECODED_PIXELS = {"PNG": 16_000_000, "GIF": 16_000_000, "BMP": 16_000_000, "WEBP": 8_000_000}
MAX_TEXT_BYTES = 1024 * 1024  # PNG text chunks, decompressed, in all (PIL's default: 64 MB)
# PIL's limit is process-wide; a photo of a digit needs no text, and nothing else here reads any.
PngImagePlugin.MAX_TEXT_MEMORY = min(PngImagePlugin.MAX_TEXT_MEMORY, MAX_TEXT_BYTES)
MIN_SIDE = 16  # px; smaller pictures are refused
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")  # JPEG includes MPO (some phones)


def _read_source(image):
    """Bytes, a PIL image or an array, from whatever was given."""
    if isinstance(image, np.ndarray | Image.Image):
        return image
    if isinstance(image, bytes | bytearray | memoryview):
        return bytes(image)
    if isinstance(image, str | os.PathLike):
        try:
            with open(image, "rb") as file:
                return file.read()
        except OSError as error:
            raise PhotoUnreadableError(
                f"Cannot read {os.fspath(image)}: {error.strerror or error}.",
                "not_an_image",
                name=os.fspath(image),
            ) from None
    if hasattr(image, "getvalue"):  # Streamlit's UploadedFile, io.BytesIO: all of it
        return image.getvalue()
    if hasattr(image, "read"):
        return image.read()
    raise PhotoUnreadableError(
        f"Expected a photo (the bytes of a PNG, JPEG or WebP file, an uploaded file or an "
        f"image array); got {type(image).__name__}.",
        "not_an_image",
        type=type(image).__name__,
    )


def _too_large(pixels: int, width=None, height=None, limit=MAX_PIXELS) -> PhotoSizeError:
    size = f"{width}x{height} = " if width else ""
    return PhotoSizeError(
        f"The picture is too large: {size}{pixels:,} pixels; the limit is {limit:,}. "
        "Take a smaller photo or scale it down.",
        "too_large",
        pixels=int(pixels),
        width=width,
        height=height,
        limit=limit,
    )


def _open_bytes(data: bytes) -> tuple[Image.Image, tuple[int, int]]:
    if not data:
        raise PhotoUnreadableError("The file is empty: it holds no picture.", "empty")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            picture = Image.open(io.BytesIO(data), formats=FORMATS)
        except Image.DecompressionBombError as error:  # not a ValueError: PIL's own limit
            found = re.search(r"\((\d+) pixels\)", str(error))
            raise _too_large(int(found.group(1)) if found else MAX_PIXELS + 1) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            raise PhotoUnreadableError(
                "This is not a picture PIL can read: upload a PNG, JPEG or WebP photo.",
                "not_an_image",
                formats=FORMATS,
            ) from None
        width, height = picture.size
        if width * height > MAX_PIXELS:
            raise _too_large(width * height, width, height)
        if min(width, height) < MIN_SIDE:
            raise _too_small(width, height)
        if picture.format in ("JPEG", "MPO"):
            # Decode at a reduced scale (1/2, 1/4, 1/8) still larger than the working size.
            picture.draft("RGB", (WORK_SIZE, WORK_SIZE))
        elif width * height > MAX_DECODED_PIXELS.get(picture.format, 0):  # decoded whole
            limit = MAX_DECODED_PIXELS.get(picture.format, 0)
            raise _too_large(width * height, width, height, limit)
        # Only the first frame is ever decoded (an animated GIF, WebP or PNG, an MPO's
        # second picture): frames are never counted, which would read them all.
        try:
            picture.load()
        except Exception:  # truncated or damaged data: OSError, SyntaxError, zlib.error...
            raise PhotoUnreadableError(
                "The picture is damaged or incomplete (perhaps the upload was cut short): "
                "take or upload it again.",
                "corrupt",
                format=picture.format,
            ) from None
    try:
        orientation = picture.getexif().get(0x0112)
    except Exception:  # a broken EXIF block: keep the picture as stored
        orientation = None
    picture = _shrink(picture)  # before turning: a turn of the whole photo is a full copy
    if isinstance(orientation, int) and orientation in _TURNS:  # EXIF may hold anything
        picture = picture.transpose(_TURNS[orientation])
    turned = orientation in (5, 6, 7, 8)  # a quarter turn
    return picture, ((width, height) if turned else (height, width))


_TURNS = {  # EXIF orientation -> the transpose that displays the picture upright
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _shrink(picture: Image.Image) -> Image.Image:
    """A large decoded picture scaled down to the working size right away, in a mode PIL
    filters (transparency kept, premultiplied), so no full-size copy is ever made."""
    width, height = picture.size
    scale = WORK_SIZE / max(width, height)
    if scale >= 1:
        return picture
    if _has_alpha(picture) and picture.mode not in ("RGBA", "LA"):
        picture = picture.convert("RGBA")  # a palette's or a key colour's transparency
    elif picture.mode == "P":
        picture = picture.convert("RGB")
    elif picture.mode == "1":
        picture = picture.convert("L")
    elif picture.mode.startswith("I;16"):  # 16-bit grey: kept on the scale it is read on
        top = picture.getextrema()[1]
        picture = picture.convert("I")
        if top > 255:
            picture = picture.point(lambda value: value / 257)  # 0-65535 -> 0-255
    elif picture.mode not in ("RGB", "RGBA", "L", "LA", "I", "F"):
        picture = picture.convert("RGB")  # CMYK, YCbCr, ...
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return picture.resize(new_size, Image.Resampling.BOX)


def _has_alpha(picture: Image.Image) -> bool:
    return picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info


def _pil_to_rgb(picture: Image.Image) -> np.ndarray:
    """(h, w, 3) uint8; transparency over white paper; 16-bit and float greys rescaled."""
    if picture.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        return _array_to_rgb(np.asarray(picture))
    if _has_alpha(picture):
        rgba = picture.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(white, rgba)
    return np.asarray(picture.convert("RGB"))


def _array_to_rgb(array: np.ndarray) -> np.ndarray:
    if array.dtype == bool or not (
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    ):
        raise PhotoUnreadableError(
            f"Expected an image array of numbers; got {array.dtype}.",
            "not_an_image",
            dtype=str(array.dtype),
        )
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        raise PhotoUnreadableError(
            f"Expected an image array (height, width) grey, (height, width, 3) RGB or "
            f"(height, width, 4) RGBA; got shape {array.shape}.",
            "not_an_image",
            shape=tuple(int(n) for n in array.shape),
        )
    height, width = array.shape[:2]
    if height * width > MAX_PIXELS:
        raise _too_large(height * width, width, height)
    if min(height, width) < MIN_SIDE:
        raise _too_small(width, height)
    pixels = array.astype(np.float32)
    if not np.isfinite(pixels).all():
        raise PhotoUnreadableError(
            "The image array contains NaN or infinite values.", "not_an_image", finite=False
        )
    if np.issubdtype(array.dtype, np.integer):
        top = 255.0 if array.max(initial=0) <= 255 else float(np.iinfo(array.dtype).max)
        pixels /= top
    elif pixels.max(initial=0) > 1.0:
        pixels /= 255.0  # floats on the 0-255 scale
    pixels = np.clip(pixels, 0.0, 1.0)
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[..., None], 3, axis=2)
    elif pixels.shape[2] == 4:  # transparency over white paper
        alpha = pixels[..., 3:]
        pixels = pixels[..., :3] * alpha + (1.0 - alpha)
    return (pixels * 255 + 0.5).astype(np.uint8)


def _too_small(width, height) -> PhotoSizeError:
    return PhotoSizeError(
        f"The picture is too small ({width}x{height}); use at least {MIN_SIDE} px a side.",
        "too_small",
        width=int(width),
        height=int(height),
        limit=MIN_SIDE,
    )


def load_photo(image) -> tuple[np.ndarray, tuple[int, int]]:
    """The photo as (h, w, 3) uint8 RGB with its longest side `WORK_SIZE` px, and its size
    (height, width) as given, EXIF orientation applied.

    Raises:
        PhotoUnreadableError, PhotoSizeError.
    """
    source = _read_source(image)
    original = None
    if isinstance(source, bytes):
        source, original = _open_bytes(source)
    if isinstance(source, Image.Image):
        width, height = source.size
        if width * height > MAX_PIXELS:
            raise _too_large(width * height, width, height)
        rgb = _pil_to_rgb(source)
    else:
        rgb = _array_to_rgb(np.asarray(source))
    original = original or rgb.shape[:2]
    height, width = rgb.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise _too_small(width, height)
    scale = WORK_SIZE / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if min(new_size) < MIN_SIDE // 2:
        raise _too_small(width, height)
    if new_size != (width, height):
        method = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
        rgb = np.asarray(Image.fromarray(rgb).resize(new_size, method))
    return rgb, original
