"""A visitor's picture is hostile too: pixel counts refused before decoding (a lower cap for
formats decoded whole), only the first frame of an animation read, PNG text bounded, and a
large picture shrunk before any full-size copy, with the same result as before."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import GifImagePlugin, Image, ImageFile, PngImagePlugin

from cnn.images.photo import (
    MAX_DECODED_PIXELS,
    MAX_PIXELS,
    PhotoSizeError,
    PhotoUnreadableError,
    photo_steps,
    photo_to_mnist,
)
from cnn.images.photo_synth import synthetic_photo
from ui.i18n import translate


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def digit_photo(sample) -> np.ndarray:
    """A 3 in black ink on plain paper, 960 x 1280 (large enough to be shrunk)."""
    index = int(np.flatnonzero(sample.y_test == 3)[0])
    return synthetic_photo(
        sample.x_test[index], paper="plain", ink="black", rng=2, size=(960, 1280), encode=False
    )


@pytest.fixture
def no_decoding(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("the picture was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


@pytest.mark.parametrize(("fmt", "side"), [("PNG", 4100), ("GIF", 4100), ("WEBP", 2900)])
def test_a_format_decoded_whole_has_a_lower_cap_checked_before_decoding(fmt, side, no_decoding):
    """Under the 50 Mpx cap, over this format's own: refused from the header alone."""
    data = encode(Image.new("L", (side, side), 255), fmt)
    with pytest.raises(PhotoSizeError) as caught:
        photo_to_mnist(data)
    error = caught.value
    assert side * side < MAX_PIXELS
    assert error.reason == "too_large"
    assert error.details["limit"] == MAX_DECODED_PIXELS[fmt] < side * side
    for language in ("en", "zh"):
        text = translate("photo.error_too_large", language, **error.details)
        assert f"{MAX_DECODED_PIXELS[fmt]:,}" in text


def test_a_jpeg_keeps_the_larger_cap_since_it_is_decoded_scaled(monkeypatch):
    """A 5,000 x 4,000 JPEG (20 Mpx) is read at 1/8 scale: accepted."""
    big = Image.new("RGB", (5000, 4000), "white")
    big.paste((0, 0, 0), (2400, 1900, 2600, 2300))  # a bar: ink
    steps = photo_steps(encode(big, "JPEG", quality=80))
    assert steps.original_size == (4000, 5000)
    assert steps.mnist is not None


def test_only_the_first_frame_of_an_animation_is_read(digit_photo, monkeypatch):
    def counted(self):
        raise AssertionError("the frames were counted")

    monkeypatch.setattr(GifImagePlugin.GifImageFile, "n_frames", property(counted))
    first = Image.fromarray(digit_photo).convert("P")
    black = Image.new("P", first.size, 0)
    animated = encode(first, "GIF", save_all=True, append_images=[black] * 50, duration=40)
    single = encode(first, "GIF")
    np.testing.assert_allclose(photo_to_mnist(animated), photo_to_mnist(single), atol=1e-6)


def test_png_text_beyond_a_megabyte_is_refused_not_held():
    info = PngImagePlugin.PngInfo()
    for index in range(5):
        info.add_text(f"note{index}", "x" * 900_000, zip=True)  # 4.5 MB from a 6 KB file
    data = encode(Image.new("RGB", (400, 300), "white"), "PNG", pnginfo=info)
    assert len(data) < 20_000
    with pytest.raises(PhotoUnreadableError) as caught:
        photo_to_mnist(data)
    assert caught.value.reason == "not_an_image"


def test_a_large_transparent_picture_reads_as_over_white_paper(digit_photo):
    """Shrunk while transparent (premultiplied), then put on white: as if put on white
    first at full size."""
    ink = 255 - np.asarray(Image.fromarray(digit_photo).convert("L"))
    rgba = np.zeros((*ink.shape, 4), np.uint8)
    rgba[..., 3] = ink  # black ink whose opacity is the ink's strength; paper transparent
    on_white = np.repeat((255 - ink)[..., None], 3, axis=2)
    transparent = photo_to_mnist(encode(Image.fromarray(rgba, "RGBA")))
    flattened = photo_to_mnist(encode(Image.fromarray(on_white)))
    assert np.abs(transparent - flattened).mean() < 0.01


@pytest.mark.parametrize("mode", ["1", "P", "L", "LA", "I;16"])
def test_every_mode_of_a_large_picture_reads_like_its_rgb(digit_photo, mode):
    grey = Image.fromarray(digit_photo).convert("L")
    if mode == "I;16":
        converted = Image.fromarray(np.asarray(grey).astype(np.uint16) * 257)
    else:
        converted = grey.convert(mode)
    reference = photo_to_mnist(encode(grey.convert("RGB")))
    tolerance = 0.06 if mode == "1" else 0.01  # a 1-bit picture loses its grey levels
    assert np.abs(photo_to_mnist(encode(converted)) - reference).mean() < tolerance


def test_exif_orientation_of_a_large_photo_is_applied_after_shrinking(digit_photo):
    stored = Image.fromarray(digit_photo).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    turned = photo_steps(encode(stored, "JPEG", quality=92, exif=exif.tobytes()))
    upright = photo_steps(encode(Image.fromarray(digit_photo), "JPEG", quality=92))
    assert turned.original_size == upright.original_size == (960, 1280)
    assert turned.picture.shape == upright.picture.shape
    assert np.abs(turned.mnist - upright.mnist).mean() < 0.02
